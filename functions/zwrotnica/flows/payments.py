"""Payment notifications: read the order's payment state, decide, confirm a Przelewy24 payment with
P24, write everything in one transaction (with the notification's idempotency marker), then send.

DynamoDB round trips per notification: one GetItem, one TransactWriteItems (none for a redelivery or
a late notification, which the decision ignores), plus one UpdateItem per e-mail marked sent.

The sweeper's step (`sweep_payment_queues`) turns what waited too long into finance tickets: a held
notification still unmatched after PAYMENT_GRACE_HOURS, an order still unpaid PAYMENT_UNPAID_HOURS
after a failed, cancelled or mismatched payment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from http import HTTPStatus
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from zwrotnica.domain import payments as rules
from zwrotnica.domain.orders import OrderChange, UpsertAction
from zwrotnica.domain.payments import Context, PaymentDecision, PaymentState, Ticket
from zwrotnica.errors import ConcurrentUpdate, ZwrotnicaError
from zwrotnica.flows import orders as order_flow
from zwrotnica.flows import outbox as outbox_flow
from zwrotnica.models.common import iso
from zwrotnica.models.payment import PaymentEvent, RefundEvent
from zwrotnica.models.ticket import TicketCategory, TicketPriority, TicketRequest
from zwrotnica.observability import logger, metrics
from zwrotnica.secrets import get_secrets
from zwrotnica.settings import get_settings
from zwrotnica.store import payments as store
from zwrotnica.store import tickets

if TYPE_CHECKING:  # the clients import httpx: kept off the cold import path of the shop webhook
    from zwrotnica.providers.payu import PayUClient
    from zwrotnica.providers.przelewy24 import Przelewy24Client

# A sweep holds a due queue item this long; if it dies meanwhile, the next sweep takes the item again.
LEASE = timedelta(minutes=10)
CLOSED_SHOP_STATUSES = frozenset({"cancelled", "refunded"})  # unpaid, but nobody expects payment now


class PaymentNotVerified(ZwrotnicaError):
    """Przelewy24 did not confirm the payment: 503, so P24 sends the notification again."""

    status = HTTPStatus.SERVICE_UNAVAILABLE
    reason = "payment not confirmed with the provider, retry"


@dataclass(frozen=True)
class Outcome:
    result: str  # applied, flagged, ignored, duplicate, unmatched
    http: HTTPStatus = HTTPStatus.OK


# --- Provider clients: the seam tests replace with an httpx.MockTransport (never the network) ---
def p24_client() -> Przelewy24Client:
    from zwrotnica.providers.przelewy24 import Przelewy24Client

    s = get_secrets()
    return Przelewy24Client(
        get_settings().p24_base_url, s.p24_merchant_id, s.p24_pos_id, s.p24_api_key, s.p24_crc
    )


def payu_client() -> PayUClient:
    s = get_secrets()
    return _payu(get_settings().payu_base_url, s.payu_client_id, s.payu_client_secret, s.payu_pos_id)


@lru_cache(maxsize=1)
def _payu(base_url: str, client_id: str, client_secret: str, pos_id: str) -> PayUClient:
    from zwrotnica.providers.payu import PayUClient

    return PayUClient(base_url, client_id, client_secret, pos_id)  # one per container: keeps its token


def ingest(event: PaymentEvent | RefundEvent, now: datetime, base_url: str) -> Outcome:
    """One notification. Unknown order: held until the order arrives (202, the provider stops)."""
    if not event.order_number:  # a refund notification without our order number: kept for finance
        held = store.hold(f"{event.provider}:{event.provider_payment_id}", event, now, _grace_end(now))
        return Outcome("unmatched" if held else "duplicate", HTTPStatus.ACCEPTED)
    number, verified = event.order_number, False
    for attempt in range(2):
        item = store.get_state(number)
        if item is None:
            held = store.hold(number, event, now, _grace_end(now))
            logger.info("payment notification for an unknown order held", extra={"provider": event.provider})
            metrics.add_metric(name="PaymentUnmatched", unit="Count", value=1)
            return Outcome("unmatched" if held else "duplicate", HTTPStatus.ACCEPTED)
        state = PaymentState.from_item(item)
        decision = _decide(state, event, Context(now, order_flow.status_link(base_url, number, now), _shop()))
        if not decision.writes:
            _log(event, decision.outcome)
            return Outcome(decision.outcome)
        if decision.verify and not verified:
            _verify(event, state, now)
            verified = True
        if decision.ticket:
            open_ticket(number, decision.ticket, f"{decision.ticket.reason}:{event.event_key}", now)
        try:
            marker = (event.provider, _marker_key(event))
            written = store.write(decision, state, marker, now, _unpaid_end(now))
            break
        except ConcurrentUpdate:
            if attempt:
                raise
    _log(event, decision.outcome if written else "duplicate")
    if not written:
        return Outcome("duplicate")
    outbox_flow.deliver(decision.messages, now)
    return Outcome(decision.outcome)


def _decide(state: PaymentState, event: PaymentEvent | RefundEvent, ctx: Context) -> PaymentDecision:
    if isinstance(event, RefundEvent):
        return rules.on_refund(state, event, ctx)
    return rules.on_payment(state, event, ctx)


def _verify(event: PaymentEvent | RefundEvent, state: PaymentState, now: datetime) -> None:
    """PUT /api/v1/transaction/verify with the amount and session we hold, P24's transaction id."""
    from zwrotnica.providers.errors import ProviderError

    client = p24_client()
    try:
        ok = client.transaction_verify(
            state.order_number, int(event.provider_payment_id), state.total, state.currency
        )
    except ProviderError as exc:
        logger.warning("przelewy24 verify failed", extra={"error": str(exc), "retryable": exc.retryable})
        raise PaymentNotVerified() from exc
    finally:
        client.close()
    if not ok:
        ticket = Ticket.of("verify_refused", state, event.provider, event.provider_payment_id, event.amount)
        open_ticket(state.order_number, ticket, f"verify_refused:{event.event_key}", now)
        raise PaymentNotVerified("Przelewy24 refused the verification")


def open_ticket(number: str | None, ticket: Ticket, source_ref: str, now: datetime) -> str:
    """A finance ticket (or a note on the order's open payment ticket); returns the ticket's id."""
    ticket_id, _ = tickets.open_or_append(
        TicketRequest(
            order_number=number,
            category=TicketCategory.PAYMENT,
            priority=TicketPriority.HIGH,
            subject=ticket.subject,
            note=ticket.note,
            source_ref=source_ref,
            at=now,
        )
    )
    return ticket_id


def claim_unmatched(change: OrderChange, now: datetime, base_url: str) -> int:
    """A new order takes the payment notifications held for its number (one Query), oldest first.
    Never fails the shop webhook: what cannot be applied now stays held (P24 also resends)."""
    if change.action is not UpsertAction.CREATE:
        return 0
    number, claimed = change.order.number, 0
    try:
        for sk, event in store.held(number):
            try:
                ingest(event, now, base_url)
            except ZwrotnicaError as exc:
                logger.warning("held payment not applied", extra={"reason": type(exc).__name__})
                continue
            store.release(number, sk)
            claimed += 1
    except (ClientError, BotoCoreError):
        logger.exception("held payments not claimed", extra={"order_number": number})
    return claimed


def sweep_payment_queues(now: datetime, budget: int) -> int:
    """Sweeper step: held notifications past their grace period and orders past their unpaid period
    (sparse queue index, no Scan), at most `budget` items. Each becomes a finance ticket, or a note on
    the order's open payment ticket. Returns how many were ticketed; an overlapping sweep takes nothing
    twice (every item is claimed conditionally on the due time read)."""
    ticketed = 0
    for queue, handle in ((store.GRACE_QUEUE, _held_due), (store.UNPAID_QUEUE, _unpaid_due)):
        if budget <= 0:
            break
        items, _ = store.due(queue, now, budget)
        budget -= len(items)
        for item in items:
            try:
                ticketed += handle(item, now)
            except (ClientError, BotoCoreError, ZwrotnicaError, ValueError):
                logger.exception("payment queue item not handled", extra={"queue": queue})  # lease: retried
    if ticketed:
        metrics.add_metric(name="PaymentTicketsFromQueues", unit="Count", value=ticketed)
    return ticketed


def _held_due(item: dict, now: datetime) -> int:
    """A held notification whose grace period ended. Unmatched: a ticket. Its order exists after all
    (the claim when the order came did not go through): applied now, as the claim would have."""
    if not store.claim(item, now + LEASE):
        return 0  # another sweep has it, or its order claimed it meanwhile
    event = store.held_event(item)
    number = event.order_number
    if number and store.get_state(number) is not None:
        try:
            outcome = ingest(event, now, get_settings().public_base_url)
        except ZwrotnicaError as exc:  # e.g. P24 did not confirm it: finance looks at it
            logger.warning("held payment not applied after grace", extra={"reason": type(exc).__name__})
        else:
            store.finish(item, now + LEASE, {"applied_at": iso(now)})
            logger.info("held payment applied after grace", extra={"outcome": outcome.result})
            return 0
    ref = f"payment_unmatched:{item['pk'].removeprefix('UNMATCHED#PAY#')}:{item['sk'].removeprefix('EVT#')}"
    ticket_id = open_ticket(number, Ticket.unmatched(event), ref, now)
    store.finish(item, now + LEASE, {"ticket_id": ticket_id, "ticketed_at": iso(now)})
    return 1


def _unpaid_due(item: dict, now: datetime) -> int:
    """An order whose payment failed or did not match, and the unpaid period ended. Still unpaid: one
    ticket per order (its source_ref is the order); a later failure of the same order adds nothing."""
    state = PaymentState.from_item(item)
    if state.paid or item.get("shop_status") in CLOSED_SHOP_STATUSES or item.get("unpaid_ticket_id"):
        store.drop(item)  # paid (a stale index read), cancelled in the shop, or finance already knows
        return 0
    if not store.claim(item, now + LEASE):
        return 0  # another sweep has it, or it was paid meanwhile (paid leaves the queue)
    ticket = Ticket.of("unpaid", state, state.provider, state.payment_id or "—", state.total)
    ticket_id = open_ticket(state.order_number, ticket, f"payment_unpaid:{state.order_number}", now)
    store.finish(item, now + LEASE, {"unpaid_ticket_id": ticket_id})
    return 1


def _grace_end(now: datetime) -> datetime:
    return now + timedelta(hours=get_settings().payment_grace_hours)


def _unpaid_end(now: datetime) -> datetime:
    return now + timedelta(hours=get_settings().payment_unpaid_hours)


def _marker_key(event: PaymentEvent | RefundEvent) -> str:
    """P24's refund event key has no status: a refund rejected, then done, is two notifications."""
    return f"{event.event_key}:{event.status.value}" if isinstance(event, RefundEvent) else event.event_key


def _shop() -> str:
    return get_settings().shop_name


def _log(event: PaymentEvent | RefundEvent, outcome: str) -> None:
    kind = "refund" if isinstance(event, RefundEvent) else "payment"
    logger.info("payment notification", extra={"provider": event.provider, "kind": kind, "outcome": outcome})
    metrics.add_metric(name=f"Payment{outcome.title()}", unit="Count", value=1)
