"""template.yaml's IAM against every AWS call the code makes, on moto (tests/iam.py reads both).

Scenarios drive the real handlers through orders' whole lives: shop webhooks (WooCommerce, Shoper, the
generic format), PayU and Przelewy24 notifications (paid, held before the order, refunds), courier pushes
(InPost, AfterShip, generic) and the carriers the sweeper polls, the status page and the unsubscribe
link, the return form (a withdrawal with its ShipX label, a complaint, a slip), the team's decisions and
transfers, the team dashboard and its sign-in, POST /tickets, the sweeper's sweeps at later times
(messages, commands, escalations, payment queues, legal deadlines, order feeds, silent parcels) and its
weekly report, and the operator CLI. The edges' clocks are frozen (Tuesday 10:00 in Warsaw, then moved):
what runs inline and what waits for the sweeper does not depend on when the test runs.

The verdicts:
- every recorded call is allowed by the role of the function that made it, and by the sweeper's when it
  ran inside a follow-up command or a message delivery (the sweeper retries those), in every IndexStage;
  the CLI's calls by the permissions README documents for the operator;
- the grants of our `Policies` no scenario needed are exactly `UNEXERCISED` below, each with its reason:
  a new grant nothing uses fails here, and so does a grant listed here that a scenario now exercises;
- every call was read by the model and made by a function or the CLI, and every function ran.
Recording all scenarios takes about 15 s.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest

from infra import template as tpl
from tests import iam
from tests.factories import DECISION_SECRET, SW_SECRET, api_event, lambda_context, sweeper_context
from tests.integration.conftest import fresh_resources

pytestmark = pytest.mark.integration
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in Warsaw: no quiet hours, business hours
# The modules whose `datetime.now` the clock freezes: every handler, and the operator CLI.
APPS = (
    "order_status.app",
    "courier_webhook.app",
    "return_form.app",
    "team_dashboard.app",
    "sla_sweeper.app",
    "inbound_email.app",
    "infra.cli.commands",
)
SCHEDULE = {"source": "aws.scheduler"}
ORDERS, COURIERS, RETURNS = "order_status.app", "courier_webhook.app", "return_form.app"
TEAM_APP, SWEEPER = "team_dashboard.app", "sla_sweeper.app"
FORM = {"content-type": "application/x-www-form-urlencoded"}
API_URL = (
    "https://local.execute-api.eu-central-1.amazonaws.com"  # the stack's ApiUrl (bootstrap: HttpApi "local")
)
ANNA = "anna.kowalska@example.com"
TEAM = "ola@sklep.example.com"
SHIPX_ORGANIZATION = "123456"
SHIPX_RECEIVER = {
    "company_name": "Sklep Przykładowy",
    "email": "zwroty@sklep.example.com",
    "phone": "600700800",
    "address": {"street": "Magazynowa", "building_number": "1", "city": "Kraków", "post_code": "30-001"},
}
# Settings the scenarios switch on (every one is a template parameter or a function's variable): ShipX
# return labels, review requests, the weekly report, the team's sign-in. PublicBaseUrl stays at its
# default (empty): customer links point at the API's own URL, read from the stack's SSM parameter.
SETTINGS = {
    "SHIPX_ORGANIZATION_ID": SHIPX_ORGANIZATION,
    "SHIPX_RETURN_RECEIVER": json.dumps(SHIPX_RECEIVER, ensure_ascii=False),
    "REVIEW_URL": "https://sklep.example.com/opinie",
    "REPORT_EMAIL": "zespol@sklep.example.com",
    "TEAM_ALLOWED_EMAILS": TEAM,
}


# --- The outside world ------------------------------------------------------------------------------
class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at


def frozen(clock: Clock) -> type[datetime]:
    class FrozenDatetime(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return clock.at.astimezone(tz) if tz else clock.at.replace(tzinfo=None)

    return FrozenDatetime


class ShipX:
    """InPost: ShipX's tracking read (what InPost pushed), the points API, and return shipments."""

    def __init__(self) -> None:
        from tests.integration.status_scenarios import Carriers

        self.carriers = Carriers()
        self.returns_made: list[str] = []

    @staticmethod
    def return_number(shipment_id: int) -> str:
        return f"62011122233344455566{shipment_id:04d}"

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.startswith("/v1/tracking/"):
            return self.carriers.shipx(request)
        if request.method == "POST" and path == f"/v1/organizations/{SHIPX_ORGANIZATION}/shipments":
            self.returns_made.append(json.loads(request.content)["reference"])
            answer = {"id": len(self.returns_made), "status": "created"}
            return httpx.Response(201, json=answer)
        shipment_id = int(path.split("/")[3])
        number = self.return_number(shipment_id)
        if path.endswith("/label"):
            return httpx.Response(200, content=b"%PDF-1.4 " + number.encode())
        return httpx.Response(200, json={"id": shipment_id, "status": "confirmed", "tracking_number": number})

    def install(self, mp: pytest.MonkeyPatch) -> None:
        from zwrotnica.providers import inpost, inpost_points, shipx_returns

        real = shipx_returns.ShipXReturns
        transport = httpx.MockTransport(self.handle)

        class Returns(real):  # type: ignore[misc,valid-type]
            def __init__(self, base_url: str, token: str, organization_id: str, *_: Any) -> None:
                super().__init__(base_url, token, organization_id, transport)

        mp.setattr(shipx_returns, "ShipXReturns", Returns)
        inpost.use_transport(transport)
        inpost_points.use_transport(httpx.MockTransport(self.carriers.points))

    @staticmethod
    def uninstall() -> None:
        from zwrotnica.providers import inpost, inpost_points

        inpost.use_transport(None)
        inpost_points.use_transport(None)


@dataclass
class World:
    """Everything outside AWS, fresh for every scenario."""

    shipx: ShipX = field(default_factory=ShipX)
    payu: Any = None
    p24: Any = None
    polled: Any = None
    baselinker: Any = None

    def install(self, mp: pytest.MonkeyPatch) -> None:
        from tests.integration.polled_carriers import FakeCarriers
        from tests.integration.test_order_feeds import BL_TOKEN, FakeBaseLinker
        from tests.integration.test_payment_webhook import FakeP24, FakePayU
        from zwrotnica.providers import baselinker, carrier_tracking, feed_clients, payment_clients
        from zwrotnica.providers.payu import PayUClient

        self.shipx.install(mp)
        self.payu, self.p24 = FakePayU(), FakeP24()
        payu = PayUClient(
            "https://secure.snd.payu.com",
            "300746",
            "secret",
            "300746",
            transport=httpx.MockTransport(self.payu),
        )
        mp.setattr(payment_clients, "payu_client", lambda: payu)
        mp.setattr(payment_clients, "p24_client", self.p24.client)
        self.polled = FakeCarriers(START)
        carrier_tracking.use_transport(self.polled.transport)
        self.baselinker = FakeBaseLinker()
        transport = httpx.MockTransport(self.baselinker)
        mp.setattr(
            feed_clients, "baselinker_client", lambda: baselinker.BaseLinkerClient(BL_TOKEN, transport)
        )

    def uninstall(self) -> None:
        from zwrotnica.providers import carrier_tracking

        self.shipx.uninstall()
        carrier_tracking.use_transport(None)


# --- Driving the handlers ---------------------------------------------------------------------------
def new_container() -> None:
    """Each invocation as in a container of its own: the secret is read again (Powertools caches it per
    container), so every function's GetSecretValue is seen. The providers and their clients stay."""
    from aws_lambda_powertools.utilities.parameters.base import DEFAULT_PROVIDERS

    for provider in DEFAULT_PROVIDERS.values():
        provider.clear_cache()


@dataclass
class Driver:
    """One scenario's stack, world and clock; every request goes through a real handler."""

    recorder: iam.Recorder
    clock: Clock
    world: World

    def http(self, app: str, event: dict[str, Any], ok: tuple[int, ...] = (200, 201, 303)) -> dict[str, Any]:
        new_container()
        response = importlib.import_module(app).lambda_handler(event, lambda_context(app.split(".")[0]))
        assert response["statusCode"] in ok, (
            f"{app} {event['routeKey']}: {response['statusCode']} {response['body'][:300]}"
        )
        return response

    def json(self, app: str, event: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return json.loads(self.http(app, event, **kwargs)["body"])

    def at(self, moment: datetime) -> Driver:
        self.clock.at = moment
        return self

    def sweep(self, moment: datetime, event: dict[str, Any] | None = None) -> dict[str, Any]:
        """The scheduled sweeper at `moment` (the polled carriers' histories follow the clock)."""
        new_container()
        self.clock.at = self.world.polled.clock = moment
        return importlib.import_module("sla_sweeper.app").lambda_handler(event or SCHEDULE, sweeper_context())

    def cli(self, *argv: str) -> str:
        """The operator CLI in the environment infra.cli.env.use_aws makes for a deployed stack: links
        from the stack's ApiUrl output (PUBLIC_BASE_URL), not from the SSM parameter."""
        import contextlib
        import io

        from infra.cli import main as cli
        from zwrotnica.settings import get_settings

        new_container()
        out = io.StringIO()
        with pytest.MonkeyPatch.context() as mp, contextlib.redirect_stdout(out):
            mp.setenv("PUBLIC_BASE_URL", API_URL)
            get_settings.cache_clear()
            code = cli.main(list(argv))
        get_settings.cache_clear()
        assert code == 0, f"cli {' '.join(argv)}: {code} {out.getvalue()[:300]}"
        return out.getvalue()

    def signed(
        self,
        path: str,
        payload: dict[str, Any],
        *,
        at: datetime | None = None,
        msg_id: str = "",
        secret: str = SW_SECRET,
    ) -> dict:
        """A Standard Webhooks-signed JSON POST (the team's decision: checked against the frozen clock;
        POST /tickets and the generic formats: against the real one)."""
        from zwrotnica.providers import standard_webhooks

        raw = json.dumps(payload, ensure_ascii=False).encode()
        ts = int(at.timestamp()) if at else int(time.time())
        msg_id = msg_id or "msg-" + hashlib.sha256(path.encode() + raw).hexdigest()[:16]
        headers = {
            "content-type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(ts),
            "webhook-signature": standard_webhooks.sign(secret, msg_id, ts, raw),
        }
        return api_event("POST", path, body=raw, headers=headers)

    def decision(self, rma: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The team's tool: signed with the decisions' own secret, naming its case, checked against the
        frozen clock."""
        event = self.signed(
            f"/cases/{rma}/decision",
            payload | {"case_id": rma},
            at=self.clock.at,
            msg_id=f"dec-{rma}-{payload['verdict']}",
            secret=DECISION_SECRET,
        )
        return self.json("return_form.app", event)

    def download_label(self, rma: str) -> None:
        """The customer opens the label e-mail's link (our own token; the PDF from the bucket)."""
        link = re.search(rf"https?://[^\s\"'<>]*/labels/{rma}\?t=[^\s\"'<>]+", _emails())
        assert link, f"no label link for {rma} in the e-mails"
        url = urlsplit(unescape(link.group(0)))
        self.http(RETURNS, api_event("GET", url.path, query=url.query))


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S +0000")


def inpost(d: Driver, number: str, status: str, at: datetime) -> dict[str, Any]:
    """InPost pushes a status; ShipX's tracking read knows it from then on."""
    from tests.factories import inpost_webhook

    history = d.world.shipx.carriers.statuses.setdefault(number, [])
    if status not in history:
        history.append(status)
    return d.json("courier_webhook.app", inpost_webhook(status, number=number, at=_ts(at)))


def form_json(payload: dict[str, Any]) -> dict[str, Any]:
    return api_event(
        "POST", "/returns", body=json.dumps(payload), headers={"content-type": "application/json"}
    )


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} in the page: {page[:300]}"
    return found.group(1)


def consenting(order: dict[str, Any]) -> dict[str, Any]:
    order["meta_data"] = [m for m in order["meta_data"] if m["key"] != "_marketing_consent"]
    order["meta_data"].append({"key": "_marketing_consent", "value": "yes"})
    return order


# --- Scenarios ----------------------------------------------------------------------------------------
def paid_online_delivered_and_returned(d: Driver) -> None:
    """WooCommerce order paid by PayU, its InPost parcel to a Paczkomat, the status page, a withdrawal
    through the HTML form with a ShipX return label, the return parcel, the team's acceptance (the PayU
    refund), PayU's refund notification; the sweeper after it (the review request, the refund's ticket)."""
    from tests.factories import (
        PARCEL,
        inpost_webhook,
        payu_order_body,
        payu_refund_body,
        payu_webhook,
        woo_order,
        woo_order_shipped,
        woo_webhook,
    )

    t0 = START - timedelta(days=4)
    d.at(t0).json(ORDERS, woo_webhook(consenting(woo_order("1001"))))
    for status in ("PENDING", "COMPLETED"):
        d.json(ORDERS, payu_webhook(payu_order_body("1001", status)))
    shipped = consenting(woo_order_shipped("1001", PARCEL, modified="2026-11-20T15:00:00"))
    d.json(ORDERS, woo_webhook(shipped, topic="order.updated"))
    d.http(COURIERS, inpost_webhook(method="GET"))  # ShipX checks the URL when it is saved
    for hours, status in enumerate(("confirmed", "taken_by_courier", "out_for_delivery", "ready_to_pickup")):
        inpost(d, PARCEL, status, t0 + timedelta(hours=2 + hours))
    inpost(d, PARCEL, "delivered", START - timedelta(days=1))

    d.at(START)
    d.json(ORDERS, api_event("GET", "/orders/1001/status", query=urlencode({"email": ANNA})))
    d.http(
        ORDERS,
        api_event(
            "GET", "/orders/1001/status", query=urlencode({"email": ANNA}), headers={"accept": "text/html"}
        ),
    )
    d.http(RETURNS, api_event("GET", "/returns", headers={"accept": "text/html"}))
    lookup = {"step": "lookup", "order_number": "1001", "email": ANNA}
    page = d.http(RETURNS, api_event("POST", "/returns", body=urlencode(lookup), headers=FORM))["body"]
    fields = lookup | {
        "step": "submit",
        "csrf": _hidden(page, "csrf"),
        "submission_key": _hidden(page, "submission_key"),
        "qty_KURTKA-ZIM-M": "1",
        "kind": "withdrawal",
        "reason": "wrong_size",
        "return_method": "paczkomat",
    }
    done = d.http(RETURNS, api_event("POST", "/returns", body=urlencode(fields), headers=FORM))["body"]
    rma = re.search(r"ZW-\d{4}-\d{6}", done).group(0)
    d.download_label(rma)
    back = d.world.shipx.return_number(1)
    inpost(d, back, "taken_by_courier", START + timedelta(hours=1))
    d.at(START + timedelta(days=1))
    inpost(d, back, "delivered", START + timedelta(days=1))
    assert d.decision(rma, {"verdict": "accept"})["status"] == "refund_ordered"
    [refund] = d.world.payu.refunds.values()
    d.json(
        ORDERS, payu_webhook(payu_refund_body("1001", int(refund["amount"]), refund_id=refund["refundId"]))
    )
    for later in (timedelta(days=1, minutes=10), timedelta(days=3), timedelta(days=15)):
        d.sweep(START + later)


def held_then_matched_and_unsubscribed(d: Driver) -> None:
    """A PayU payment and an InPost event before their order (held), released by the order that names
    the parcel (commands applying them, the event's SMS); a DHL delay's goodwill code and the one-click
    unsubscribe; an InPost push refused (an old URL token) that the operator replays with the CLI."""
    from tests.factories import (
        inpost_webhook,
        payu_order_body,
        payu_webhook,
        tracking_webhook,
        woo_order_shipped,
        woo_webhook,
    )
    from zwrotnica.store import event_log as inbound_store
    from zwrotnica.store import outbox as outbox_store

    parcel = "602677439331630337653999"
    d.at(START - timedelta(hours=3))
    assert d.json(ORDERS, payu_webhook(payu_order_body("1002", "COMPLETED")))["result"] == "unmatched"
    inpost(d, parcel, "out_for_delivery", START - timedelta(hours=3))  # its SMS goes when it is applied
    d.at(START - timedelta(hours=2)).json(ORDERS, woo_webhook(consenting(woo_order_shipped("1002", parcel))))
    # A DHL parcel of another order (generic tracking format), delayed: the goodwill code (marketing)
    dhl = "00340434161094042557"
    d.json(ORDERS, woo_webhook(consenting(woo_order_shipped("1003", dhl, "DHL"))))
    d.at(START)
    data = {"carrier": "dhl", "tracking_number": dhl, "status": "DELAYED", "raw_code": "delay"}
    d.json(COURIERS, tracking_webhook(data | {"occurred_at": (START - timedelta(hours=1)).isoformat()}))
    data = {"carrier": "dhl", "tracking_number": dhl, "status": "DELIVERED", "raw_code": "DLV"}
    d.json(COURIERS, tracking_webhook(data | {"occurred_at": START.isoformat()}, msg_id="trk_2"))
    with d.recorder.setup():
        [review] = [m for m in outbox_store.list_for_order("1003") if m.template == "review_request"]
    url = urlsplit(review.unsubscribe_url)
    d.http(ORDERS, api_event("GET", url.path, query=url.query, headers={"accept": "text/html"}))
    one_click = api_event("POST", url.path, query=url.query, body="List-Unsubscribe=One-Click", headers=FORM)
    d.json(ORDERS, one_click)
    # An InPost push to an old URL (a token rotated on one side only): refused, kept; the operator
    # replays it once the URL is fixed (README: `events replay ID --force`), its SMS and e-mail included
    d.world.shipx.carriers.statuses[parcel].append("ready_to_pickup")
    refused = inpost_webhook("ready_to_pickup", number=parcel, token="old-token", at=_ts(START))
    d.http(COURIERS, refused, ok=(401,))
    with d.recorder.setup():
        logged = inbound_store.by_lookup(inbound_store.parcel_lookup("inpost", parcel))
    [event_id] = [e["id"] for e in logged if e.get("verdict") != "accepted"]
    d.cli("events", "show", event_id)
    d.cli("events", "replay", event_id, "--force")
    d.sweep(START + timedelta(days=4))  # the review request is withdrawn, not sent


def cash_on_delivery_and_other_shops(d: Driver) -> None:
    """A cash-on-delivery order by courier (AfterShip: a failed attempt, then delivered: the money
    collected), a Shoper order, a generic-format order, a Przelewy24 payment (verified with P24)."""
    from tests.factories import (
        aftership_body,
        aftership_webhook,
        generic_order,
        generic_webhook,
        p24_notification,
        p24_webhook,
        shoper_order,
        shoper_webhook,
        woo_order,
        woo_order_shipped,
        woo_webhook,
    )

    d.at(START - timedelta(hours=5))
    dpd = "1000635967411U"
    order = woo_order_shipped("2001", dpd, "DPD Poland", payment_method="cod")
    d.json(ORDERS, woo_webhook(order))
    for name in ("attempt_fail.json", "delivered.json"):
        doc = aftership_body(name, tracking_number=dpd, slug="dpd-poland")
        d.json(COURIERS, aftership_webhook(doc))
    d.json(ORDERS, shoper_webhook(shoper_order("8")))
    d.json(ORDERS, generic_webhook(generic_order("SH-2001")))
    d.json(ORDERS, woo_webhook(woo_order("2002", payment_method="przelewy24")))
    d.json(ORDERS, p24_webhook(p24_notification("2002", 26100)))
    d.sweep(START + timedelta(minutes=10))


def complaints_transfers_and_the_team(d: Driver) -> None:
    """Cash on delivery, so refunds are transfers: a complaint (JSON form, courier pickup: our slip) the
    team accepts as a withdrawal (finance's transfer ticket, holding the order's payment-ticket lock) and
    a withdrawal with a ShipX label, its parcel back, accepted; both transfers confirmed (the transfer
    ticket solved: the lock freed). The team signs in to the dashboard; the operator answers a complaint
    of another order on the CLI, exports the customer's data; the sweeper past that complaint's 14 days."""
    from tests.factories import PARCEL, woo_order_shipped, woo_webhook

    d.at(START - timedelta(days=3)).json(
        ORDERS, woo_webhook(woo_order_shipped("1006", PARCEL, payment_method="cod"))
    )
    d.json(ORDERS, woo_webhook(woo_order_shipped("1007", "602677439331630337650007", payment_method="cod")))
    inpost(d, PARCEL, "taken_by_courier", START - timedelta(days=3))
    inpost(d, PARCEL, "delivered", START - timedelta(days=2))
    inpost(d, "602677439331630337650007", "delivered", START - timedelta(days=2))
    d.at(START)
    complaint = {
        "order_number": "1006",
        "email": ANNA,
        "items": {"KURTKA-ZIM-M": 1},
        "kind": "complaint",
        "description": "Rozpruty szew pod pachą.",
        "demand": "withdrawal",
        "return_method": "courier_pickup",
        "bank_account": "61109010140000071219812874",
        "submission_key": "complaint-1006",
    }
    with s3_fails_once():  # the slip's first upload fails: its command waits for the sweeper
        complained = d.json(RETURNS, form_json(complaint))["case_id"]
    d.sweep(START + timedelta(minutes=5))  # the sweeper makes the slip and sends its link
    d.download_label(complained)
    other = d.json(
        RETURNS, form_json(complaint | {"order_number": "1007", "submission_key": "complaint-1007"})
    )
    withdrawal = {
        "order_number": "1006",
        "email": ANNA,
        "items": {"CZAPKA-WEL": 1},
        "kind": "withdrawal",
        "return_method": "paczkomat",
        "bank_account": "61109010140000071219812874",
        "submission_key": "withdrawal-1006",
    }
    rma = d.json(RETURNS, form_json(withdrawal))["case_id"]
    inpost(d, d.world.shipx.return_number(1), "delivered", START + timedelta(hours=2))
    d.at(START + timedelta(hours=3))
    on = d.clock.at.date().isoformat()
    for case in (complained, rma):
        assert d.decision(case, {"verdict": "accept"})["status"] == "accepted"
        assert (
            d.decision(case, {"verdict": "transfer_sent", "transferred_on": on})["status"] == "refund_ordered"
        )
    team_dashboard(d)

    # The operator: the CLI's commands (README: the operator's permissions)
    from zwrotnica.store import tickets as ticket_store

    with d.recorder.setup():
        ticket_id = ticket_store.ticket_id_for(f"case:{other['case_id']}")
    d.cli("tickets", "list", "--all")
    d.cli("tickets", "show", ticket_id)
    d.cli("tickets", "reply", ticket_id, "--text", "Dzień dobry, kurier odbierze kurtkę w czwartek.")
    d.cli("tickets", "pending", ticket_id, "--on", "customer")
    d.cli("events", "list", "--order", "1006")
    d.cli("gdpr", "export", ANNA)
    d.sweep(START + timedelta(days=16))  # 1007's complaint unanswered past its 14 days: deemed accepted
    d.at(START + timedelta(days=400)).cli("gdpr", "erase", ANNA, "--yes")  # RODO art. 17, past the holds


@contextmanager
def s3_fails_once() -> Iterator[None]:
    """The next S3 PutObject of the code's client fails (S3 throttled it: SlowDown)."""
    from botocore.exceptions import ClientError

    from zwrotnica.store import labels

    failed: list[str] = []

    def fail(params: dict[str, Any], **_: Any) -> None:
        if not failed:
            failed.append(params.get("url_path", ""))
            raise ClientError({"Error": {"Code": "SlowDown", "Message": "injected"}}, "PutObject")

    events = labels.s3_client().meta.events
    events.register("before-call.s3.PutObject", fail)
    try:
        yield
    finally:
        events.unregister("before-call.s3.PutObject", fail)
    assert failed, "no PutObject was made"


def team_dashboard(d: Driver) -> None:
    """The team's dashboard: a link by e-mail, its page, the session, the dashboard, signing out."""
    ask = api_event("POST", "/team/login", body=urlencode({"email": TEAM}), headers=FORM)
    d.http(TEAM_APP, ask)
    with d.recorder.setup():
        link = unescape(re.search(r'href="([^"]*/team/login\?[^"]*)"', _last_email(TEAM)).group(1))
    query = link.split("?", 1)[1]
    d.http(TEAM_APP, api_event("GET", "/team/login", query=query, headers={"accept": "text/html"}))
    session = api_event("POST", "/team/session", body=query, headers=FORM)
    cookie = d.http(TEAM_APP, session)["cookies"][0].split(";", 1)[0]
    page = d.http(TEAM_APP, api_event("GET", "/team", headers={"accept": "text/html", "cookie": cookie}))
    assert "Panel zespołu" in page["body"]
    d.http(TEAM_APP, api_event("POST", "/team/logout", headers={"cookie": cookie}))


def _sent() -> list[Any]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID]["eu-central-1"].sent_messages)


def _last_email(address: str) -> str:
    return [m for m in _sent() if m.destinations == {"ToAddresses": [address]}][-1].body


def _emails() -> str:
    return "\n".join(str(m.body) for m in _sent())


def sweeper_at_work(d: Driver) -> None:
    """POST /tickets; what only the sweeper does: carriers polled (DHL, DPD's queue, Poczta Polska, ORLEN),
    a BaseLinker order read, an SMS written in quiet hours sent at 8:00, a silent parcel, a payment left
    unmatched and an order left unpaid past their grace, tickets escalated to the team's topic, the
    weekly report."""
    from tests.factories import (
        PARCEL,
        payu_order_body,
        payu_webhook,
        woo_order,
        woo_order_shipped,
        woo_webhook,
    )
    from tests.integration.polled_carriers import CREDENTIALS, DHL_PARCEL, use_credentials
    from tests.integration.test_order_feeds import AT, BL_TOKEN

    with d.recorder.setup():
        use_credentials(**CREDENTIALS, baselinker_api_token=BL_TOKEN)
    d.world.baselinker.order(7000102, AT, email="jan.nowak@example.com", phone="600 100 300")
    d.at(START)
    ticket = {"channel": "chat", "category": "product_question", "subject": "Czy kurtka jest wodoodporna?"}
    d.http(SWEEPER, d.signed("/tickets", ticket), ok=(201,))
    d.json(ORDERS, woo_webhook(woo_order_shipped("3001", DHL_PARCEL, "DHL", modified="2026-11-24T08:00:00")))
    # An InPost parcel pushed at 23:00: its SMS waits for 8:00; then nothing more (silent)
    night = START.replace(hour=22)
    d.at(night).json(ORDERS, woo_webhook(woo_order_shipped("3002", PARCEL)))
    inpost(d, PARCEL, "out_for_delivery", night)
    d.json(ORDERS, payu_webhook(payu_order_body("3003", "COMPLETED")))  # no such order, ever
    d.json(ORDERS, woo_webhook(woo_order("3004")))
    d.json(ORDERS, payu_webhook(payu_order_body("3004", "CANCELED")))
    team_dashboard(d)  # the SMS waiting for 8:00 is on it
    d.at(night + timedelta(hours=9, minutes=5)).cli("outbox", "retry")  # 8:05: the operator sends it
    for later in (timedelta(hours=9, minutes=10), timedelta(days=3), timedelta(days=6)):
        d.sweep(night + later)
    monday = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    d.sweep(monday, {"task": "weekly_report"})
    d.cli("report", "weekly", "--send", "--to", "szef@sklep.example.com")


def mail_in(d: Driver, raw: bytes, message_id: str) -> dict[str, Any]:
    """SES receiving: the raw message stored by its S3 action (the world's doing), then the inbound
    function invoked with the Lambda action's event, at the clock's time."""
    import copy
    import os
    from email import policy
    from email.parser import BytesHeaderParser

    import boto3

    from tests.integration.inbound_mail import EVENT

    with d.recorder.setup():
        boto3.client("s3", region_name="eu-central-1").put_object(
            Bucket=os.environ["INBOUND_BUCKET"], Key=f"inbound/{message_id}", Body=raw
        )
    event = copy.deepcopy(EVENT)
    record = event["Records"][0]["ses"]
    record["mail"]["messageId"] = message_id
    record["mail"]["timestamp"] = record["receipt"]["timestamp"] = d.clock.at.strftime(
        "%Y-%m-%dT%H:%M:%S.000Z"
    )
    sender = BytesHeaderParser(policy=policy.default).parsebytes(raw)["From"].addresses[0].addr_spec
    record["mail"]["source"] = sender
    new_container()
    handler = importlib.import_module("inbound_email.app").lambda_handler
    [result] = handler(event, lambda_context("inbound_email"))["results"]
    return result


def team_answers_by_e_mail(d: Driver, ticket_id: str, text: str, n: int) -> dict[str, Any]:
    """A team member's reply to the ticket's notification (its signed reply address), from the allow-list."""
    from infra.local.bootstrap import DEV_SECRETS
    from tests.integration.inbound_mail import INBOX, mail
    from zwrotnica.domain.reply_address import ThreadKind, ThreadRef, reply_address

    to = reply_address(DEV_SECRETS["link_signing_key"], ThreadRef(ThreadKind.TEAM, ticket_id), INBOX)
    raw = mail(text, subject=f"Re: [{ticket_id}]", sender_address=TEAM, to=to, message_id=f"<team-{n}@sklep>")
    return mail_in(d, raw, f"0107019a-iam-team-{n}")


def customers_write_in_and_the_team_answers(d: Driver) -> None:
    """Issues 15 and 16: a customer asks by e-mail where her parcel is (the automatic answer; the sweeper
    solves the ticket as deflected three days later); another writes without an order number, a photo
    attached (his order found by his address, the team notified); the team answers him by e-mail, adds a
    note and solves the ticket on the CLI (his CSAT survey: a low score, its follow-up, a comment); a chat
    handoff with a phone only (POST /tickets), which the team answers by e-mail: an SMS; the parcel
    delivered, the NPS survey a week later (marketing consent), its answer; the weekly report with its
    KPI alert."""
    from email.message import EmailMessage

    from tests.factories import woo_order_shipped, woo_webhook
    from tests.integration.inbound_mail import INBOX, mail
    from zwrotnica.settings import get_settings

    jan = "jan.nowak@example.com"
    parcel, other = "602677439331630337654001", "602677439331630337654002"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INBOUND_ADDRESS", INBOX)
        mp.setenv("TEAM_EMAIL", "zespol@sklep.example.com")
        mp.setenv("KPI_THRESHOLDS", '{"backlog_max": 0}')
        get_settings.cache_clear()
        d.at(START - timedelta(days=2))
        d.json(ORDERS, woo_webhook(consenting(woo_order_shipped("4001", parcel))))
        billing = woo_order_shipped("4002", other)["billing"] | {"email": jan, "first_name": "Jan"}
        d.json(ORDERS, woo_webhook(woo_order_shipped("4002", other, billing=billing)))
        inpost(d, parcel, "taken_by_courier", START - timedelta(days=1))
        d.at(START)
        asked = mail_in(d, mail("Dzień dobry, gdzie jest moja paczka? Zamówienie 4001"), "0107019a-iam-1")
        assert (asked["action"], asked["answered"]) == ("answer_parcel", True)
        photo = EmailMessage()
        photo["From"], photo["To"], photo["Subject"] = f"Jan Nowak <{jan}>", INBOX, "Kurtka"
        photo["Message-ID"] = "<jan-1@poczta.example.pl>"
        photo.set_content(
            "Dzień dobry, czy do kurtki z mojego zamówienia można dokupić pasek? Zdjęcie w załączniku."
        )
        photo.add_attachment(
            b"\x89PNG\r\n\x1a\n" + b"0" * 64, maintype="image", subtype="png", filename="kurtka.png"
        )
        question = mail_in(d, photo.as_bytes(), "0107019a-iam-2")
        assert question["ticket_id"] and question["action"] != "answer_parcel"  # a person answers
        ticket_id = question["ticket_id"]
        assert (
            team_answers_by_e_mail(d, ticket_id, "Dzień dobry, tak – dołączymy pasek do paczki.", 1)["action"]
            == "team_reply"
        )
        d.cli("tickets", "show", ticket_id)  # the photo's link for the team
        d.cli("tickets", "note", ticket_id, "--text", "Pasek dołożony do paczki.")
        d.cli("tickets", "solve", ticket_id)  # the customer's CSAT survey
        link = re.search(
            r"https?://[^\s\"'<>]*/csat/TK-[0-9A-F]{10}\?s=2&(?:amp;)?t=[^\s\"'<>&]+", _last_email(jan)
        )
        assert link, "no CSAT link"
        url = urlsplit(unescape(link.group(0)))
        d.http(ORDERS, api_event("GET", url.path, query=url.query, headers={"accept": "text/html"}))
        comment = urlencode({"s": "2", "t": url.query.split("t=")[1], "comment": "Za długo."})
        d.http(ORDERS, api_event("POST", url.path, body=comment, headers=FORM | {"accept": "text/html"}))
        chat = {
            "channel": "chat",
            "message": "Czy mogę zmienić adres dostawy?",
            "contact": {"name": "Ewa", "phone": "+48 600 100 400"},
            "thread_ref": "chat-4003",
        }
        handed = d.json(SWEEPER, d.signed("/tickets", chat), ok=(200, 201))
        assert (
            team_answers_by_e_mail(d, handed["ticket_id"], "Tak, proszę podać nowy adres.", 2)["action"]
            == "team_reply"
        )  # an SMS: she left a phone only
        inpost(d, parcel, "delivered", START + timedelta(hours=3))
        for later in (timedelta(days=3, hours=1), timedelta(days=8)):  # the deflection, then the NPS survey
            d.sweep(START + later)
        link = re.search(r"https?://[^\s\"'<>]*/nps/4001\?s=9&(?:amp;)?t=[^\s\"'<>&]+", _emails())
        assert link, "no NPS link"
        url = urlsplit(unescape(link.group(0)))
        d.http(ORDERS, api_event("GET", url.path, query=url.query, headers={"accept": "text/html"}))
        d.sweep(datetime(2026, 12, 7, 7, 0, tzinfo=UTC), {"task": "weekly_report"})
    get_settings.cache_clear()


SCENARIOS: list[Callable[[Driver], None]] = [
    paid_online_delivered_and_returned,
    held_then_matched_and_unsubscribed,
    cash_on_delivery_and_other_shops,
    complaints_transfers_and_the_team,
    sweeper_at_work,
    customers_write_in_and_the_team_answers,
]


# --- The operator --------------------------------------------------------------------------------
def operator(local: dict[str, str]) -> list[iam.Statement]:
    """The operator CLI's permissions as README.md ("Operator CLI") documents them: "DynamoDB read/write
    on the table and its indexes, `ses:SendEmail`, `sns:Publish` ... and `secretsmanager:GetSecretValue`",
    "`gdpr` scans the table (`dynamodb:Scan`...)" (`--stack`'s CloudFormation reads do not run here).
    `test_the_operator_permissions_are_the_documented_ones` keeps this transcription and README together."""
    table = iam.table_arn(local["ZwrotnicaTable"])
    documented = [
        {"Action": [f"dynamodb:{a}" for a in TABLE_READ_WRITE], "Resource": [table, f"{table}/index/*"]},
        {"Action": "ses:SendEmail", "Resource": "*"},
        {"Action": "sns:Publish", "Resource": "*"},
        {"Action": "secretsmanager:GetSecretValue", "Resource": iam.secret_arn(local["ZwrotnicaSecrets"])},
        {"Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{local['InboundMailBucket']}/attachments/*"},
    ]
    return [iam.statement(iam.OPERATOR, "README", {"Effect": "Allow"} | raw) for raw in documented]


TABLE_READ_WRITE = (
    "GetItem",
    "BatchGetItem",
    "Query",
    "Scan",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
)
OPERATOR_DOCUMENTED = (
    "ses:SendEmail",
    "sns:Publish",
    "secretsmanager:GetSecretValue",
    "dynamodb:Scan",
    "s3:GetObject",
)


# --- Recording --------------------------------------------------------------------------------------
@dataclass
class Recorded:
    recorder: iam.Recorder
    statements: dict[str, list[iam.Statement]]  # the functions' roles, and the operator's documented set
    stages: dict[str, str]


@pytest.fixture(scope="module")
def recorded(aws: None) -> Iterator[Recorded]:
    """Every scenario on a fresh stack, every AWS call recorded."""
    from zwrotnica.providers import feed_clients
    from zwrotnica.settings import get_settings
    from zwrotnica.store import attempts

    recorder = iam.Recorder()
    clock = Clock(START)
    with pytest.MonkeyPatch.context() as mp:
        for name in APPS:
            mp.setattr(importlib.import_module(name), "datetime", frozen(clock))
        mp.setattr(feed_clients, "configured", lambda: ["baselinker"])
        local: dict[str, str] = {}
        for scenario in SCENARIOS:
            local = fresh_resources()
            for key, value in (tpl.environment(local) | SETTINGS).items():
                mp.setenv(key, value)
            get_settings.cache_clear()
            attempts.forget()
            world = World()
            world.install(mp)
            try:
                with recorder.active():
                    scenario(Driver(recorder, clock, world))
            finally:
                world.uninstall()
                get_settings.cache_clear()
        statements = iam.policies(local) | {iam.OPERATOR: operator(local)}
    yield Recorded(recorder, statements, iam.index_stages())


# --- The verdicts ----------------------------------------------------------------------------------
# Grants of template.yaml's `Policies` that are needed but that no scenario exercises, each with its
# reason ("Function/Sid: action resource [keys pattern]", ARNs without region and account). A grant not
# listed here that no call needed fails `test_every_grant_is_exercised_or_listed`: remove it from the
# template, or exercise it, or list it with the reason it is needed. A grant listed here that a scenario
# exercises fails too: the list only shrinks by evidence.
#
# Counted as exercised without a call of their own (tests/iam.py, `unused`):
# - an old index of IndexStage (`queue-due`, `lookup`) when its new twin (`due`, `refs`) was read: the code
#   reads one or the other (template.yaml's `*_INDEX` variables), never both;
# - the sweeper's grant for work another function ran inline as a follow-up command or a message
#   delivery: the sweeper runs the same work again when that first run fails (bus.retry_due,
#   bus.retry_messages), with its own role.
# SAM's own statements (the sweeper's DeadLetterQueuePolicy, sqs:SendMessage: Lambda's, for a failed
# asynchronous invocation, never the code's) are not ours and not listed.
UNEXERCISED: dict[str, str] = {}


def test_every_call_is_read(recorded: Recorded) -> None:
    """The model knows every call (action, resource, keys) and every call was made by a function or the
    CLI: a scenario running a use case itself would prove nothing about a role."""
    assert not recorded.recorder.errors, "\n".join(recorded.recorder.errors)


def test_every_function_and_the_cli_ran(recorded: Recorded) -> None:
    made = {call.function for call in recorded.recorder.calls}
    assert made == set(recorded.statements)


def test_every_call_is_allowed(recorded: Recorded) -> None:
    """Each call by its function's role (in every IndexStage), deferred work by the sweeper's as well,
    the CLI's by the permissions README documents. A denial here is an outage in production that moto
    never shows: grant it in template.yaml (or README), scoped to what the call names."""
    denials = iam.denied(recorded.recorder.calls, recorded.statements, recorded.stages)
    assert not denials, "denied:\n" + "\n".join(denials)


def test_every_grant_is_exercised_or_listed(recorded: Recorded) -> None:
    unused = iam.unused(recorded.recorder.calls, recorded.statements, recorded.stages)
    found = {grant.short for grant in unused}
    never = sorted(found - set(UNEXERCISED))
    assert not never, "granted, never needed (remove it, or list it with its reason):\n" + "\n".join(never)
    exercised = sorted(set(UNEXERCISED) - found)
    assert not exercised, "listed as unexercised, but a scenario exercised it:\n" + "\n".join(exercised)


def test_the_operator_permissions_are_the_documented_ones() -> None:
    readme = (iam.ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Operator CLI") :]
    section = section[: section.index("\n## ")]
    assert "DynamoDB read/write on the table and its indexes" in " ".join(section.split())
    assert [a for a in OPERATOR_DOCUMENTED if f"`{a}`" not in section] == []
