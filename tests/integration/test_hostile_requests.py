"""Hostile input at every route of template.yaml, as a class (issue 12, defect 2): hypothesis throws
arbitrary text and bytes at every header, query parameter, path parameter and body field of a request
that is otherwise valid (signed webhooks are signed again after their body is changed, so the parsing
behind the signature is reached too), runs the real handler in-process on moto, and asserts:

- never a 5xx;
- a refused request (4xx) stores nothing (the table is unchanged apart from the lookup-attempt
  counters and the event log's record of a refused delivery, tied to no order) and sends nothing (SES,
  SNS).

Each route group gets a few hundred examples, deterministically (no example database, derandomized), so
`make test` stays fast on two cores."""

from __future__ import annotations

import contextlib
import copy
import functools
import importlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra import template
from tests import factories as f
from tests.factories import api_event
from zwrotnica.domain import links
from zwrotnica.providers import aftership, shoper, standard_webhooks, woocommerce
from zwrotnica.store.table import client

pytestmark = pytest.mark.integration

ANNA = "anna.kowalska@example.com"
JSON_TYPE = {"content-type": "application/json"}
LINK_KEY = f.DEV_SECRETS["link_signing_key"]

# --- what a hostile value can be --------------------------------------------------------------------------
NASTY = [
    "",
    " ",
    "²",
    "١٢٣",
    "９９",
    "1e999",
    "-1e999",
    "NaN",
    "Infinity",
    "-0",
    "0x1F",
    "9" * 30,
    "9" * 4400,
    "-" + "9" * 5000,
    "\x00",
    "\x1b[31m",
    "\u202e",
    "\ufeff",
    "\u200b",
    "ż" * 300,
    "𝟘𝟙",
    "v1,",
    "v1," + "A" * 44,
    "v1,ÿþ",
    "sender=checkout;signature=ą;algorithm=MD5",
    "whsec_",
    "=" * 10,
    "%00",
    "../..",
    "2026-13-45T25:61:00Z",
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00-01:00",
    "99999999999999999999.ąę",
    "1." + "9" * 400,
    '"><img src=x onerror=alert(1)>',
    "\r\nX-Injected: 1",
    "a" * 5000,
    "ZW-2026-000001",
    "1001",
]
# Half of all values are the known troublemakers above, half anything hypothesis makes up.
TEXT = st.one_of(
    st.sampled_from(NASTY),
    st.one_of(
        st.text(max_size=80),
        st.integers(-(10**40), 10**40).map(str),
        st.text(alphabet="0123456789.,-+eE ²³¹", max_size=40),
    ),
)
# Raw JSON written where a value stood: numbers JSON allows but no code expects, what Python's json
# reads beyond the standard, nesting, wrong types, and any text as a string.
FRAGMENT_LIST = [
    "1e999",
    "-1e999",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e-999",
    "9" * 30,
    "9" * 4400,
    "-" + "9" * 5000,
    "1." + "9" * 400,
    "null",
    "[]",
    "{}",
    "[null]",
    "[[[]]]",
    '{"": null}',
    "true",
    "0",
    "-1",
    "1.5",
    "[" * 5000 + "]" * 5000,
    '{"a":' * 3000 + "1" + "}" * 3000,
    '"\\ud800"',
    '"\\u0000\\u202e"',
    '"9999-12-31T23:59:59+14:00"',
    '"0001-01-01T00:00:00-01:00"',
    '"2026-02-30"',
    '"1e999"',
    '"²"',
]
FRAGMENTS = st.one_of(
    st.sampled_from(FRAGMENT_LIST),
    st.one_of(
        TEXT.map(lambda text: json.dumps(text, ensure_ascii=False)),
        st.integers(-(10**25), 10**25).map(str),
    ),
)
RAW = st.one_of(st.binary(max_size=400), TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")))


# --- one valid request per route, and how to sign it again ------------------------------------------------
@dataclass
class Request:
    route: str  # template route key: "POST /webhooks/shop/{platform}"
    path: dict[str, str]  # path parameters
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # a JSON value, a form (dict) or None
    form: bool = False
    raw: bytes | None = None  # set when the body was replaced by bytes
    sign: Callable[[Request, bytes], dict[str, str]] | None = None  # headers for a body
    source_ip: str = "198.51.100.7"

    def body_bytes(self) -> bytes | None:
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return None
        if self.form:
            return urlencode(self.body).encode()
        return json.dumps(self.body, ensure_ascii=False).encode()

    def event(self) -> dict:
        method, path = self.route.split(" ", 1)
        for name, value in self.path.items():
            path = path.replace("{" + name + "}", value)
        body = self.body_bytes()
        headers = dict(self.headers)
        if self.sign is not None and body is not None:
            headers = self.sign(self, body) | headers
        return api_event(
            method, path, body=body, headers=headers, query=urlencode(self.query), source_ip=self.source_ip
        )


def _sw(secret: str, msg_id: str = "msg_hostile") -> Callable[[Request, bytes], dict[str, str]]:
    def sign(_: Request, body: bytes) -> dict[str, str]:
        ts = int(time.time())
        return {
            "webhook-id": msg_id,
            "webhook-timestamp": str(ts),
            "webhook-signature": standard_webhooks.sign(secret, msg_id, ts, body),
        }

    return sign


def _woo(_: Request, body: bytes) -> dict[str, str]:
    return {"x-wc-webhook-signature": woocommerce.sign(f.WOO_SECRET, body)}


def _shoper(_: Request, body: bytes) -> dict[str, str]:
    return {"x-webhook-sha1": shoper.sign("5", f.SHOPER_SECRET, body)}


def _payu(_: Request, body: bytes) -> dict[str, str]:
    return {"openpayu-signature": f.payu_signature(body)}


def _aftership(_: Request, body: bytes) -> dict[str, str]:
    return {"aftership-hmac-sha256": aftership.sign(f.AFTERSHIP_SECRET, body)}


def _p24_signed(doc: Any) -> Any:
    """P24 signs parsed values: the `sign` field is computed again over the (changed) fields."""
    if not isinstance(doc, dict):
        return doc
    try:
        return doc | {"sign": f.p24_sign(doc, f._P24_FIELDS)}
    except (KeyError, TypeError, ValueError):
        return doc


@functools.cache
def requests(rma: str) -> dict[str, list[Request]]:
    """Route group -> valid requests (one per route, a few per platform or provider)."""
    now = datetime.now(UTC)
    status_token = links.make_token(LINK_KEY, "1001", now, timedelta(days=1))
    csrf = links.make_token(LINK_KEY, "form:1001", now, timedelta(hours=1))
    label_token = links.make_token(LINK_KEY, f"label:{rma}", now, timedelta(days=1))
    team_token = links.make_token(LINK_KEY, "team-login:" + "n" * 32, now, timedelta(minutes=5))
    unsubscribe_token = links.make_token(LINK_KEY, links.unsubscribe_scope("1001"), now, timedelta(days=1))
    tracking = {
        "carrier": "inpost",
        "tracking_number": f.PARCEL,
        "status": "IN_TRANSIT",
        "raw_code": "adopted_at_sorting_center",
        "occurred_at": "2026-11-21T09:00:00Z",
    }
    shop = "POST /webhooks/shop/{platform}"
    payments = "POST /webhooks/payments/{provider}"
    couriers = "POST /webhooks/couriers/{source}"
    json_type = {"content-type": "application/json"}
    return {
        "shops": [
            Request(
                shop,
                {"platform": "woocommerce"},
                # signed by `sign` (a signature header here would stand in for it: every delivery a 401)
                headers={k: v for k, v in f.woo_headers(b"").items() if k != "X-WC-Webhook-Signature"},
                body=f.woo_order("2001"),
                sign=_woo,
            ),
            Request(
                shop,
                {"platform": "shoper"},
                headers={k: v for k, v in f.shoper_headers(b"").items() if k != "x-webhook-sha1"},
                body=f.shoper_order("2002"),
                sign=_shoper,
            ),
            Request(
                shop,
                {"platform": "shoper"},
                headers={
                    k: v
                    for k, v in f.shoper_headers(b"", event="parcel.create").items()
                    if k != "x-webhook-sha1"
                },
                body={
                    "parcel_id": "3",
                    "order_id": "1001",
                    "shipping_id": "3",
                    "shipping_code": "6026 7743 9331 6303 3765 3846",
                    "sent": "1",
                    "send_date": "2026-09-30 09:12:00",
                },
                sign=_shoper,
            ),
            Request(
                shop,
                {"platform": "generic"},
                headers=json_type,
                body=f.generic_order("SH-2003"),
                sign=_sw(f.SW_SECRET),
            ),
        ],
        "payments": [
            Request(
                payments,
                {"provider": "payu"},
                headers={"content-type": "application/json;charset=UTF-8"},
                body=json.loads(f.payu_order_body("1001", "COMPLETED", 26100)),
                sign=_payu,
            ),
            Request(
                payments,
                {"provider": "przelewy24"},
                headers=json_type,
                body=f.p24_notification("1001", 26100),
            ),
        ],
        "couriers": [
            Request(
                "POST /webhooks/couriers/inpost/{token}",
                {"token": f.INPOST_TOKEN},
                headers=json_type,
                body=f.inpost_body("adopted_at_sorting_center"),
                source_ip=f.INPOST_IP,
            ),
            Request(
                "GET /webhooks/couriers/inpost/{token}", {"token": f.INPOST_TOKEN}, source_ip=f.INPOST_IP
            ),
            Request(
                couriers, {"source": "aftership"}, headers=json_type, body=f.aftership_body(), sign=_aftership
            ),
            Request(
                couriers,
                {"source": "generic"},
                headers=json_type,
                body={"type": "tracking.event", "timestamp": "2026-11-21T09:00:01Z", "data": tracking},
                sign=_sw(f.SW_SECRET),
            ),
            Request("GET /webhooks/couriers/{source}", {"source": "aftership"}),
        ],
        "customers": [
            Request(
                "GET /orders/{order_number}/status",
                {"order_number": "1001"},
                query={"email": ANNA},
                headers={"accept": "application/json"},
            ),
            Request(
                "GET /orders/{order_number}/status",
                {"order_number": "1001"},
                query={"t": status_token},
                headers={"accept": "text/html"},
            ),
            Request("GET /returns", {}, query={"order": "1001"}, headers={"accept": "text/html"}),
            Request(
                "POST /returns",
                {},
                headers={"content-type": "application/x-www-form-urlencoded", "accept": "text/html"},
                body={"step": "lookup", "order_number": "1001", "email": ANNA},
                form=True,
            ),
            Request(
                "POST /returns",
                {},
                headers={"content-type": "application/x-www-form-urlencoded", "accept": "text/html"},
                body={
                    "step": "submit",
                    "order_number": "1001",
                    "email": ANNA,
                    "csrf": csrf,
                    "submission_key": "hostile-form-1",
                    "qty_CZAPKA-WEL": "1",
                    "kind": "complaint",
                    "description": "Pęknięty szew.",
                    "demand": "repair",
                    "return_method": "paczkomat",
                },
                form=True,
            ),
            Request(
                "POST /returns",
                {},
                headers=json_type,
                body={
                    "order_number": "1001",
                    "email": ANNA,
                    "items": {"CZAPKA-WEL": 1},
                    "kind": "withdrawal",
                    "return_method": "paczkomat",
                    "submission_key": "hostile-json-1",
                },
            ),
            Request(
                "GET /labels/{rma}", {"rma": rma}, query={"t": label_token}, headers={"accept": "text/html"}
            ),
            Request(
                "GET /orders/{order_number}/unsubscribe",
                {"order_number": "1001"},
                query={"t": unsubscribe_token},
                headers={"accept": "text/html"},
            ),
            Request(
                "POST /orders/{order_number}/unsubscribe",
                {"order_number": "1001"},
                query={"t": unsubscribe_token},
                headers={"accept": "text/html"},
            ),
            Request(  # a mail client's RFC 8058 one-click POST
                "POST /orders/{order_number}/unsubscribe",
                {"order_number": "1001"},
                query={"t": unsubscribe_token},
                headers={"content-type": "application/x-www-form-urlencoded"},
                body={"List-Unsubscribe": "One-Click"},
                form=True,
            ),
        ],
        "team": [
            Request("GET /team", {}, headers={"cookie": "zw_team=" + "x" * 40, "accept": "text/html"}),
            Request(
                "POST /team/login",
                {},
                headers={"content-type": "application/x-www-form-urlencoded"},
                body={"email": "ola@sklep.example.com"},
                form=True,
            ),
            Request("GET /team/login", {}, query={"n": "n" * 32, "t": team_token}),
            Request(
                "POST /team/session",
                {},
                headers={"content-type": "application/x-www-form-urlencoded"},
                body={"n": "n" * 32, "t": team_token},
                form=True,
            ),
            Request("POST /team/logout", {}),
        ],
        "signed team tools": [
            Request(
                "POST /cases/{rma}/decision",
                {"rma": rma},
                headers=json_type,
                body={"case_id": rma, "verdict": "reject", "reason": "Brak metki."},
                sign=_sw(f.DECISION_SECRET, "dec_hostile"),
            ),
            Request(
                "POST /cases/{rma}/decision",
                {"rma": rma},
                headers=json_type,
                body={"case_id": rma, "verdict": "accept", "remedy": "price_reduction", "amount": 500},
                sign=_sw(f.DECISION_SECRET, "dec_hostile_2"),
            ),
            Request(
                "POST /cases/{rma}/decision",
                {"rma": rma},
                headers=json_type,
                body={"case_id": rma, "verdict": "transfer_sent", "transferred_on": "2026-11-20"},
                sign=_sw(f.DECISION_SECRET, "dec_hostile_3"),
            ),
            Request(
                "POST /tickets",
                {},
                headers=json_type,
                body={"channel": "chat", "category": "other", "subject": "Pytanie", "order_number": "1001"},
                sign=_sw(f.SW_SECRET, "tkt_hostile"),
            ),
        ],
    }


def test_every_route_of_the_template_has_a_valid_request_here():
    """A route added to template.yaml without a request here would escape the properties below."""
    covered = {r.route for group in requests("ZW-2026-000001").values() for r in group}
    assert covered == {route.route_key for route in template.routes()}


# --- mutations -------------------------------------------------------------------------------------------
def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON value (the value itself included), iteratively."""
    found, stack = [], [(prefix, value)]
    while stack:
        where, node = stack.pop()
        found.append(where)
        if isinstance(node, dict):
            stack += [((*where, k), v) for k, v in node.items()]
        elif isinstance(node, list):
            stack += [((*where, i), v) for i, v in enumerate(node)]
    return found


SENTINEL = "\u0001hostile\u0001"


def _with_fragment(value: Any, where: tuple, fragment: str) -> bytes:
    doc = copy.deepcopy(value)
    if not where:
        return fragment.encode("utf-8", "surrogatepass")
    node = doc
    for step in where[:-1]:
        node = node[step]
    node[where[-1]] = SENTINEL
    text = json.dumps(doc, ensure_ascii=False)
    return text.replace(json.dumps(SENTINEL, ensure_ascii=False), fragment, 1).encode(
        "utf-8", "surrogatepass"
    )


@st.composite
def mutated(draw: st.DrawFn, group: str) -> tuple[str, Request]:
    rma = "ZW-2026-000001"
    request = copy.deepcopy(draw(st.sampled_from(requests(rma)[group])))
    # Weighted: a header (the request's own, its signature ones above all) or a body field most often.
    kinds = ["header", "header", "header", "new header", "query", "path"]
    if request.body is not None:
        fields = ["field", "field", "field", "drop field"] if not request.form else ["form field"] * 3
        kinds += [*fields, "bytes"]
    kind = draw(st.sampled_from(kinds))
    if kind == "header":
        signed = request.sign(request, request.body_bytes() or b"") if request.sign and request.body else {}
        names = sorted(
            {k.lower() for k in (*request.headers, *signed)} | {"content-type", "accept", "cookie"}
        )
        name = draw(st.sampled_from(names))
        value = draw(TEXT)
        if signed:
            request.headers = signed | {k.lower(): v for k, v in request.headers.items()}
            request.sign = None
        request.headers = {k.lower(): v for k, v in request.headers.items()} | {name: value}
    elif kind == "new header":
        request.headers = request.headers | {
            draw(st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)): draw(TEXT)
        }
    elif kind == "query":
        others = st.sampled_from(["email", "phone", "t", "order", "n", "kind", "x"])
        name = draw(st.one_of(st.sampled_from(sorted(request.query)), others) if request.query else others)
        request.query = request.query | {name: draw(TEXT)}
    elif kind == "path":
        if request.path:
            name = draw(st.sampled_from(sorted(request.path)))
            text = draw(TEXT)
            request.path = request.path | {name: text.replace("/", "%2F").replace("?", "%3F") or "x"}
    elif kind == "field":
        where = draw(st.sampled_from(_paths(request.body)))
        request.raw = _with_fragment(request.body, where, draw(FRAGMENTS))
        if request.route == "POST /webhooks/payments/{provider}" and request.path["provider"] == "przelewy24":
            with contextlib.suppress(ValueError, RecursionError):
                request.raw = json.dumps(_p24_signed(json.loads(request.raw))).encode()
    elif kind == "drop field":
        where = [p for p in _paths(request.body) if p]
        if where:
            chosen = draw(st.sampled_from(where))
            node = request.body
            for step in chosen[:-1]:
                node = node[step]
            del node[chosen[-1]]
    elif kind == "form field":
        name = draw(st.sampled_from(sorted({*request.body, "qty_" + draw(TEXT)[:50], "step", "csrf"})))
        request.body = request.body | {name: draw(TEXT)}
    elif kind == "bytes":
        request.raw = draw(RAW)
        if draw(st.booleans()):
            request.sign = None  # unsigned as well as signed
    return kind, request


# --- the property -----------------------------------------------------------------------------------------
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


def _written(operation: str, body: dict) -> list[tuple[str, dict]]:
    """(partition key, item or key) of each item a successful write operation changed."""
    items = body.get("TransactItems") or [{operation.removesuffix("Item"): body}]
    items += [r for rows in (body.get("RequestItems") or {}).values() for r in rows]
    found = []
    for item in items:
        for kind, what in item.items():
            if kind in ("Put", "PutRequest", "Update", "Delete", "DeleteRequest"):
                written = what.get("Item") or what.get("Key") or {}
                found.append((written.get("pk", {}).get("S", "?"), written))
    return found


def _not_state(pk: str, item: dict) -> bool:
    """Lookup-attempt counters (and the event log's hourly cap of refusals), and the event log's record of
    a refused delivery: its verdict and hash, tied to no order (nothing verified says which)."""
    if pk.startswith("ATTEMPTS#"):
        return True
    refused = item.get("outcome", {}).get("S") == "refused" and "http_status" in item
    return pk.startswith("INBOUND#") and refused and "gsi1pk" not in item and "order_number" not in item


class Stored:
    """Every partition a successful DynamoDB write changed (lookup-attempt counters and the event log's
    records of refused deliveries apart)."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def before(self, params: dict, context: dict, **_: Any) -> None:
        context["hostile_body"] = json.loads(params.get("body") or b"{}")

    def after(self, http_response: Any, model: Any, context: dict, **_: Any) -> None:
        if model.name in WRITES and http_response.status_code == 200:
            written = _written(model.name, context.get("hostile_body") or {})
            self.keys += [pk for pk, item in written if not _not_state(pk, item)]


@pytest.fixture
def stored(stack):
    seen = Stored()
    client().meta.events.register("before-call.dynamodb", seen.before)
    client().meta.events.register("after-call.dynamodb", seen.after)
    yield seen
    client().meta.events.unregister("before-call.dynamodb", seen.before)
    client().meta.events.unregister("after-call.dynamodb", seen.after)


def handler_for(route_key: str) -> Callable[[dict, Any], dict]:
    route = next(r for r in template.routes() if r.route_key == route_key)
    module, _, name = route.handler.rpartition(".")
    return getattr(importlib.import_module(module), name)


class FakeP24:
    """Przelewy24's transaction/verify: confirms every payment (what it is asked is not the point)."""

    def client(self) -> Any:
        from zwrotnica.providers.przelewy24 import Przelewy24Client

        s = f.DEV_SECRETS
        return Przelewy24Client(
            "https://sandbox.przelewy24.pl",
            s["p24_merchant_id"],
            s["p24_pos_id"],
            s["p24_api_key"],
            s["p24_crc"],
            transport=httpx.MockTransport(
                lambda _: httpx.Response(200, json={"data": {"status": "success"}, "responseCode": 0})
            ),
        )


@pytest.fixture
def world(stack, context, carriers, sent, monkeypatch):
    """An order (1001), a complaint whose goods came back waiting for the team's decision (a complaint:
    the team may reject it; a withdrawal is never rejected), a team allow-list; P24 and ShipX as mock
    transports. Returns the case's RMA."""
    from zwrotnica.providers import payment_clients
    from zwrotnica.settings import get_settings

    monkeypatch.setattr(payment_clients, "p24_client", FakeP24().client)
    monkeypatch.setenv("TEAM_ALLOWED_EMAILS", "ola@sklep.example.com")
    get_settings.cache_clear()
    orders = handler_for("POST /webhooks/shop/{platform}")
    assert orders(f.woo_webhook(f.woo_order("1001")), context)["statusCode"] == 200
    submission = {
        "order_number": "1001",
        "email": ANNA,
        "items": {"CZAPKA-WEL": 1},
        "kind": "complaint",
        "description": "Szew puścił.",
        "demand": "repair",
        "return_method": "paczkomat",
        "submission_key": "hostile-seed-1",
    }
    opened = handler_for("POST /returns")(
        api_event(
            "POST", "/returns", body=json.dumps(submission), headers={"content-type": "application/json"}
        ),
        context,
    )
    assert opened["statusCode"] == 201, opened["body"]
    rma = json.loads(opened["body"])["case_id"]
    assert rma == "ZW-2026-000001" or rma.startswith("ZW-"), rma
    from tests import usecases

    usecases.on_return_parcel("1001", delivered=True, now=datetime.now(UTC))
    yield rma
    get_settings.cache_clear()


def check(group: str, data: st.DataObject, context, sent, stored: Stored) -> None:
    kind, request = data.draw(mutated(group), label="request")
    event = request.event()
    emails, texts = len(sent.emails), len(sent.sms)
    stored.keys.clear()
    answer = handler_for(request.route)(event, context)
    status = answer["statusCode"]
    assert status < 500, (kind, request.route, status, answer.get("body", "")[:500])
    if status >= 400:
        assert stored.keys == [], (kind, request.route, status, stored.keys)
        assert (len(sent.emails), len(sent.sms)) == (emails, texts), (kind, request.route, status)


PROPERTY = settings(
    database=None,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


@settings(PROPERTY, max_examples=300)
@given(data=st.data())
def test_shop_webhooks_never_answer_5xx_nor_store_what_they_refuse(world, context, sent, stored, data):
    check("shops", data, context, sent, stored)


@settings(PROPERTY, max_examples=200)
@given(data=st.data())
def test_payment_webhooks_never_answer_5xx_nor_store_what_they_refuse(world, context, sent, stored, data):
    check("payments", data, context, sent, stored)


@settings(PROPERTY, max_examples=300)
@given(data=st.data())
def test_courier_webhooks_never_answer_5xx_nor_store_what_they_refuse(world, context, sent, stored, data):
    check("couriers", data, context, sent, stored)


@settings(PROPERTY, max_examples=400)
@given(data=st.data())
def test_customer_routes_never_answer_5xx_nor_store_what_they_refuse(world, context, sent, stored, data):
    check("customers", data, context, sent, stored)


@settings(PROPERTY, max_examples=200)
@given(data=st.data())
def test_team_routes_never_answer_5xx_nor_store_what_they_refuse(world, context, sent, stored, data):
    check("team", data, context, sent, stored)


@settings(PROPERTY, max_examples=200)
@given(data=st.data())
def test_signed_team_tools_never_answer_5xx_nor_store_what_they_refuse(world, context, sent, stored, data):
    check("signed team tools", data, context, sent, stored)
