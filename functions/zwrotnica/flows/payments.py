"""Payment notifications: read the order's payment state, decide (domain.payments), confirm a
Przelewy24 payment with P24, and return one Effect: the state change with the notification's
idempotency marker, the timeline, the e-mail, and a finance ticket as a follow-up command.

DynamoDB round trips per notification: one GetItem, one TransactWriteItems (none for a redelivery or a
late notification of the current attempt, which the decision ignores), plus one UpdateItem per e-mail
marked sent. A notification naming the platform's own id (an official plugin's reference: WooCommerce
post id, PrestaShop id_order or id_cart) first finds the order's number: one GetItem more.

The sweeper's payment queues (dispatch.sweeps) use `expire_held` and `expire_unpaid`: a held
notification still unmatched after PAYMENT_GRACE_HOURS, an order still unpaid PAYMENT_UNPAID_HOURS after
a failed, cancelled or mismatched payment, become finance tickets.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

from zwrotnica.context import Context
from zwrotnica.domain import payments as rules
from zwrotnica.domain.payments import PaymentDecision, PaymentState, Ticket
from zwrotnica.effect import Effect, Guard
from zwrotnica.errors import ZwrotnicaError
from zwrotnica.models.command import Command, open_ticket
from zwrotnica.models.common import iso
from zwrotnica.models.payment import PaymentEvent, RefKind, RefundEvent
from zwrotnica.models.ticket import TicketCategory, TicketPriority, TicketRequest
from zwrotnica.observability import logger
from zwrotnica.providers import payment_clients
from zwrotnica.store import orders as order_store
from zwrotnica.store import payments as store
from zwrotnica.store import tickets as ticket_store

# A sweep holds a due queue item this long; if it dies meanwhile, the next sweep takes the item again.
LEASE = timedelta(minutes=10)
CLOSED_SHOP_STATUSES = frozenset({"cancelled", "refunded"})  # unpaid, but nobody expects payment now


class PaymentNotVerified(ZwrotnicaError):
    """Przelewy24 did not confirm the payment: 503, so P24 sends the notification again."""

    status = HTTPStatus.SERVICE_UNAVAILABLE
    reason = "payment not confirmed with the provider, retry"


def ingest(event: PaymentEvent | RefundEvent, ctx: Context, fresh: bool = False) -> Effect:
    """One notification. Unknown order: held until the order arrives (outcome "unmatched"), under what
    the notification names (the number, or the platform's id the shop's plugin sent)."""
    number = order_number(event)
    item = store.get_state(number) if number else None
    if item is not None and not _names(item, event):
        item = None  # an order whose number happens to equal the id, but whose own id is another
    if item is None:
        return _hold(event, ctx)
    return apply(event, PaymentState.from_item(item), ctx)


def order_number(event: PaymentEvent | RefundEvent) -> str | None:
    """The order the notification is for: its number, or the number of the order the platform's id
    (order_id, cart_id) belongs to once that order has come (one GetItem)."""
    if not event.order_ref:
        return None  # a refund notification naming no order: kept for finance
    if event.order_ref_kind is RefKind.NUMBER:
        return event.order_ref
    found = order_store.number_for_ref(event.order_ref_kind, event.order_ref)
    # No index item: an internal id equal to its order's number is not indexed (store.orders.shop_refs).
    return found or (event.order_ref if event.order_ref_kind is RefKind.ORDER_ID else None)


def _names(item: dict, event: PaymentEvent | RefundEvent) -> bool:
    """The order read is the one the platform's id names (an order stored before ids were kept: yes)."""
    if event.order_ref_kind is not RefKind.ORDER_ID:
        return True
    return str(item.get("shop_order_id") or event.order_ref) == event.order_ref


def _hold(event: PaymentEvent | RefundEvent, ctx: Context) -> Effect:
    due = ctx.now + timedelta(hours=ctx.settings.payment_grace_hours)
    effect = Effect("unmatched", data={"held": True})
    return effect.write(store.hold(store.held_part(event), event, ctx.now, due), Guard.DUPLICATE)


def apply(event: PaymentEvent | RefundEvent, state: PaymentState, ctx: Context) -> Effect:
    number = state.order_number
    decision = _decide(state, event, rules.Context(ctx.now, ctx.status_url(number) or "", ctx.shop_name))
    if not decision.writes:
        effect = Effect(decision.outcome)
        if isinstance(event, PaymentEvent) and (state.provider, state.payment_id) != (
            event.provider,
            event.provider_payment_id,
        ):  # another attempt's news (a late failure): its own record; the current one's repeats write nothing
            effect.write(store.attempt(number, rules.attempt_record(event)), Guard.OPTIONAL)
        return effect
    if decision.verify and not _verified(event, state):
        ticket = Ticket.of("verify_refused", state, event.provider, event.provider_payment_id, event.amount)
        return Effect("unverified").follow(
            finance_ticket(number, ticket, f"verify_refused:{event.event_key}", ctx.now)
        )
    watch = ctx.now + timedelta(hours=ctx.settings.payment_unpaid_hours) if decision.unpaid_watch else None
    effect = Effect(decision.outcome)
    if decision.state != state or watch is not None:
        effect.write(store.state_update(decision.state, state.rev, ctx.now, watch), Guard.CONFLICT)
    effect.write(store.marker(number, event.provider, _marker_key(event), ctx.now), Guard.DUPLICATE)
    if isinstance(event, PaymentEvent):
        effect.write(store.attempt(number, rules.attempt_record(event)), Guard.OPTIONAL)
    effect.line(number, decision.timeline).send(decision.messages)
    if decision.ticket:
        ref = f"{decision.ticket.reason}:{event.event_key}"
        effect.follow(finance_ticket(number, decision.ticket, ref, ctx.now))
    return effect


def _decide(state: PaymentState, event: PaymentEvent | RefundEvent, ctx: rules.Context) -> PaymentDecision:
    if isinstance(event, RefundEvent):
        return rules.on_refund(state, event, ctx)
    return rules.on_payment(state, event, ctx)


def _verified(event: PaymentEvent | RefundEvent, state: PaymentState) -> bool:
    """PUT /api/v1/transaction/verify with the amount we hold, the session the shop's plugin registered
    (the notification's signed sessionId: a fresh one per attempt, `{id}_{suffix}`, never simply the
    order number) and P24's transaction id. False: P24 refused it; P24 unreachable: PaymentNotVerified
    (nothing is written, P24 retries)."""
    from zwrotnica.providers.errors import ProviderError

    client = payment_clients.p24_client()
    try:
        return client.transaction_verify(
            event.payment_ref or state.order_number,
            int(event.provider_payment_id),
            state.total,
            state.currency,
        )
    except ProviderError as exc:
        logger.warning("przelewy24 verify failed", extra={"error": str(exc), "retryable": exc.retryable})
        raise PaymentNotVerified() from exc
    finally:
        client.close()


def finance_ticket(number: str | None, ticket: Ticket, source_ref: str, now: datetime) -> Command:
    """A finance ticket (or a note on the order's open payment ticket), after the commit."""
    return open_ticket(
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


def apply_held(command: Command, ctx: Context, fresh: bool) -> Effect:
    """A notification held for an order that has come since: applied now, and released with it.
    `held`: where it was held (the number's token or the platform's id; commands written before
    references had kinds held it under the number)."""
    number, sk = command.payload["order_number"], command.payload["sk"]
    part = command.payload.get("held") or store.number_part(number)
    item = store.held_item(part, sk)
    state = store.get_state(number) if item else None
    if item is None or state is None:
        return Effect("nothing")  # applied already (or its order is gone: the grace sweep decides)
    effect = apply(store.held_event(item), PaymentState.from_item(state), ctx)
    return effect.write(store.release(part, sk))


def expire_held(item: dict[str, Any], ctx: Context) -> Effect:
    """A held notification whose grace period ended (claimed by this sweep). Still unmatched: a finance
    ticket. Its order exists after all (the order's own claim did not go through): applied now, as the
    claim would have been."""
    event = store.held_event(item)
    number, lease = order_number(event), ctx.now + LEASE
    state = store.get_state(number) if number else None
    if state is not None:
        try:
            effect = apply(event, PaymentState.from_item(state), ctx)
        except ZwrotnicaError as exc:  # e.g. P24 did not confirm it: finance looks at it
            logger.warning("held payment not applied after grace", extra={"reason": type(exc).__name__})
        else:
            effect.data["ticketed"] = 0
            return effect.write(store.finish(item, lease, {"applied_at": iso(ctx.now)}), Guard.DUPLICATE)
    ref = f"payment_unmatched:{item['pk'].removeprefix('UNMATCHED#PAY#')}:{item['sk'].removeprefix('EVT#')}"
    ticket_id = (number and ticket_store.open_ticket_id(number, TicketCategory.PAYMENT.value)) or (
        ticket_store.ticket_id_for(ref)
    )
    effect = Effect("ticketed", data={"ticketed": 1})
    effect.write(
        store.finish(item, lease, {"ticket_id": ticket_id, "ticketed_at": iso(ctx.now)}), Guard.DUPLICATE
    )
    return effect.follow(finance_ticket(number, Ticket.unmatched(event), ref, ctx.now))


def expire_unpaid(item: dict[str, Any], ctx: Context) -> Effect:
    """An order whose payment failed or did not match, and the unpaid period ended (claimed by this
    sweep). Still unpaid: one ticket per order (its source_ref is the order)."""
    state = PaymentState.from_item(item)
    number = state.order_number
    ref = f"payment_unpaid:{number}"
    ticket = Ticket.of("unpaid", state, state.provider, state.payment_id or "—", state.total)
    ticket_id = ticket_store.open_ticket_id(
        number, TicketCategory.PAYMENT.value
    ) or ticket_store.ticket_id_for(ref)
    effect = Effect("ticketed", data={"ticketed": 1})
    effect.write(store.finish(item, ctx.now + LEASE, {"unpaid_ticket_id": ticket_id}), Guard.DUPLICATE)
    return effect.follow(finance_ticket(number, ticket, ref, ctx.now))


def unpaid_needs_nothing(item: dict[str, Any]) -> bool:
    """Paid (a stale index read), cancelled in the shop, or finance already knows: leave the queue."""
    state = PaymentState.from_item(item)
    return state.paid or item.get("shop_status") in CLOSED_SHOP_STATUSES or bool(item.get("unpaid_ticket_id"))


def _marker_key(event: PaymentEvent | RefundEvent) -> str:
    """P24's refund event key has no status: a refund rejected, then done, is two notifications."""
    return f"{event.event_key}:{event.status.value}" if isinstance(event, RefundEvent) else event.event_key
