"""Crash points: an order's whole life, with the N-th AWS call failing, for every N.

The life (`LIFE`): a WooCommerce order paid through Przelewy24 (with its transaction/verify), shipped
with InPost (out for delivery, delivered: ShipX confirms), a complaint (the return form: a case, its
slip, the team's ticket), a withdrawal (its ShipX return label), the return parcel's courier events
moving both cases, the team's answer on the complaint ticket, the team accepting the withdrawal and the
refund through Przelewy24, and P24's refund notification. The scheduled sweeper runs ten minutes after
every step, and a few times at the end, past every backoff.

A hook on `before-call` of every client the code uses (DynamoDB, SES, SNS, S3, and Secrets Manager
through Powertools parameters) counts the calls; in a faulted run call N raises (ServiceUnavailable).
Then the outside world does what it would: each provider re-sends a delivery until it gets a 2xx (at
most `ATTEMPTS` times), the customer re-submits a form that got a 5xx, the team repeats an action that
failed, and the sweeper keeps to its schedule. The final state (the table dumped and normalised:
`normalise` lists what legitimately differs), the labels in S3, what the providers did (refunds paid
out, return shipments made) and the messages sent (SES and SNS) must equal those of the run without a
fault. The one difference allowed is the documented at-least-once window: when the failed call is the
update that marks a message sent after SES/SNS accepted it, that message goes out once more.

`make crash-points` runs every N (CRASH_POINTS=all); `make test` runs a deterministic sample.
"""

from __future__ import annotations

import json
import os
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from boto3.dynamodb.types import Binary
from botocore.client import BaseClient

import courier_webhook.app as courier_app
import order_status.app as order_app
import return_form.app as return_app
from tests import usecases
from tests.factories import (
    PARCEL,
    api_event,
    decision_webhook,
    inpost_webhook,
    lambda_context,
    p24_notification,
    p24_refund_notification,
    p24_webhook,
    woo_order,
    woo_order_shipped,
    woo_webhook,
)
from tests.integration.conftest import REGION, fresh_resources
from tests.integration.faults import START, Clock, Killed, aws_error, request_body, sweep, table_items
from tests.integration.status_scenarios import Carriers
from tests.integration.test_payment_webhook import FakeP24
from zwrotnica.flows.refunds import refund_key
from zwrotnica.models.payment import PaymentEvent, RefundEvent
from zwrotnica.models.tracking import TrackingEvent
from zwrotnica.notify import sender
from zwrotnica.providers import payment_clients
from zwrotnica.store import attempts, labels
from zwrotnica.store import table as table_store
from zwrotnica.store import tickets as ticket_store
from zwrotnica.store.event_log import Inbound

pytestmark = pytest.mark.integration
ATTEMPTS = 5  # deliveries of one request at most (providers retry for days; one call fails)
SAMPLE = 10  # `make test`: every SAMPLE-th crash point per mode, offset (every call: CRASH_POINTS=all)
DAY = START.replace(hour=7, minute=0)  # 8:00 in Warsaw: the whole life is one working day
SWEEP_AFTER = timedelta(minutes=10)  # past the first backoff of a command (1 min) and a message (5 min)
FINAL_SWEEPS = (timedelta(minutes=10), timedelta(minutes=30), timedelta(hours=2))


# --- The outside world: ShipX (tracking reads, return shipments) and Przelewy24 ----------------------
@dataclass
class World:
    """Everything outside AWS, fresh for every run."""

    carriers: Carriers = field(default_factory=Carriers)
    p24: FakeP24 = field(default_factory=FakeP24)
    notified: set[str] = field(default_factory=set)  # P24 refunds whose notification went out
    rmas: dict[str, str] = field(default_factory=dict)  # case kind -> the RMA the form answered with

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.carriers.install()
        self.carriers.take_returns(monkeypatch)
        monkeypatch.setattr(payment_clients, "p24_client", self.p24.client)

    def return_parcel(self) -> str:
        """The parcel the customer sends back: the last label made (the one e-mailed last)."""
        assert self.carriers.returns_made, "no return label was made"
        return self.carriers.return_number(len(self.carriers.returns_made))

    def state(self) -> dict[str, Any]:
        return {"p24_refunds": dict(self.p24.paid_out), "shipx_returns": list(self.carriers.returns_made)}

    def shipx_numbers(self) -> dict[str, str]:
        """ShipX's numbers, as the return parcel: which of its shipments the case holds is compared
        through the shipments it made (`World.state`)."""
        made = range(1, len(self.carriers.returns_made) + 1)
        return {self.carriers.return_number(i): "<return parcel>" for i in made}


# --- The life -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Answer:
    status: int | str  # the HTTP status, or the exception a failed function ended with (API Gateway: 500)
    outcome: str = ""  # what the answer says it did: applied, create, duplicate, existing...

    @property
    def failed(self) -> bool:
        return isinstance(self.status, str) or self.status >= 500

    @property
    def repeat(self) -> bool:
        """The answer to a request whose change was stored before."""
        return self.outcome in {"duplicate", "ignored", "existing"}


Send = Callable[[World], Answer]


@dataclass(frozen=True)
class Step:
    at: datetime
    who: str  # shop, p24, inpost, customer, team: who sends it again after a failure
    what: str
    send: Send
    http: bool = True  # through API Gateway (else the operator CLI, where a failure is an exception)


def _http(handler: Callable[[dict, Any], dict], event: dict[str, Any]) -> Answer:
    response = handler(event, lambda_context("life"))
    try:
        answer = json.loads(response["body"])
    except (TypeError, ValueError):
        answer = {}
    if "created" in answer:
        outcome = "created" if answer["created"] else "existing"
    else:
        outcome = str(answer.get("result") or answer.get("action") or answer.get("status") or "")
    return Answer(int(response["statusCode"]), outcome)


def _ts(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S +0000")


def _json(path: str, payload: dict[str, Any]) -> dict[str, Any]:
    return api_event("POST", path, body=json.dumps(payload), headers={"content-type": "application/json"})


def shop(order: dict[str, Any], topic: str) -> Send:
    return lambda world: _http(order_app.lambda_handler, woo_webhook(order, topic=topic))


def p24_paid() -> Send:
    return lambda world: _http(order_app.lambda_handler, p24_webhook(p24_notification("1001", 26100)))


def inpost_push(number: Callable[[World], str], status: str, at: datetime) -> Send:
    def send(world: World) -> Answer:
        parcel = number(world)
        history = world.carriers.statuses.setdefault(parcel, [])
        if status not in history:  # what ShipX's tracking read knows from now on
            history.append(status)
        push = inpost_webhook(status, number=parcel, at=_ts(at))
        return _http(courier_app.lambda_handler, push)

    return send


def form(payload: dict[str, Any]) -> Send:
    """The return form (its JSON API); the customer and the team know the RMA from its answer."""

    def send(world: World) -> Answer:
        response = return_app.lambda_handler(_json("/returns", payload), lambda_context("life"))
        answer = json.loads(response["body"])
        if response["statusCode"] < 300:
            world.rmas[payload["kind"]] = answer["case_id"]
        return Answer(int(response["statusCode"]), "created" if answer.get("created") else "existing")

    return send


def team_reply(at: datetime) -> Send:
    def send(world: World) -> Answer:
        """The operator CLI's `tickets reply` (a use case run as the CLI runs it)."""
        ticket_id = ticket_store.ticket_id_for(f"case:{world.rmas['complaint']}")
        usecases.reply(ticket_id, "Dzień dobry, kurtkę odbierze kurier w czwartek.", at)
        return Answer(200, "recorded")

    return send


def team_accepts(at: datetime) -> Send:
    def send(world: World) -> Answer:
        rma = world.rmas["withdrawal"]
        payload = {"case_id": rma, "verdict": "accept"}  # the decision names its case
        return _http(return_app.lambda_handler, decision_webhook(rma, payload, msg_id=f"dec-{rma}", at=at))

    return send


def _at(hour: int, minute: int = 0) -> datetime:
    return DAY.replace(hour=hour, minute=minute)


def _outbound(world: World) -> str:
    return PARCEL


COMPLAINT = {
    "order_number": "1001",
    "email": "anna.kowalska@example.com",
    "items": {"KURTKA-ZIM-M": 1},
    "kind": "complaint",
    "description": "Rozpruty szew pod pachą.",
    "demand": "repair",
    "return_method": "courier_pickup",
    "submission_key": "complaint-1001",
}
WITHDRAWAL = {
    "order_number": "1001",
    "email": "anna.kowalska@example.com",
    "items": {"CZAPKA-WEL": 1},
    "kind": "withdrawal",
    "return_method": "paczkomat",
    "submission_key": "withdrawal-1001",
}
LIFE = [
    Step(
        _at(7), "shop", "order placed", shop(woo_order("1001", payment_method="przelewy24"), "order.created")
    ),
    Step(_at(7, 20), "p24", "paid", p24_paid()),
    Step(
        _at(7, 40),
        "shop",
        "order shipped",
        shop(
            woo_order_shipped("1001", payment_method="przelewy24", modified="2026-11-24T07:40:00"),
            "order.updated",
        ),
    ),
    Step(_at(8), "inpost", "out for delivery", inpost_push(_outbound, "out_for_delivery", _at(8))),
    Step(_at(8, 30), "inpost", "delivered", inpost_push(_outbound, "delivered", _at(8, 30))),
    Step(_at(9), "customer", "complaint", form(COMPLAINT)),
    Step(_at(9, 30), "customer", "withdrawal", form(WITHDRAWAL)),
    Step(
        _at(10),
        "inpost",
        "return parcel sent",
        inpost_push(lambda w: w.return_parcel(), "collected_from_sender", _at(10)),
    ),
    Step(
        _at(11),
        "inpost",
        "return parcel delivered",
        inpost_push(lambda w: w.return_parcel(), "delivered", _at(11)),
    ),
    Step(_at(11, 30), "team", "answer on the complaint", team_reply(_at(11, 30)), http=False),
    Step(_at(12), "team", "withdrawal accepted", team_accepts(_at(12))),
]


def refund_notifications(world: World) -> list[Step]:
    """P24 notifies each refund it made (urlStatus), once it has made it."""
    steps = []
    for key, amount in world.p24.paid_out.items():
        if key not in world.notified:
            world.notified.add(key)
            event = p24_webhook(p24_refund_notification("1001", amount, refunds_uuid=key))
            steps.append(
                Step(DAY, "p24", "refund done", lambda _, e=event: _http(order_app.lambda_handler, e))
            )
    return steps


# --- Counting every AWS call ------------------------------------------------------------------------
class Calls:
    """`before-call` on every client the code uses: counts calls, and makes call `fail_at` fail: raise
    ServiceUnavailable (mode "error": what the code sees when AWS stays down), or end the invocation
    (mode "killed": a Lambda timeout or crash, `Killed`, which no except clause catches). A second
    count at `BaseClient._make_api_call` proves that no client escaped the hooks."""

    def __init__(self) -> None:
        self.active = False
        self.mode = "error"
        self.fail_at: int | None = None
        self.count = 0
        self.seen_by_botocore = 0
        self.phase = ""  # the step or sweep running now
        self.failed: Failed | None = None
        self._hooked: set[int] = set()

    def hook(self, aws_client: BaseClient) -> None:
        if id(aws_client) not in self._hooked:
            aws_client.meta.events.register("before-call", self)
            self._hooked.add(id(aws_client))

    def start(self, fail_at: int | None, mode: str = "error") -> None:
        self.fail_at, self.mode, self.count, self.seen_by_botocore, self.failed = fail_at, mode, 0, 0, None

    def __call__(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if not self.active:
            return
        self.count += 1
        if self.count == self.fail_at:
            operation = f"{model.service_model.service_id.hyphenize()}.{model.name}"
            self.failed = Failed(self.count, operation, request_body(params), self.phase)
            raise Killed() if self.mode == "killed" else aws_error("ServiceUnavailable", 503, model.name)


@dataclass(frozen=True)
class Failed:
    n: int
    operation: str
    params: dict[str, Any]
    phase: str

    @property
    def window(self) -> str | None:
        """The documented at-least-once windows: a call right after a provider that takes no
        idempotency key accepted something, before we could record it."""
        text = json.dumps(self.params)
        if self.operation == "dynamodb.UpdateItem" and ":sent" in self.params.get("UpdateExpression", ""):
            return "message"  # SES/SNS accepted a message; marking it sent failed: it goes out again
        if self.operation == "dynamodb.TransactWriteItems" and "shipx_shipment_id" in text:
            return "shipx"  # ShipX made a return shipment; storing its id failed: another is made
        return None


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    counter = Calls()
    original = BaseClient._make_api_call

    def counted(self: BaseClient, operation: str, api_params: dict[str, Any]) -> Any:
        if counter.active:
            counter.seen_by_botocore += 1
        return original(self, operation, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counted)
    return counter


def reset(monkeypatch: pytest.MonkeyPatch, calls: Calls) -> World:
    """An empty stack (the `stack` fixture's reset), fresh caches, a fresh outside world."""
    from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS
    from aws_lambda_powertools.utilities.parameters.secrets import SecretsProvider

    from zwrotnica.settings import get_settings

    fresh_resources()
    get_settings.cache_clear()
    attempts.forget()
    world = World()
    world.install(monkeypatch)
    DEFAULT_PROVIDERS["secrets"] = SecretsProvider()  # what get_secret creates on first use
    for aws_client in (
        table_store.client(),
        sender.ses_client(),
        sender.sns_client(),
        labels.s3_client(),
        DEFAULT_PROVIDERS["secrets"].client,
    ):
        calls.hook(aws_client)
    return world


# --- One run ----------------------------------------------------------------------------------------
@dataclass
class Run:
    answers: list[tuple[Step, list[Answer]]] = field(default_factory=list)  # per step, every answer
    sweeps_failed: int = 0

    def problems(self, mode: str) -> list[str]:
        """A request must end with a 2xx. Where the function answers (mode "error"), an AWS failure is
        a 503, never a failed function (API Gateway's bare 500), and a 5xx must never follow its
        commit: the retry of a request that got a 5xx must not be a repeat."""
        found = []
        for step, answers in self.answers:
            last = answers[-1]
            if last.failed or last.status >= 300:  # type: ignore[operator]
                found.append(f"{step.what}: ended with {last}")
            elif mode == "error" and step.http and any(isinstance(a.status, str) for a in answers):
                found.append(f"{step.what}: the function failed instead of answering 503 ({answers})")
            elif mode == "error" and any(a.failed for a in answers[:-1]) and last.repeat:
                found.append(f"{step.what}: answered {answers[0].status} after its commit ({answers})")
        return found


def deliver(step: Step, world: World, clock: Clock, calls: Calls, run: Run) -> None:
    """The sender's retries: again while the answer is a 5xx or the function failed (API Gateway: 500,
    or 504 for a function that timed out)."""
    clock.at, calls.phase = step.at, step.what
    answers: list[Answer] = []
    for _ in range(ATTEMPTS):
        try:
            answer = step.send(world)
        except (Exception, Killed) as exc:  # the function failed: the caller sees a 5xx and tries again
            answer = Answer(type(exc).__name__)
        answers.append(answer)
        if not answer.failed:
            break
    run.answers.append((step, answers))


def scheduled_sweep(clock: Clock, at: datetime, calls: Calls, run: Run) -> None:
    calls.phase = f"the sweep at {at:%H:%M} UTC"
    try:
        sweep(clock, at)
    except (Exception, Killed):  # a failed run: the schedule runs it again in five minutes
        run.sweeps_failed += 1


def live(world: World, clock: Clock, calls: Calls) -> Run:
    run = Run()
    calls.active = True
    try:
        for step in LIFE:
            deliver(step, world, clock, calls, run)
            scheduled_sweep(clock, step.at + SWEEP_AFTER, calls, run)
            for notice in refund_notifications(world):
                deliver(notice, world, clock, calls, run)
        for delay in FINAL_SWEEPS:
            scheduled_sweep(clock, LIFE[-1].at + delay, calls, run)
            for notice in refund_notifications(world):
                deliver(notice, world, clock, calls, run)
    finally:
        calls.active = False
    return run


# --- What a run leaves ------------------------------------------------------------------------------
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?")
RMA = re.compile(r"ZW-\d{4}-\d{6}")
# Compared exactly although they look like times: deadlines derive from the cause, never from when the
# work ran (a follow-up the sweeper completed must not move them).
DEADLINES = {"due_at", "legal_deadline", "pickup_deadline", "refund_due", "answer_due", "send_back_by"}
# Fields that record how the work went, not what it did: tries, errors, the provider's message id.
HOW = {"attempts", "last_error", "provider_message_id", "expires_at"}
# Hashes of text compared on its own (a message's id is a hash of its dedup key, which holds the RMA;
# an inbound event's body hash, of the body kept or its canonical event, which hold ShipX's number).
HASHED = {"message_id", "shipx_shipment_id", "body_sha256"}
# A message's or a command's id, as an item's key or in what an inbound event caused (`caused`).
OWN_IDS = re.compile(r"(MSG#|CMD#|message:[a-z_]+:[a-z]+:|command:[a-z_]+:)[0-9a-f]{32}\b")
# Items that count requests, not state: the lookup counters (a customer who re-submits is counted
# again) and the RMA counter (a failed submission may leave a gap: "gaps are fine", store/cases.py).
COUNTERS = ("ATTEMPTS#", "COUNTER#RMA#")
URL_PARTS = [
    (re.compile(r"X-Amz-[A-Za-z]+=[^&\s\"'<>]+"), "X-Amz-*"),  # a presigned link's signing time
    (re.compile(r"([?&]t=)[A-Za-z0-9_.\-]+"), r"\1<token>"),  # a signed status link's expiry
    # P24's signature in a notification kept in the event log (`raw`): a hash over the fields compared
    # beside it, the refund's key among them (it holds the RMA)
    (re.compile(r'("sign": ")[0-9a-f]{96}"'), r'\1<signature>"'),
]


class Normaliser:
    """Replaces what legitimately differs between two runs that did the same work: when it ran
    (timestamps), the RMA numbers (RMA-1, RMA-2 in the order the numbers were given) and the ids
    derived from them (ticket ids, refund keys, message and command ids: hashes of text that holds the
    RMA or the time; an inbound event's id: a hash of its key, which holds ShipX's return parcel), and
    the signing parts of links and of P24's notifications."""

    def __init__(self, items: list[dict[str, Any]], world: World) -> None:
        found = sorted({m for i in items for m in RMA.findall(json.dumps(i, default=repr))})
        self.rmas = {rma: f"RMA-{n}" for n, rma in enumerate(found, 1)}
        self.ids: dict[str, str] = world.shipx_numbers()
        for item in items:  # a ticket's id is a hash of the reference that opened it
            for ref in item.get("refs", ()) if item["sk"] == "TICKET" else ():
                if ticket_store.ticket_id_for(ref) == item["ticket_id"]:
                    self.ids[item["ticket_id"]] = f"TK[{self.text(ref)}]"
        for rma, name in self.rmas.items():
            self.ids[refund_key("1001", f"case:{rma}")] = f"REFUND-{name}"
        events = {}  # after the ids above: an event's name is its key with those replaced
        for item in items:
            if item.get("type") == "inbound_event":
                key = event_key(item)
                if key is not None:
                    events[item["id"]] = f"{item['id'].split('-', 1)[0]}-EVT[{self.text(key, deadline=True)}]"
        self.ids.update(events)

    def text(self, value: str, deadline: bool = False) -> str:
        for rma, name in self.rmas.items():
            value = value.replace(rma, name)
        for known, name in self.ids.items():
            value = value.replace(known, name)
        if not deadline:
            value = TIMESTAMP.sub("<time>", value)
        for pattern, replacement in URL_PARTS:
            value = pattern.sub(replacement, value)
        return OWN_IDS.sub(r"\1<id>", value)

    def value(self, value: Any, key: str = "") -> Any:
        if key in HASHED:
            return f"<{key}>"
        if isinstance(value, Binary | bytes):  # a compressed text (a courier's raw event): compared as text
            raw = bytes(value.value if isinstance(value, Binary) else value)
            try:
                return self.text(zlib.decompressobj().decompress(raw).decode("utf-8", "replace"))
            except zlib.error:
                return raw.hex()
        if isinstance(value, dict):
            return {self.text(k): self.value(v, k) for k, v in value.items() if k not in HOW}
        if isinstance(value, list | tuple):
            return [self.value(v, key) for v in value]
        if isinstance(value, set | frozenset):
            return sorted(self.value(v, key) for v in value)
        if isinstance(value, str):
            return self.text(value, deadline=key in DEADLINES)
        return value


def event_key(item: dict[str, Any]) -> str | None:
    """The key an inbound event's id hashes (store.event_log.Inbound.id), where its canonical event gives
    it: a courier event's (carrier, number, status, time), a payment's with the shop's reference. None
    for the others (a shop's order: its number and version, the same in every run)."""
    if not item.get("event") or item.get("kind") not in ("tracking", "payment", "refund"):
        return None
    if item["kind"] == "tracking":
        key = TrackingEvent.model_validate_json(item["event"]).event_key
    else:
        model = RefundEvent if item["kind"] == "refund" else PaymentEvent
        event = model.model_validate_json(item["event"])
        key = f"{event.event_key}|{event.payment_ref or ''}"
    received = datetime.fromisoformat(item["received_at"])
    record = Inbound(source=item["source"], channel="", verdict="", received_at=received, key=key)
    assert record.id == item["id"], f"inbound event {item['id']}: its id is no longer a hash of {key}"
    return key


@dataclass
class Final:
    items: Counter
    labels: list[str]
    messages: Counter
    world: dict[str, Any]
    raw_messages: list[tuple[str, ...]]


def messages_sent() -> list[tuple[str, ...]]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends

    ses = ses_backends[DEFAULT_ACCOUNT_ID][REGION]
    sns = sns_backends[DEFAULT_ACCOUNT_ID][REGION]
    emails = [
        ("email", ",".join(m.destinations["ToAddresses"]), m.subject, m.body) for m in ses.sent_messages
    ]
    sms = [("sms", phone, text) for phone, text, *_ in sns.sms_messages.values()]
    topics = [
        ("topic", topic.name, subject or "", message)
        for topic in sns.topics.values()
        for _, message, subject, *_ in topic.sent_notifications
    ]
    return emails + sms + topics


def final_state(world: World) -> Final:
    items = [i for i in table_items() if not i["pk"].startswith(COUNTERS)]
    norm = Normaliser(items, world)
    dumped = Counter(json.dumps(norm.value(i), sort_keys=True, default=str) for i in items)
    listed = boto3.client("s3", region_name=REGION).list_objects_v2(Bucket="labelsbucket")
    keys = sorted(norm.text(o["Key"]) for o in listed.get("Contents", []))
    sent = messages_sent()
    normalised = Counter(tuple(norm.text(part) for part in m) for m in sent)
    return Final(dumped, keys, normalised, norm.value(world.state()), sent)


def _keyed(items: Counter) -> dict[str, list[dict[str, Any]]]:
    keyed: dict[str, list[dict[str, Any]]] = {}
    for dumped, count in items.items():
        item = json.loads(dumped)
        keyed.setdefault(f"{item['pk']} / {item['sk']}", []).extend([item] * count)
    return keyed


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 160 else text[:157] + "..."


def table_differences(clean: Counter, faulted: Counter) -> list[str]:
    """Items missing or extra by key, and the fields that differ where both runs have the key."""
    before, after = _keyed(clean), _keyed(faulted)
    found = []
    for key in sorted(set(before) | set(after)):
        was, now = before.get(key, []), after.get(key, [])
        if was == now:
            continue
        if len(was) != len(now):
            found.append(f"{key}: {len(was)} item(s) without the fault, {len(now)} with it")
            continue
        for one, other in zip(sorted(was, key=_short), sorted(now, key=_short), strict=True):
            fields = sorted(k for k in set(one) | set(other) if one.get(k) != other.get(k))
            changes = ", ".join(f"{k}: {_short(one.get(k))} -> {_short(other.get(k))}" for k in fields)
            if changes:
                found.append(f"{key}: {changes}")
    return found


def differences(clean: Final, faulted: Final, failed: Failed | None) -> list[str]:
    """What differs beyond the documented window of the failed call (if it was in one)."""
    window = failed.window if failed else None
    problems = [f"table: {d}" for d in table_differences(clean.items, faulted.items)]
    if faulted.labels != clean.labels:
        problems.append(f"labels: {faulted.labels} != {clean.labels}")
    if faulted.world["p24_refunds"] != clean.world["p24_refunds"]:
        problems.append(f"P24 refunds: {faulted.world['p24_refunds']} != {clean.world['p24_refunds']}")
    made, expected = faulted.world["shipx_returns"], clean.world["shipx_returns"]
    if made != expected and not (window == "shipx" and made == [*expected, expected[-1]]):
        problems.append(f"ShipX return shipments: {made} != {expected}")
    if faulted.messages != clean.messages:
        missing, extra = clean.messages - faulted.messages, faulted.messages - clean.messages
        if not (window == "message" and not missing and sum(extra.values()) == 1):
            subjects = [m[:3] for m in missing], [m[:3] for m in extra]
            problems.append(f"messages: missing {subjects[0]}, extra {subjects[1]}")
    return problems


def in_window(clean: Final, faulted: Final, failed: Failed | None) -> str | None:
    """The documented window this run fell into (something was sent or made twice), if any."""
    if failed is None or failed.window is None:
        return None
    if failed.window == "message" and faulted.messages != clean.messages:
        return "message"
    if failed.window == "shipx" and faulted.world["shipx_returns"] != clean.world["shipx_returns"]:
        return "shipx"
    return None


# --- The test ---------------------------------------------------------------------------------------
def crash_points(total: int, mode: str) -> list[int]:
    """Every N (CRASH_POINTS=all), the ones named (CRASH_POINTS=17,42: a run to look at), or a fixed
    sample: every SAMPLE-th call, the two modes offset so that together they fail every (SAMPLE/2)-th."""
    chosen = os.environ.get("CRASH_POINTS", "")
    if chosen == "all":
        return list(range(1, total + 1))
    if chosen:
        return [int(n) for n in chosen.split(",") if n.strip()]
    return list(range(3 + (SAMPLE // 2 if mode == "killed" else 0), total + 1, SAMPLE))


@pytest.fixture
def fast_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """infra.local.fast_moto for this test only (moto's answers, without its O(table) copies per
    transaction): the originals are put back after it."""
    from moto.dynamodb import models

    from infra.local.fast_moto import fast_moto as apply

    monkeypatch.setattr(
        models.DynamoDBBackend, "transact_write_items", models.DynamoDBBackend.transact_write_items
    )
    monkeypatch.setattr(models.Table, "query", models.Table.query)
    monkeypatch.setattr(models.Table, "all_items", models.Table.all_items)
    apply()


@pytest.fixture
def outside(stack) -> Iterator[None]:
    yield
    Carriers.uninstall()


EXPECTED_EMAILS = [
    "Otrzymaliśmy Twoje zamówienie nr 1001",
    "Otrzymaliśmy płatność za zamówienie nr 1001",
    "Zamówienie nr 1001 dotarło – dziękujemy!",
    "Otrzymaliśmy Twoją reklamację nr RMA-1",
    "Zgłoszenie nr RMA-1: instrukcja odesłania paczki",
    "Otrzymaliśmy Twoje zgłoszenie zwrotu nr RMA-2",
    "Zgłoszenie nr RMA-2: instrukcja odesłania paczki",
    "Zgłoszenie nr RMA-1: paczka zwrotna jest w drodze do nas",
    "Zgłoszenie nr RMA-2: paczka zwrotna jest w drodze do nas",
    "Zgłoszenie nr RMA-1: paczka zwrotna dotarła do nas, sprawdzamy towar",
    "Zgłoszenie nr RMA-2: paczka zwrotna dotarła do nas, sprawdzamy towar",
    "Odpowiedź w sprawie zamówienia nr 1001 (TK[case:RMA-1])",
    "Zwrot nr RMA-2 został przyjęty",
    "Zgłoszenie nr RMA-2: zleciliśmy zwrot pieniędzy",
    "Zwrot 22,50\xa0zł za zamówienie nr 1001",
]


def check_the_life(run: Run, final: Final, calls: Calls) -> None:
    """The run without faults does what the life says, each request answered once with a 2xx."""
    assert calls.seen_by_botocore == calls.count  # every call the code made went through a hooked client
    assert all(len(answers) == 1 for _, answers in run.answers) and run.problems("error") == []
    assert run.sweeps_failed == 0
    emails = sorted(m[2] for m in final.messages if m[0] == "email")
    assert emails == sorted(EXPECTED_EMAILS)
    assert [m[:2] for m in final.messages if m[0] != "email"] == [("sms", "+48600100200")]
    assert final.world == {"p24_refunds": {"REFUND-RMA-2": 2250}, "shipx_returns": ["RMA-2"]}
    items = [json.loads(i) for i in final.items]
    assert {i["case_id"]: i["status"] for i in items if i.get("type") == "case"} == {
        "RMA-1": "delivered_to_shop",
        "RMA-2": "refund_ordered",
    }
    [order] = [i for i in items if i["sk"] == "ORDER"]
    assert (order["payment_status"], order["paid_amount"]) == ("partially_refunded", 26100)
    assert [r["status"] for r in order["refunds"].values()] == ["done"]
    tickets = {i["ticket_id"]: (i["category"], i["status"]) for i in items if i["sk"] == "TICKET"}
    assert tickets == {
        "TK[case:RMA-1]": ("complaint", "open"),
        "TK[refund-deadline:RMA-2]": ("payment", "solved"),
    }
    assert not [i for i in items if i["sk"] == "CMD" or i.get("queue") == "outbox"]
    assert final.labels == ["labels/RMA-1.pdf", "labels/RMA-2.pdf"]


@pytest.mark.parametrize("mode", ["error", "killed"])
def test_every_crash_point_of_an_order_life_ends_as_the_run_without_faults(
    stack, outside, fast_moto, clock, calls, monkeypatch, capsys, mode
):
    # Given the life without faults
    world = reset(monkeypatch, calls)
    calls.start(None)
    clean_run = live(world, clock, calls)
    clean = final_state(world)
    check_the_life(clean_run, clean, calls)
    total = calls.count
    # When call N fails, for each N
    tried, windows, problems = 0, Counter(), {}
    for n in crash_points(total, mode):
        world = reset(monkeypatch, calls)
        calls.start(n, mode)
        run = live(world, clock, calls)
        faulted = final_state(world)
        found = differences(clean, faulted, calls.failed) + run.problems(mode)
        tried += 1
        windows[in_window(clean, faulted, calls.failed)] += 1
        if found:
            where = f"{calls.failed.operation} in {calls.failed.phase}" if calls.failed else "nothing failed"
            problems[n] = f"call {n} ({where}): " + "; ".join(found)
    with capsys.disabled():  # the figures, in `make test` and `make crash-points` alike
        print(
            f"\ncrash points ({mode}): {total} AWS calls in the life, {tried} tried, {len(problems)} failed; "
            f"{windows['message']} sent a message twice, {windows['shipx']} made a ShipX shipment twice"
        )
    # Then every run ends where the run without faults did (but for the documented windows)
    assert not problems, "\n".join(problems.values())
