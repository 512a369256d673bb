"""Payment notifications: read the order's payment state, decide, confirm a Przelewy24 payment with
P24, write everything in one transaction (with the notification's idempotency marker), then send.

DynamoDB round trips per notification: one GetItem, one TransactWriteItems (none for a redelivery or
a late notification, which the decision ignores), plus one UpdateItem per e-mail marked sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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
        held = store.hold(f"{event.provider}:{event.provider_payment_id}", event, now)
        return Outcome("unmatched" if held else "duplicate", HTTPStatus.ACCEPTED)
    number, verified = event.order_number, False
    for attempt in range(2):
        item = store.get_state(number)
        if item is None:
            held = store.hold(number, event, now)
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
            written = store.write(decision, state, (event.provider, _marker_key(event)), now)
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


def open_ticket(number: str, ticket: Ticket, source_ref: str, now: datetime) -> None:
    tickets.open_or_append(
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


def _marker_key(event: PaymentEvent | RefundEvent) -> str:
    """P24's refund event key has no status: a refund rejected, then done, is two notifications."""
    return f"{event.event_key}:{event.status.value}" if isinstance(event, RefundEvent) else event.event_key


def _shop() -> str:
    return get_settings().shop_name


def _log(event: PaymentEvent | RefundEvent, outcome: str) -> None:
    kind = "refund" if isinstance(event, RefundEvent) else "payment"
    logger.info("payment notification", extra={"provider": event.provider, "kind": kind, "outcome": outcome})
    metrics.add_metric(name=f"Payment{outcome.title()}", unit="Count", value=1)
