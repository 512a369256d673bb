"""An order's payment state, moved by provider notifications: pure decision, no I/O.

Precedence, so that late and repeated notifications are harmless in any order:
- PAID wins over every unpaid state, if amount and currency equal the order's; otherwise nothing is
  marked paid and finance gets a ticket. A second, different paid attempt on a paid order is a ticket.
- After PAID nothing but refunds changes the state (a late PENDING or CANCELED changes nothing).
- Within one payment attempt (provider + payment id) the state only moves forward:
  pending < waiting_for_confirmation < failed | cancelled. Another attempt may restart a failed or
  cancelled payment; a failure of an attempt that is not the current one changes nothing. Of two
  attempts under way ("pay again" while the first one hangs) the later one is current: later by the
  time in the shop's reference where the plugin put one (PHP uniqid), else the last one heard of.
  Each attempt is its own payment (its own provider id); the order is paid once, by the first PAID,
  and a second PAID of another attempt is a double payment for finance.
- Refunds are keyed (our idempotency key, or the provider's refund id): done > rejected > pending.
  The status is derived: paid with refunds done = partially_refunded, or refunded once they reach
  the paid amount; refunds that arrive before the PAID notification count when it comes.
- A failed or cancelled payment, or a paid amount that does not match, starts the unpaid watch
  (`unpaid_watch`): if the order is still unpaid when it runs out, finance gets a ticket. Paid ends it.
- Cash on delivery: the order starts as `cod`; its delivered parcel is the payment (the courier
  collected it): paid, by provider `cod`, the parcel as the payment id, once (`on_cod_collected`).
  A refund finance paid by bank transfer is recorded as done when finance confirms it
  (`on_refund_transferred`), keyed like any refund, so the state counts it as refunded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from zwrotnica.messages import compose, payment_templates
from zwrotnica.messages.polish import money
from zwrotnica.models.outbox import OutboxMessage
from zwrotnica.models.payment import PaymentEvent, PaymentStatus, RefKind, RefundEvent
from zwrotnica.models.timeline import TimelineEntry

PAID_STATES = frozenset({"paid", "partially_refunded", "refunded"})
FAILED_STATES = frozenset({PaymentStatus.FAILED.value, PaymentStatus.CANCELLED.value})
RANK = {"cod": -1, "pending": 0, "waiting_for_confirmation": 1, "failed": 2, "cancelled": 2}
REFUND_RANK = {"pending": 0, "rejected": 1, "done": 2}


@dataclass(frozen=True)
class PaymentState:
    order_number: str
    total: int
    currency: str
    email: str | None = None
    status: str = "pending"
    provider: str | None = None
    payment_id: str | None = None  # the attempt that set the status (PayU orderId, P24 orderId)
    payment_ref: str | None = None  # that attempt's reference (PayU extOrderId, P24 sessionId)
    attempt_started: str | None = None  # that attempt's start, sortable (payment_refs), when known
    paid_amount: int = 0
    refunds: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    rev: int = 0  # optimistic lock: every payment write is conditional on the revision read

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> PaymentState:
        return cls(
            order_number=item["number"],
            total=item["total"],
            currency=item.get("currency", "PLN"),
            email=item.get("email"),
            status=item.get("payment_status", "pending"),
            provider=item.get("payment_provider"),
            payment_id=item.get("payment_id"),
            payment_ref=item.get("payment_ref"),
            attempt_started=item.get("payment_attempt_started"),
            paid_amount=item.get("paid_amount", 0),
            refunds=item.get("refunds") or {},
            rev=item.get("payment_rev", 0),
        )

    @property
    def paid(self) -> bool:
        return self.status in PAID_STATES

    def refunded(self, *statuses: str) -> int:
        wanted = statuses or ("done",)
        return sum(r["amount"] for r in self.refunds.values() if r["status"] in wanted)

    @property
    def refundable(self) -> int:
        """What may still be refunded: paid, minus refunds done or under way."""
        return max(0, self.paid_amount - self.refunded("done", "pending")) if self.paid else 0


@dataclass(frozen=True)
class Context:
    now: datetime
    status_url: str
    shop_name: str


@dataclass(frozen=True)
class Ticket:
    reason: str  # amount_mismatch, double_payment, capture_needed, refund_rejected, verify_refused,
    # unpaid (still unpaid after a failure or mismatch), unmatched (held notification, no order)
    subject: str
    note: str  # no personal data

    @classmethod
    def of(
        cls, reason: str, state: PaymentState, provider: str | None, ref: str, amount: int, currency: str = ""
    ) -> Ticket:
        subject, note = payment_templates.TICKET_PL[reason]
        values = {
            "order": state.order_number,
            "p": payment_templates.provider_pl(provider),
            "payment_id": ref,
            "amount": money(amount, currency or state.currency),
            "total": money(state.total, state.currency),
            "status": state.status,
        }
        return cls(reason, subject.format(**values), note.format(**values))

    @classmethod
    def unmatched(cls, event: PaymentEvent | RefundEvent) -> Ticket:
        """A notification held for an order we never matched: what finance needs to find it."""
        subject, note = payment_templates.TICKET_PL["unmatched"]
        refund = isinstance(event, RefundEvent)
        values = {
            "order": event.order_number or _reference_pl(event),
            "p": payment_templates.provider_pl(event.provider),
            "payment_id": event.provider_payment_id,
            "kind": f"zwrot {event.refund_id}" if refund else "płatność",
            "amount": money(event.amount, event.currency),
            "status": event.status.value,
        }
        return cls("unmatched", subject.format(**values), note.format(**values))


@dataclass(frozen=True)
class PaymentDecision:
    outcome: str  # applied, ignored, flagged
    state: PaymentState
    timeline: tuple[TimelineEntry, ...] = ()
    messages: tuple[OutboxMessage, ...] = ()
    ticket: Ticket | None = None
    verify: bool = False  # Przelewy24: confirm with the provider before this is written
    unpaid_watch: bool = False  # failed or mismatched: a ticket if still unpaid after a while

    @property
    def writes(self) -> bool:
        return bool(self.timeline)


IGNORED = "ignored"


def _settled(state: PaymentState) -> str:
    refunded = state.refunded()
    if not refunded:
        return "paid"
    return "refunded" if refunded >= state.paid_amount else "partially_refunded"


def _line(
    kind: str, at: datetime, ref: str, provider: str | None, amount: int, currency: str
) -> tuple[TimelineEntry, ...]:
    text = payment_templates.TIMELINE_PL[kind].format(
        p=payment_templates.provider_pl(provider), amount=money(amount, currency)
    )
    return (TimelineEntry(at=at, kind=kind, ref=ref, text_pl=text, data={"amount": amount}),)


def _email(
    state: PaymentState, ctx: Context, key: str, template: str, *args: Any
) -> tuple[OutboxMessage, ...]:
    """One e-mail from payment_templates.<template>(order number, *args, status link, shop name)."""
    content = getattr(payment_templates, template)(state.order_number, *args, ctx.status_url, ctx.shop_name)
    message = compose.email(
        dedup_key=key,
        order_number=state.order_number,
        recipient=state.email or "",
        template=template,
        content=content,
        now=ctx.now,
    )
    return (message,) if message else ()


def on_payment(state: PaymentState, event: PaymentEvent, ctx: Context) -> PaymentDecision:
    at, provider, pid = event.occurred_at or ctx.now, event.provider, event.provider_payment_id
    same = (state.provider, state.payment_id) == (provider, pid)
    if event.status is PaymentStatus.PAID:
        if state.paid or (event.amount, event.currency) != (state.total, state.currency):
            if state.paid and same:
                return PaymentDecision(IGNORED, state)
            reason = "double_payment" if state.paid else "amount_mismatch"
            timeline = _line(f"payment_{reason}", at, event.event_key, provider, event.amount, event.currency)
            ticket = Ticket.of(reason, state, provider, pid, event.amount, event.currency)
            return PaymentDecision("flagged", state, timeline, ticket=ticket, unpaid_watch=not state.paid)
        new = replace(
            state, provider=provider, payment_id=pid, payment_ref=event.payment_ref, paid_amount=event.amount
        )
        new = replace(new, status=_settled(new), attempt_started=event.attempt_started)
        timeline = _line("payment_paid", at, event.event_key, provider, event.amount, event.currency)
        key = f"payment:{state.order_number}:paid:{provider}:{pid}"
        email = _email(state, ctx, key, "payment_received", event.amount, event.currency, provider)
        messages = () if new.refunded() else email  # refunded before we heard it was paid: no "thanks"
        return PaymentDecision("applied", new, timeline, messages, verify=provider == "przelewy24")
    target = event.status.value
    if state.paid:
        return PaymentDecision(IGNORED, state)
    if state.payment_id is None or same:
        moves = RANK[target] > RANK.get(state.status, -1) or (state.payment_id is None and RANK[target] < 2)
    elif target in FAILED_STATES:  # another attempt's failure never fails the current one
        moves = False
    elif state.status in FAILED_STATES:  # a new attempt restarts a failed payment
        moves = True
    else:  # two attempts under way: the one the customer started later is current
        moves = _later(event.attempt_started, state.attempt_started)
    if not moves:
        return PaymentDecision(IGNORED, state)
    new = replace(
        state,
        status=target,
        provider=provider,
        payment_id=pid,
        payment_ref=event.payment_ref,
        attempt_started=event.attempt_started,
    )
    timeline = _line(f"payment_{target}", at, event.event_key, provider, event.amount, event.currency)
    messages, ticket = (), None
    if target in FAILED_STATES and state.status not in FAILED_STATES:
        key = f"payment:{state.order_number}:failed:{provider}:{pid}"
        messages = _email(state, ctx, key, "payment_failed", provider)
    if target == PaymentStatus.WAITING_FOR_CONFIRMATION:
        ticket = Ticket.of("capture_needed", state, provider, pid, event.amount)
    watch = target in FAILED_STATES
    return PaymentDecision("applied", new, timeline, messages, ticket, unpaid_watch=watch)


ATTEMPT_RANK = {"pending": 0, "waiting_for_confirmation": 1, "failed": 2, "cancelled": 2, "paid": 3}


def attempt_record(event: PaymentEvent) -> dict[str, Any]:
    """What the order keeps of one payment attempt (ORDER#{n} / PAYATTEMPT#{provider}#{id}): every
    attempt is its own record, whichever is current. Written only over a lower `rank`, so a late or
    repeated notification never moves an attempt back (paid outranks a late CANCELED)."""
    return {
        "provider": event.provider,
        "payment_id": event.provider_payment_id,
        "payment_ref": event.payment_ref,
        "attempt": event.attempt,
        "status": event.status.value,
        "rank": ATTEMPT_RANK[event.status.value],
        "amount": event.amount,
        "currency": event.currency,
    }


def _later(started: str | None, current: str | None) -> bool:
    """An attempt is later than the current one by the start times both references hold; when one of
    them does not tell, the attempt heard of last wins."""
    return started > current if started and current else True


def _reference_pl(event: PaymentEvent | RefundEvent) -> str:
    """The order as the notification names it, for finance, when it names no number."""
    if not event.order_ref:
        return "brak numeru"
    if event.order_ref_kind is RefKind.CART_ID:
        return f"koszyk {event.order_ref} w sklepie"
    return f"id {event.order_ref} w sklepie"


def on_refund(state: PaymentState, event: RefundEvent, ctx: Context) -> PaymentDecision:
    """Matched by our key (P24 refundsUuid, PayU extRefundId) or by the provider's refund id."""
    ours = [
        k
        for k, r in state.refunds.items()
        if event.ext_refund_id == k or r.get("refund_id") == event.refund_id
    ]
    key = ours[0] if ours else f"{event.provider}:{event.refund_id}"  # made by hand in the panel
    status, old = event.status.value, state.refunds.get(key)
    if old is not None and REFUND_RANK[old["status"]] >= REFUND_RANK[status]:
        return PaymentDecision(IGNORED, state)
    entry = {
        "amount": event.amount,
        "status": status,
        "provider": event.provider,
        "refund_id": event.refund_id,
    }
    new = replace(state, refunds={**state.refunds, key: entry})
    new = replace(new, status=_settled(new)) if new.paid else new
    at = event.occurred_at or ctx.now
    timeline = _line(f"refund_{status}", at, event.event_key, event.provider, event.amount, event.currency)
    if status == "done":
        key_ = f"refund:{state.order_number}:{key}"
        messages = _email(state, ctx, key_, "refund_sent", event.amount, event.currency, event.provider)
        return PaymentDecision("applied", new, timeline, messages)
    if status == "rejected":
        ticket = Ticket.of("refund_rejected", state, event.provider, key, event.amount, event.currency)
        return PaymentDecision("applied", new, timeline, ticket=ticket)
    return PaymentDecision("applied", new, timeline)  # pending: recorded, nothing to say yet


def on_refund_requested(
    state: PaymentState, key: str, amount: int, refund_id: str | None, ctx: Context
) -> PaymentDecision:
    """We asked the provider for a refund; it stays pending until the refund notification."""
    known = {
        k for k, r in state.refunds.items() if k == key or (refund_id and r.get("refund_id") == refund_id)
    }
    if known:
        return PaymentDecision(IGNORED, state)
    entry = {"amount": amount, "status": "pending", "provider": state.provider, "refund_id": refund_id}
    new = replace(state, refunds={**state.refunds, key: entry})
    return PaymentDecision(
        "applied", new, _line("refund_requested", ctx.now, key, state.provider, amount, state.currency)
    )


COD_PROVIDER = "cod"  # a cash-on-delivery order paid to the courier (the parcel is the payment's id)
TRANSFER_PROVIDER = "transfer"  # a refund finance paid by bank transfer


def on_cod_collected(
    state: PaymentState, amount: int, parcel: str, at: datetime, ctx: Context
) -> PaymentDecision:
    """A cash-on-delivery parcel was delivered: the courier collected `amount` (the order's total),
    so the order is paid, collected on delivery. Only a COD order not paid yet moves (a second parcel
    of the same order, a late or repeated event change nothing); refunds recorded before count."""
    if state.status != COD_PROVIDER or state.paid:
        return PaymentDecision(IGNORED, state)
    new = replace(state, provider=COD_PROVIDER, payment_id=parcel, paid_amount=amount)
    new = replace(new, status=_settled(new))
    timeline = _line(
        "payment_collected_on_delivery", at, f"cod:{parcel}", COD_PROVIDER, amount, state.currency
    )
    return PaymentDecision("applied", new, timeline)


def on_refund_transferred(
    state: PaymentState, key: str, amount: int, at: datetime, ctx: Context
) -> PaymentDecision:
    """Finance paid a refund by bank transfer and confirmed it: a refund done under `key` (once)."""
    if key in state.refunds:
        return PaymentDecision(IGNORED, state)
    entry = {"amount": amount, "status": "done", "provider": TRANSFER_PROVIDER, "refund_id": None}
    new = replace(state, refunds={**state.refunds, key: entry})
    new = replace(new, status=_settled(new)) if new.paid else new
    timeline = _line("refund_transferred", at, key, TRANSFER_PROVIDER, amount, state.currency)
    return PaymentDecision("applied", new, timeline)
