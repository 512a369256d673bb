"""Polled order sources: BaseLinker's journal, IdoSell and PrestaShop by modification time.

Request shapes are the providers' documented ones (shop-platforms.md sections 2-4; api.baselinker.com;
the IdoSell SDK; devdocs.prestashop-project.org); answers come from httpx.MockTransport in those shapes.
The cursors (domain.order_feeds) are checked for the crash between committing orders and storing the
cursor: the re-read must plan the same orders, and the orders flow absorbs them as duplicates.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from zwrotnica.domain import order_feeds
from zwrotnica.domain.order_feeds import (
    Window,
    cursor_after,
    fit_window,
    journal_expired,
    next_window,
    parse_status_map,
    plan_journal,
)
from zwrotnica.domain.orders import StoredVersion, UpsertAction, apply_shop_order
from zwrotnica.models.order import ShopOrder, ShopStatus
from zwrotnica.providers import baselinker, idosell, prestashop
from zwrotnica.providers.errors import ProviderError

EVENTS = Path(__file__).parents[1] / "events"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


# --- The journal cursor ------------------------------------------------------------------------------
LOGS = event("baselinker/get_journal_list.json")["logs"]


def test_journal_events_are_grouped_by_order_oldest_first_and_the_cursor_is_the_last_event():
    plan = plan_journal(LOGS, cursor=654000, budget=10)
    assert plan.orders == (7000101, 7000102, 7000103)
    assert plan.changed_at[7000101] == 1764410400  # its newest event: the parcel
    assert plan.packages == {7000101} and (plan.cursor, plan.more) == (654325, False)


def test_events_at_or_below_the_cursor_are_never_planned_again():
    # last_log_id inclusive or exclusive is not documented: a re-sent event at the cursor is dropped
    plan = plan_journal(LOGS, cursor=654323, budget=10)
    assert plan.orders == (7000101, 7000103) and plan.events == (654324, 654325)


def test_the_budget_stops_before_an_order_it_cannot_read_and_the_cursor_waits_there():
    plan = plan_journal(LOGS, cursor=654000, budget=2)
    assert plan.orders == (7000101, 7000102) and plan.more is True
    assert plan.cursor == 654324  # 654325 names a third order: the next run starts with it
    assert plan_journal(LOGS, cursor=plan.cursor, budget=2).orders == (7000103,)


def test_a_crash_before_the_cursor_is_stored_replans_the_same_orders_and_their_versions_repeat():
    first = plan_journal(LOGS, cursor=654000, budget=10)
    again = plan_journal(LOGS, cursor=654000, budget=10)  # the stored cursor never moved
    assert again == first
    order = event("baselinker/get_orders.json")["orders"][0]
    fields = baselinker.to_order_fields(order, changed_at=first.changed_at[7000101])
    stored = ShopOrder.model_validate(fields)
    replay = ShopOrder.model_validate(baselinker.to_order_fields(order, changed_at=again.changed_at[7000101]))
    change = apply_shop_order(
        StoredVersion(stored.version(), stored.status), replay, now=NOW, status_url="https://x", shop_name="S"
    )
    assert change.action is UpsertAction.DUPLICATE and change.messages == []


def test_hostile_journal_entries_are_dropped():
    logs = [{"id": "1", "order_id": 5}, {"id": True, "order_id": 5}, {"id": 9, "order_id": None}, {"x": 1}]
    assert plan_journal(logs, cursor=0, budget=10).orders == ()


@pytest.mark.parametrize(
    ("saved", "expired"),
    [(None, True), (NOW - timedelta(days=2), False), (NOW - timedelta(days=2, hours=19), True)],
)
def test_a_cursor_older_than_the_journal_falls_back_to_getorders(saved, expired):
    assert journal_expired(saved, NOW) is expired


# --- The modification-time window --------------------------------------------------------------------
def test_the_window_overlaps_the_cursor_and_lags_behind_now():
    cursor = NOW - timedelta(minutes=5)
    window = next_window(cursor, NOW)
    assert window.begin == cursor - order_feeds.WINDOW_OVERLAP
    assert window.end == NOW - order_feeds.WINDOW_LAG


def test_a_long_stop_is_caught_up_a_day_at_a_time():
    window = next_window(NOW - timedelta(days=5), NOW)
    assert window.end - window.begin == order_feeds.WINDOW_MAX


def test_the_cursor_moves_only_when_every_page_of_the_window_was_read():
    window = next_window(NOW - timedelta(minutes=5), NOW)
    assert cursor_after(window, pages_read=2, pages_total=2) == window.end
    assert cursor_after(window, pages_read=1, pages_total=2) is None  # crashed half way: read it again


def test_a_crowded_window_is_cut_to_the_share_one_run_reads():
    window = Window(NOW - timedelta(hours=10), NOW)
    assert fit_window(window, pages_total=20, pages_budget=5) == Window(
        window.begin, NOW - timedelta(hours=7, minutes=30)
    )
    assert fit_window(window, pages_total=5, pages_budget=5) == window  # it fits
    short = Window(NOW - timedelta(seconds=90), NOW)
    assert fit_window(short, pages_total=50, pages_budget=5) == Window(
        short.begin, short.begin + timedelta(minutes=1)
    )
    tiny = Window(NOW - timedelta(seconds=30), NOW)
    assert fit_window(tiny, pages_total=50, pages_budget=5) == tiny  # never below a minute: read it all


def test_status_maps_name_the_platforms_ids_and_ours():
    assert parse_status_map("6624:processing, 6625:COMPLETED 7:cancelled") == {
        6624: ShopStatus.PROCESSING,
        6625: ShopStatus.COMPLETED,
        7: ShopStatus.CANCELLED,
    }
    assert parse_status_map("  ") == {}


@pytest.mark.parametrize("bad", ["6624", "6624:shipped", "abc:processing", "6624=processing"])
def test_a_misconfigured_status_map_fails_the_settings_loudly(bad, monkeypatch):
    from pydantic import ValidationError

    from zwrotnica.settings import Settings

    with pytest.raises(ValueError, match=r"status_id:status"):
        parse_status_map(bad)
    with pytest.raises(ValidationError):
        Settings(TABLE_NAME="t", SECRETS_NAME="s", BASELINKER_STATUS_MAP=bad)


# --- BaseLinker ----------------------------------------------------------------------------------------
class Recorder:
    def __init__(self, answers: dict[str, dict]):
        self.answers, self.requests = answers, []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        form = parse_qs(request.content.decode())
        return httpx.Response(200, json=self.answers[form["method"][0]])


def bl_client(answers: dict[str, dict], **kwargs) -> tuple[baselinker.BaseLinkerClient, Recorder]:
    recorder = Recorder(answers)
    return baselinker.BaseLinkerClient("1-23-ABC", httpx.MockTransport(recorder), **kwargs), recorder


def test_baselinker_calls_are_form_posts_with_the_token_header():
    client, recorder = bl_client({"getJournalList": event("baselinker/get_journal_list.json")})
    logs = client.journal(654000)
    [request] = recorder.requests
    assert (request.method, str(request.url)) == ("POST", "https://api.baselinker.com/connector.php")
    assert request.headers["X-BLToken"] == "1-23-ABC" and "token" not in request.content.decode()
    form = parse_qs(request.content.decode())
    assert json.loads(form["parameters"][0]) == {
        "last_log_id": 654000,
        "logs_types": [1, 2, 3, 9, 10, 11, 16, 18],
    }
    assert [log["id"] for log in logs] == [654321, 654322, 654323, 654324, 654325]


@pytest.mark.parametrize(
    ("code", "retryable"),
    [("ERROR_AUTH_TOKEN", False), ("ERROR_BLOCKED_TOKEN", True), ("ERROR_BAD_METHOD", False)],
)
def test_baselinker_errors_arrive_as_http_200_and_say_whether_to_retry(code, retryable):
    answer = {"status": "ERROR", "error_code": code, "error_message": "Invalid token"}
    client, _ = bl_client({"getOrders": answer})
    with pytest.raises(ProviderError) as caught:
        client.order(1)
    assert (caught.value.code, caught.value.retryable) == (code, retryable)
    assert "Invalid token" not in str(caught.value)


def test_baselinker_never_sends_more_than_100_requests_a_minute():
    clock, slept, sent_at = [0.0], [], []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    def answer(request: httpx.Request) -> httpx.Response:
        sent_at.append(clock[0])
        clock[0] += 0.1  # each call takes a tenth of a second
        return httpx.Response(200, json={"status": "SUCCESS", "packages": []})

    client = baselinker.BaseLinkerClient(
        "1-23-ABC", httpx.MockTransport(answer), clock=lambda: clock[0], sleep=sleep
    )
    for _ in range(101):
        client.packages(1)
    assert len(sent_at) == 101 and slept == [pytest.approx(50.0)]  # 100 calls took 10 s: wait 50 more
    assert sent_at[100] - sent_at[0] >= 60
    assert all(b - a >= 60 for a, b in zip(sent_at, sent_at[100:], strict=False))


def test_a_marketplace_order_without_e_mail_or_phone_with_its_parcels():
    order = event("baselinker/get_orders.json")["orders"][0]
    packages = event("baselinker/get_order_packages.json")["packages"]
    shop = ShopOrder.model_validate(
        baselinker.to_order_fields(
            order, packages, changed_at=1764410400, statuses={6624: ShopStatus.PROCESSING}
        )
    )
    assert (shop.number, shop.shop_order_id, shop.platform) == ("7000101", "7000101", "baselinker")
    assert (shop.email, shop.phone, shop.customer_name) == (None, None, "Jan Nowak")
    assert (shop.delivery.method.value, shop.delivery.point_id, shop.delivery.point_carrier) == (
        "paczkomat", "KRA010", "inpost",
    )  # fmt: skip
    # every outgoing parcel, the return parcel left out
    assert [(s.carrier, s.tracking_number) for s in shop.shipments] == [
        ("inpost", "602677439331630337653846"), ("dpd", "0000123456789U"),
    ]  # fmt: skip
    assert (shop.total, shop.items[0].unit_price, shop.items[0].qty) == (2 * 6499 + 999, 6499, 2)
    assert shop.modified_at == datetime.fromtimestamp(1764410400, UTC)


def test_without_packages_read_the_first_parcel_getorders_names_is_kept():
    order = event("baselinker/get_orders.json")["orders"][0]
    shop = ShopOrder.model_validate(baselinker.to_order_fields(order))
    assert [(s.carrier, s.tracking_number) for s in shop.shipments] == [
        ("inpost", "602677439331630337653846")
    ]
    assert shop.status is ShopStatus.PROCESSING  # a status id the shop did not map


def test_the_shops_own_number_when_asked_for_and_baselinkers_for_marketplace_orders():
    order = event("baselinker/get_orders.json")["orders"][0]
    from_shop = order | {"shop_order_id": "ZAM/2026/52020", "order_source": "shop"}
    assert baselinker.to_order_fields(from_shop, number_from="shop_order_id")["number"] == "ZAM/2026/52020"
    assert baselinker.to_order_fields(order, number_from="shop_order_id")["number"] == "7000101"


# --- IdoSell -------------------------------------------------------------------------------------------
def test_idosell_reads_changed_orders_with_the_api_key_in_the_documented_body():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/orders/packages"):
            return httpx.Response(200, json=event("idosell/orders_packages.json"))
        return httpx.Response(200, json=event("idosell/orders_search.json"))

    client = idosell.IdoSellClient("https://sklep.iai-shop.com", "key-1", httpx.MockTransport(answer))
    window = Window(datetime(2026, 11, 21, 7, 58, tzinfo=UTC), datetime(2026, 11, 21, 8, 30, tzinfo=UTC))
    orders, pages = client.changed_orders(window, page=0)
    packages = client.packages([1234])
    search, parcels = seen
    assert (search.method, search.url.path) == ("POST", "/api/admin/v8/orders/orders/search")
    assert search.headers["X-API-KEY"] == "key-1"
    # Warsaw time (UTC+1 in November), the format the IdoSell SDK sends
    dates = {"ordersDateType": "modified", "ordersDateBegin": "2026-11-21 08:58:00",
             "ordersDateEnd": "2026-11-21 09:30:00"}  # fmt: skip
    assert json.loads(search.content) == {
        "params": {"ordersRange": {"ordersDateRange": dates}, "resultsPage": 0, "resultsLimit": 100}
    }
    assert parcels.url.params["orderNumbers"] == "1234" and pages == 1
    shop = ShopOrder.model_validate(idosell.to_order_fields(orders[0], packages[1234]))
    assert (shop.number, shop.shop_order_id, shop.status) == ("1234", "sklep-1234", ShopStatus.PROCESSING)
    # a B2B order confirmed by phone: a company, no e-mail, a landline only
    assert (shop.customer_name, shop.email, shop.phone) == (
        "Hurtownia Kraków Sp. z o.o.",
        None,
        "+48123456789",
    )
    assert (shop.delivery.method.value, shop.delivery.point_id) == ("paczkomat", "KRA01M")
    assert (shop.total, shop.items[0].unit_price, shop.payment_method.value) == (125550, 12300, "other")
    assert [(s.carrier, s.tracking_number) for s in shop.shipments] == [
        ("inpost", "602677439331630337653846")
    ]
    assert shop.modified_at == datetime(2026, 11, 21, 8, 0, tzinfo=UTC)  # 9:00 in Warsaw


def test_idosell_nothing_found_is_an_empty_page_and_other_faults_are_errors():
    def answer(code: int):
        return httpx.MockTransport(
            lambda r: httpx.Response(200, json={"errors": {"faultCode": code, "faultString": "x"}})
        )

    window = Window(NOW - timedelta(hours=1), NOW)
    assert idosell.IdoSellClient("https://s", "k", answer(2)).changed_orders(window, 0) == ([], 0)
    with pytest.raises(ProviderError):
        idosell.IdoSellClient("https://s", "k", answer(1)).changed_orders(window, 0)


# --- PrestaShop ----------------------------------------------------------------------------------------
def test_prestashop_polls_date_upd_with_date_1_and_the_key_as_basic_user():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        resource = request.url.path.rsplit("/", 1)[-1]
        rows = {
            "orders": event("prestashop/orders.json")["orders"],
            "customers": [{"id": 9, "email": "anna.kowalska@example.com"}],
            "addresses": [{"id": 12, "firstname": "Anna", "lastname": "Kowalska", "address1": "ul. Testowa 1",
                           "postcode": "30-001", "city": "Kraków", "phone": "",
                           "phone_mobile": "600 100 200"}],
            "order_carriers": [{"id": 5, "id_order": "57", "id_carrier": "3",
                                "tracking_number": "602677439331630337653846"}],
            "carriers": [{"id": 3, "name": "InPost Paczkomaty 24/7"}],
        }[resource]  # fmt: skip
        return httpx.Response(200, json={resource: rows})

    client = prestashop.PrestaShopClient("https://sklep.example.com", "K" * 32, httpx.MockTransport(answer))
    window = Window(datetime(2026, 11, 20, 13, 0, tzinfo=UTC), datetime(2026, 11, 20, 13, 10, tzinfo=UTC))
    [order] = client.changed_orders(window, page=0)
    [customer] = client.by_ids("customers", [order["id_customer"]])
    [address] = client.by_ids("addresses", [order["id_address_delivery"]])
    carriers = client.by_ids("order_carriers", [order["id"]], field="id_order")
    names = {str(c["id"]): c["name"] for c in client.by_ids("carriers", [order["id_carrier"]])}
    query = seen[0].url.params
    assert (seen[0].url.path, query["date"], query["output_format"]) == ("/api/orders", "1", "JSON")
    assert query["filter[date_upd]"] == "[2026-11-20 14:00:00,2026-11-20 14:10:00]"
    assert (query["sort"], query["limit"], query["display"]) == ("[date_upd_ASC,id_ASC]", "0,100", "full")
    assert seen[3].url.params["filter[id_order]"] == "[57]"
    assert seen[0].headers["Authorization"] == "Basic " + base64.b64encode(b"K" * 32 + b":").decode()
    shop = ShopOrder.model_validate(prestashop.to_order_fields(
        order, customer=customer, address=address, order_carriers=carriers, carrier_names=names))  # fmt: skip
    assert (shop.number, shop.shop_order_id, shop.cart_id) == ("XKBKNABJK", "57", "88")
    assert (shop.email, shop.phone, shop.status) == (
        "anna.kowalska@example.com",
        "+48600100200",
        ShopStatus.PROCESSING,
    )
    assert (shop.total, shop.items_total + shop.delivery.shipping_cost) == (26100, 26100)
    assert (shop.delivery.method.value, shop.payment_method.value) == ("paczkomat", "online")
    assert [(s.carrier, s.tracking_number) for s in shop.shipments] == [
        ("inpost", "602677439331630337653846")
    ]


def test_prestashop_answers_an_empty_result_with_an_empty_list():
    client = prestashop.PrestaShopClient(
        "https://s", "K" * 32, httpx.MockTransport(lambda r: httpx.Response(200, json=[]))
    )
    assert client.changed_orders(Window(NOW - timedelta(hours=1), NOW), 0) == []


def test_prestashop_guest_order_without_customer_data_is_still_an_order():
    order = event("prestashop/orders.json")["orders"][0]
    shop = ShopOrder.model_validate(prestashop.to_order_fields(order))
    assert (shop.email, shop.phone, shop.customer_name) == (None, None, "")
