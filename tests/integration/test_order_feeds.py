"""Polled order sources through the sweeper's step (dispatch.sweeps.order_feeds) on moto: BaseLinker's
journal, IdoSell and PrestaShop by modification time. Their APIs are httpx.MockTransport fakes that
answer in the documented shapes (api.baselinker.com; the IdoSell SDK's request and answer; PrestaShop's
webservice with `output_format=JSON`), written apart from the adapters under test.

What is proved: every changed order goes through the orders use case once (e-mail once), the cursor is
stored only after the orders, a crash between the two re-reads and is absorbed, budgets hold, cost grows
with the changes (nothing is called when nothing changed but the one cheap read), a source without
credentials is not polled."""

from __future__ import annotations

import base64
import copy
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import boto3
import httpx
import pytest

from infra.local.bootstrap import DEV_SECRETS
from order_status.app import lambda_handler as handler
from tests.factories import p24_notification, p24_webhook
from tests.integration.test_payment_webhook import FakeP24
from zwrotnica.dispatch import sweeps
from zwrotnica.flows import feeds
from zwrotnica.models.common import iso
from zwrotnica.providers import baselinker, feed_clients, idosell, payment_clients, prestashop
from zwrotnica.store import orders as order_store
from zwrotnica.store.table import client, from_item, table_name, to_item

pytestmark = pytest.mark.integration
EVENTS = Path(__file__).parents[1] / "events"
WARSAW = ZoneInfo("Europe/Warsaw")
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
BL_TOKEN = "5001-23-ABCDEF"
IDOSELL_KEY = "idosell-admin-key"
PS_KEY = "K" * 32


def event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


@pytest.fixture
def credentials(stack, monkeypatch):
    """The shop's secret with the polled sources' credentials, and their shop addresses."""
    from aws_lambda_powertools.utilities import parameters

    from zwrotnica.settings import get_settings

    keys = {
        "baselinker_api_token": BL_TOKEN,
        "idosell_api_key": IDOSELL_KEY,
        "prestashop_webservice_key": PS_KEY,
    }
    boto3.client("secretsmanager").put_secret_value(
        SecretId=os.environ["SECRETS_NAME"], SecretString=json.dumps(DEV_SECRETS | keys)
    )
    parameters.clear_caches()
    monkeypatch.setenv("IDOSELL_SHOP_URL", "https://sklep.iai-shop.com")
    monkeypatch.setenv("PRESTASHOP_SHOP_URL", "https://sklep.example.com")
    monkeypatch.setenv("BASELINKER_STATUS_MAP", "6624:processing 6625:completed")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def feed_item(source: str) -> dict | None:
    answer = client().get_item(TableName=table_name(), Key=to_item({"pk": f"FEED#{source}", "sk": "FEED"}))
    return from_item(answer["Item"]) if "Item" in answer else None


def only(monkeypatch, *sources: str) -> None:
    """Poll these sources only (the others' fakes are not installed)."""
    monkeypatch.setattr(feed_clients, "configured", lambda: list(sources))


def sweep(at: datetime = NOW, seconds: float = 60) -> dict[str, int]:
    return sweeps.order_feeds(at, seconds)


# --- BaseLinker ------------------------------------------------------------------------------------------
class FakeBaseLinker:
    """connector.php: one POST endpoint, the token in X-BLToken, form fields `method` and `parameters`
    (JSON); errors are HTTP 200 with status ERROR. getJournalList answers the events from last_log_id
    on (whether the id itself is included is undocumented: this fake includes it)."""

    def __init__(self) -> None:
        self.logs: list[dict] = []
        self.orders: dict[int, dict] = {}
        self.packages: dict[int, list[dict]] = {}
        self.calls: list[tuple[str, dict]] = []
        self.blocked = False  # over the limit: "the token is blocked for a while"

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert (request.method, str(request.url)) == ("POST", "https://api.baselinker.com/connector.php")
        if self.blocked:
            return httpx.Response(200, json={"status": "ERROR", "error_code": "ERROR_BLOCKED_TOKEN"})
        if request.headers.get("X-BLToken") != BL_TOKEN:
            return httpx.Response(200, json={"status": "ERROR", "error_code": "ERROR_AUTH_TOKEN"})
        form = parse_qs(request.content.decode())
        method, params = form["method"][0], json.loads(form["parameters"][0])
        self.calls.append((method, params))
        if method == "getJournalList":
            types = set(params.get("logs_types") or range(100))
            logs = [
                log for log in self.logs if log["id"] >= params["last_log_id"] and log["log_type"] in types
            ]
            return httpx.Response(200, json={"status": "SUCCESS", "logs": logs})
        if method == "getOrders" and "order_id" in params:
            found = [self.orders[params["order_id"]]] if params["order_id"] in self.orders else []
            return httpx.Response(200, json={"status": "SUCCESS", "orders": found})
        if method == "getOrders":
            since = params["date_confirmed_from"]
            found = sorted(
                (o for o in self.orders.values() if o["date_confirmed"] >= since),
                key=lambda o: o["date_confirmed"],
            )
            return httpx.Response(200, json={"status": "SUCCESS", "orders": found[:100]})
        if method == "getOrderPackages":
            return httpx.Response(
                200, json={"status": "SUCCESS", "packages": self.packages.get(params["order_id"], [])}
            )
        return httpx.Response(200, json={"status": "ERROR", "error_code": "ERROR_BAD_METHOD"})

    def order(self, order_id: int, at: int, **changes) -> None:
        """An order (the documented Allegro sample as the template) created at `at`, with its events."""
        sample = copy.deepcopy(event("baselinker/get_orders.json")["orders"][0])
        self.orders[order_id] = (
            sample | {"order_id": order_id, "date_add": at, "date_confirmed": at} | changes
        )
        self.log(order_id, 1, at)

    def log(self, order_id: int, log_type: int, at: int) -> None:
        self.logs.append(
            {
                "id": 654321 + len(self.logs),
                "order_id": order_id,
                "log_type": log_type,
                "object_id": 0,
                "date": at,
            }
        )

    def methods(self) -> list[str]:
        return [method for method, _ in self.calls]


@pytest.fixture
def bl(credentials, monkeypatch) -> FakeBaseLinker:
    fake = FakeBaseLinker()
    monkeypatch.setattr(
        feed_clients,
        "baselinker_client",
        lambda: baselinker.BaseLinkerClient(BL_TOKEN, httpx.MockTransport(fake)),
    )
    only(monkeypatch, "baselinker")
    return fake


AT = 1764406800  # the journal sample's first event


def test_baselinker_journal_orders_go_through_the_orders_use_case_once(bl, sent):
    bl.order(7000101, AT)  # Allegro: no e-mail, no phone
    bl.order(7000102, AT + 60, email="jan.nowak@example.com", phone="600 100 300", order_source="shop")
    bl.log(7000101, 9, AT + 120)  # a parcel: its packages are read with it
    bl.packages[7000101] = event("baselinker/get_order_packages.json")["packages"]

    assert sweep() == {"create": 2}
    first = order_store.load_view("7000101")
    assert (first.order["platform"], first.order.get("email"), first.order["shop_order_id"]) == (
        "baselinker",
        None,
        "7000101",
    )
    assert sorted(s["tracking_number"] for s in first.shipments) == [
        "0000123456789U",
        "602677439331630337653846",
    ]
    assert [e.subject for e in sent.emails] == ["Otrzymaliśmy Twoje zamówienie nr 7000102"]
    assert feed_item("baselinker")["cursor"] == {"log_id": 654323}
    assert bl.methods() == ["getJournalList", "getOrders", "getOrderPackages", "getOrders"]

    # The next sweep: nothing new, one journal call and nothing written but the cursor's time
    bl.calls.clear()
    assert sweep(NOW + timedelta(minutes=5)) == {}
    assert bl.methods() == ["getJournalList"]

    # The shop moves 7000102 to a status mapped to "completed": one update, no e-mail
    bl.orders[7000102] |= {"order_status_id": 6625, "date_in_status": AT + 3600}
    bl.log(7000102, 18, AT + 3600)
    assert sweep(NOW + timedelta(minutes=10)) == {"update": 1}
    assert order_store.load_view("7000102").order["shop_status"] == "completed"
    assert len(sent.emails) == 1 and feed_item("baselinker")["cursor"] == {"log_id": 654324}


def test_a_polled_source_resuming_after_a_crash_loses_nothing_and_does_nothing_twice(bl, sent, monkeypatch):
    for i in range(3):
        bl.order(7000200 + i, AT + i, email=f"klient{i}@example.com")

    real, kills = feeds.advance, []

    def killed_once(*args, **kwargs):
        if not kills:
            kills.append(1)
            raise SystemExit("the sweeper was killed between the order commits and the cursor write")
        return real(*args, **kwargs)

    monkeypatch.setattr(feeds, "advance", killed_once)
    with pytest.raises(SystemExit):
        sweep()
    assert len(sent.emails) == 3  # the orders were committed, the cursor was not
    item = feed_item("baselinker")
    assert "cursor" not in item and item["due_at"] == iso(NOW + feeds.LEASE)

    # While the dead sweep's lease runs, nobody reads the source
    bl.calls.clear()
    assert sweep(NOW + timedelta(minutes=5)) == {} and bl.calls == []
    # After it, the next sweep reads the same events again: the orders' versions absorb them
    assert sweep(NOW + timedelta(minutes=11)) == {"duplicate": 3}
    assert len(sent.emails) == 3
    assert sorted(e.destinations["ToAddresses"][0] for e in sent.emails) == [
        "klient0@example.com", "klient1@example.com", "klient2@example.com"
    ]  # fmt: skip
    assert feed_item("baselinker")["cursor"] == {"log_id": 654323}


def test_the_journal_is_read_within_budget_and_the_cursor_waits_for_the_orders_not_read(
    bl, sent, monkeypatch
):
    monkeypatch.setattr(feeds, "JOURNAL_ORDERS", 2)
    for i in range(3):
        bl.order(7000300 + i, AT + i)
    assert sweep() == {"create": 2}
    assert bl.methods() == ["getJournalList", "getOrders", "getOrders"]
    assert feed_item("baselinker")["cursor"] == {"log_id": 654322}  # the third order's event: next time
    assert feed_item("baselinker")["due_at"] == iso(NOW)  # more to read: due at once
    assert sweep(NOW + timedelta(minutes=5)) == {"create": 1}
    assert order_store.load_view("7000302") is not None


def test_a_sweep_out_of_time_stops_between_orders_and_the_cursor_waits_for_the_rest(bl, sent):
    for i in range(3):
        bl.order(7000350 + i, AT + i)
    assert sweep(seconds=0) == {}  # no time left: nothing read, the cursor where it was
    assert feed_item("baselinker")["cursor"] == {"log_id": 0} and bl.methods() == ["getJournalList"]
    assert sweep(NOW + timedelta(minutes=5)) == {"create": 3}


def test_after_three_days_without_reading_the_journal_the_confirmed_orders_are_read(bl, sent):
    bl.order(7000401, int((NOW - timedelta(hours=1)).timestamp()))
    assert sweep() == {"create": 1}
    # A stop longer than the journal keeps (3 days): what was confirmed meanwhile comes from getOrders
    back = NOW + timedelta(days=4)
    bl.order(7000402, int((NOW + timedelta(days=2)).timestamp()))
    bl.logs = []  # the events of those days expired
    bl.calls.clear()
    assert sweep(back) == {"create": 1}
    [(method, params)] = bl.calls
    assert (method, params) == (
        "getOrders",
        {"date_confirmed_from": int((NOW - timedelta(minutes=2)).timestamp())},
    )
    assert feed_item("baselinker")["cursor"] == {"log_id": 0}  # then the journal, from its start
    bl.calls.clear()
    sweep(back + timedelta(minutes=5))
    assert bl.calls[0] == (
        "getJournalList",
        {"last_log_id": 0, "logs_types": list(baselinker.JOURNAL_LOG_TYPES)},
    )


def test_a_source_without_credentials_is_not_polled_and_resumes_from_its_cursor(bl, monkeypatch):
    bl.order(7000501, AT)
    assert sweep() == {"create": 1}
    assert feed_clients.configured() == ["baselinker"]
    monkeypatch.undo()  # the token is removed from the secret (and the fakes with it)
    from aws_lambda_powertools.utilities import parameters

    boto3.client("secretsmanager").put_secret_value(
        SecretId=os.environ["SECRETS_NAME"], SecretString=json.dumps(DEV_SECRETS)
    )
    parameters.clear_caches()
    assert feed_clients.configured() == []
    bl.calls.clear()
    assert sweep(NOW + timedelta(minutes=5)) == {} and bl.calls == []
    # The token comes back: the journal is read from where it was left
    monkeypatch.setattr(
        feed_clients,
        "baselinker_client",
        lambda: baselinker.BaseLinkerClient(BL_TOKEN, httpx.MockTransport(bl)),
    )
    only(monkeypatch, "baselinker")
    assert sweep(NOW + timedelta(minutes=10)) == {}
    assert bl.calls == [
        ("getJournalList", {"last_log_id": 654321, "logs_types": list(baselinker.JOURNAL_LOG_TYPES)})
    ]


def test_a_provider_failure_leaves_the_cursor_and_the_source_is_read_again_after_the_lease(bl, sent):
    bl.order(7000701, AT, email="jan@example.com")
    bl.blocked = True
    assert sweep() == {} and order_store.load_view("7000701") is None
    assert "cursor" not in feed_item("baselinker")
    bl.blocked = False
    assert sweep(NOW + timedelta(minutes=5)) == {}  # the failed sweep's lease: a back-off
    assert sweep(NOW + timedelta(minutes=11)) == {"create": 1}
    assert feed_item("baselinker")["cursor"] == {"log_id": 654321}


def test_a_record_that_is_no_order_is_skipped_and_the_rest_read(bl, sent):
    bl.order(7000601, AT, products=[{"sku": "X", "name": "X", "quantity": 1, "price_brutto": "abc"}])
    bl.order(7000602, AT + 1, email="jan@example.com")
    assert sweep() == {"create": 1, "unreadable": 1}
    assert order_store.load_view("7000601") is None and order_store.load_view("7000602") is not None
    assert feed_item("baselinker")["cursor"] == {"log_id": 654322}


# --- IdoSell ---------------------------------------------------------------------------------------------
class FakeIdoSell:
    """/api/admin/v8: orders/orders/search (POST, {"params": ...}, X-API-KEY) answering the orders whose
    orderChangeDate (shop time) is in the range, a page of resultsLimit at resultsPage; orders/packages."""

    def __init__(self) -> None:
        self.orders: list[dict] = []
        self.searches: list[dict] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.headers["X-API-KEY"] == IDOSELL_KEY
        if request.url.path == "/api/admin/v8/orders/packages":
            wanted = {int(n) for n in request.url.params["orderNumbers"].split(",")}
            found = [p for p in event("idosell/orders_packages.json")["results"] if p["eventId"] in wanted]
            return httpx.Response(200, json={"results": found})
        assert (request.method, request.url.path) == ("POST", "/api/admin/v8/orders/orders/search")
        params = json.loads(request.content)["params"]
        self.searches.append(params)
        dates = params["ordersRange"]["ordersDateRange"]
        assert dates["ordersDateType"] == "modified"
        found = [
            o for o in self.orders
            if dates["ordersDateBegin"] <= o["orderDetails"]["orderChangeDate"] <= dates["ordersDateEnd"]
        ]  # fmt: skip
        if not found:
            return httpx.Response(200, json={"errors": {"faultCode": 2, "faultString": "Brak wyników"}})
        size, page = params["resultsLimit"], params["resultsPage"]
        pages = -(-len(found) // size)
        return httpx.Response(
            200,
            json={"Results": found[page * size : (page + 1) * size], "resultsNumberAll": len(found),
                  "resultsNumberPage": pages, "resultsPage": page, "resultsLimit": size},
        )  # fmt: skip

    def order(self, serial: int, changed: datetime, **changes) -> None:
        sample = copy.deepcopy(event("idosell/orders_search.json")["Results"][0])
        sample |= {"orderSerialNumber": serial, "orderId": f"sklep-{serial}"} | changes
        sample["orderDetails"]["orderChangeDate"] = changed.astimezone(WARSAW).strftime("%Y-%m-%d %H:%M:%S")
        self.orders.append(sample)


@pytest.fixture
def ido(credentials, monkeypatch) -> FakeIdoSell:
    fake = FakeIdoSell()
    monkeypatch.setattr(
        feed_clients,
        "idosell_client",
        lambda: idosell.IdoSellClient("https://sklep.iai-shop.com", IDOSELL_KEY, httpx.MockTransport(fake)),
    )
    only(monkeypatch, "idosell")
    return fake


def test_idosell_orders_modified_in_the_window_are_stored_with_their_parcels(ido, sent):
    ido.order(1234, NOW - timedelta(hours=4))
    ido.order(1235, NOW - timedelta(hours=3))
    assert sweep() == {"create": 2}
    order = order_store.load_view("1234")
    assert (order.order["platform"], order.order["shop_order_id"]) == ("idosell", "sklep-1234")
    assert [s["tracking_number"] for s in order.shipments] == ["602677439331630337653846"]
    # the first read: the last day, up to half a minute ago; then the cursor is its end
    [search] = ido.searches
    assert search["ordersRange"]["ordersDateRange"]["ordersDateEnd"] == "2026-11-21 12:59:30"
    assert feed_item("idosell")["cursor"] == {"since": iso(NOW - timedelta(seconds=30))}
    # The next read overlaps the last one by two minutes; an order changed since is updated
    changed = (NOW + timedelta(minutes=1)).astimezone(WARSAW).strftime("%Y-%m-%d %H:%M:%S")
    ido.orders[0]["orderDetails"] |= {"orderStatus": "finished", "orderChangeDate": changed}
    assert sweep(NOW + timedelta(minutes=5)) == {"update": 1}
    assert ido.searches[-1]["ordersRange"]["ordersDateRange"]["ordersDateBegin"] == "2026-11-21 12:57:30"
    assert order_store.load_view("1234").order["shop_status"] == "completed"


# --- PrestaShop ------------------------------------------------------------------------------------------
class FakePrestaShop:
    """The webservice with output_format=JSON and the key as Basic user: orders filtered by date_upd (only
    with date=1) and id intervals, sorted, limited; customers, addresses, order_carriers, carriers and
    currencies by id; an empty result is `[]`."""

    def __init__(self) -> None:
        self.orders: dict[int, dict] = {}
        self.order_queries: list[dict] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert (
            request.headers["Authorization"] == "Basic " + base64.b64encode(PS_KEY.encode() + b":").decode()
        )
        q = request.url.params
        assert q["output_format"] == "JSON"
        resource = request.url.path.removeprefix("/api/")
        if resource == "orders":
            self.order_queries.append(dict(q))
            assert q["date"] == "1"
            begin, end = q["filter[date_upd]"].strip("[]").split(",")
            low, high = (int(x) for x in q["filter[id]"].strip("[]").split(","))
            rows = sorted(
                (o for o in self.orders.values() if begin <= o["date_upd"] <= end and low <= o["id"] <= high),
                key=lambda o: o["id"],
            )
            offset, count = (int(x) for x in q["limit"].split(","))
            rows = rows[offset : offset + count]
            return httpx.Response(200, json={"orders": rows} if rows else [])
        wanted = set(q[next(k for k in q if k.startswith("filter["))].strip("[]").split("|"))
        table = {
            "customers": [{"id": 9, "email": "anna.kowalska@example.com"}],
            "addresses": [{"id": 12, "firstname": "Anna", "lastname": "Kowalska",
                           "address1": "ul. Testowa 1", "postcode": "30-001", "city": "Kraków",
                           "phone": "", "phone_mobile": "600 100 200"}],
            "order_carriers": [{"id": 5, "id_order": "57", "id_carrier": "3",
                                "tracking_number": "602677439331630337653846"}],
            "carriers": [{"id": 3, "name": "InPost Paczkomaty 24/7"}],
            "currencies": [{"id": 1, "iso_code": "PLN"}],
        }[resource]  # fmt: skip
        key = "id_order" if resource == "order_carriers" else "id"
        rows = [r for r in table if str(r[key]) in wanted]
        return httpx.Response(200, json={resource: rows} if rows else [])

    def order(self, order_id: int, changed: datetime, **changes) -> None:
        sample = copy.deepcopy(event("prestashop/orders.json")["orders"][0])
        date = changed.astimezone(WARSAW).strftime("%Y-%m-%d %H:%M:%S")
        reference = "".join(chr(65 + int(d)) for d in f"{order_id:09d}")
        self.orders[order_id] = sample | {"id": order_id, "reference": reference, "date_upd": date} | changes


@pytest.fixture
def ps(credentials, monkeypatch) -> FakePrestaShop:
    fake = FakePrestaShop()
    monkeypatch.setattr(
        feed_clients,
        "prestashop_client",
        lambda: prestashop.PrestaShopClient("https://sklep.example.com", PS_KEY, httpx.MockTransport(fake)),
    )
    only(monkeypatch, "prestashop")
    return fake


def test_a_prestashop_order_pays_the_przelewy24_payment_held_for_its_cart(ps, sent, context, monkeypatch):
    p24 = FakeP24()
    monkeypatch.setattr(payment_clients, "p24_client", p24.client)
    session = "88|d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f"  # the module's {id_cart}|{sha224}
    early = handler(p24_webhook(p24_notification(session, 26100)), context)
    assert (early["statusCode"], json.loads(early["body"])) == (200, {"result": "unmatched"})

    ps.order(57, NOW - timedelta(hours=1), reference="XKBKNABJK")
    assert sweep() == {"create": 1}

    stored = order_store.load_view("XKBKNABJK")
    assert (stored.order["shop_order_id"], stored.order["cart_id"], stored.order["email"]) == (
        "57", "88", "anna.kowalska@example.com",
    )  # fmt: skip
    assert stored.order["payment_status"] == "paid" and [c["sessionId"] for c in p24.verify_calls] == [
        session
    ]
    assert [s["tracking_number"] for s in stored.shipments] == ["602677439331630337653846"]
    assert feed_item("prestashop")["cursor"] == {"since": iso(NOW - timedelta(seconds=30))}


def test_an_order_modified_while_its_window_is_read_in_parts_makes_no_other_one_skipped(
    ps, sent, monkeypatch
):
    monkeypatch.setattr(prestashop, "PAGE_SIZE", 2)
    monkeypatch.setattr(feeds, "PAGES", 1)
    for order_id in (1, 2, 3):
        ps.order(order_id, NOW - timedelta(hours=5 - order_id))
    assert sweep() == {"create": 2}
    cursor = feed_item("prestashop")["cursor"]
    assert cursor["after_id"] == 2 and "since" not in cursor  # the window, read up to id 2
    # Order 1 changes meanwhile and leaves the window: the second offset page (2,2) of what is left in
    # it, [2, 3], would be empty and order 3 never read
    ps.order(1, NOW + timedelta(minutes=1), current_state="5")
    assert sweep(NOW + timedelta(minutes=5)) == {"create": 1}
    assert order_store.load_view(ps.orders[3]["reference"]) is not None
    assert ps.order_queries[-1]["filter[id]"] == "[3,4294967295]"
    # The window is done: the next read starts where it ended, and brings order 1's change
    assert sweep(NOW + timedelta(minutes=10)) == {"update": 1}
    assert order_store.load_view(ps.orders[1]["reference"]).order["shop_status"] == "completed"


def test_a_source_failing_unexpectedly_never_stops_the_sweep(bl, monkeypatch):
    from sla_sweeper.app import lambda_handler as sweeper
    from tests.factories import sweeper_context

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in one source's adapter")

    monkeypatch.setattr(feeds, "read", broken)
    totals = sweeper({"source": "aws.scheduler"}, sweeper_context())
    assert totals["batches"] >= 1 and not any(key.startswith("feed_") for key in totals)
    assert "cursor" not in feed_item("baselinker")  # read again after the lease
