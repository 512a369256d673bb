"""Refunds through the provider the order was paid with, an accepted case's refund, and finance's
confirmation of a refund it paid by bank transfer.

Our idempotency key is derived from the caller's reason (e.g. the RMA), so a retried refund carries the
same PayU extRefundId / P24 requestId and refundsUuid and is never paid twice; a refund already recorded
on the order is not sent again at all. The refund stays pending on the order until the provider's
refund notification says it is done (flows.payments).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from zwrotnica.context import Context
from zwrotnica.domain import payments as rules
from zwrotnica.domain.case_moves import CaseMove, case_move, day, refund_follow_up, refund_ticket_text
from zwrotnica.domain.payments import PaymentState
from zwrotnica.effect import Effect, Guard
from zwrotnica.errors import CaseNotFound, InvalidPayload, NotRefundable, OrderNotFound
from zwrotnica.messages import legal
from zwrotnica.messages.payment_templates import provider_pl
from zwrotnica.models.case import CaseStatus
from zwrotnica.models.command import Command
from zwrotnica.providers import payment_clients
from zwrotnica.providers.errors import ProviderError
from zwrotnica.store import cases as case_store
from zwrotnica.store import orders as order_store
from zwrotnica.store import payments as store

PROVIDERS = ("payu", "przelewy24")
WARSAW = ZoneInfo("Europe/Warsaw")


@dataclass(frozen=True)
class RefundRequest:
    key: str  # PayU extRefundId, P24 requestId and refundsUuid
    provider: str
    amount: int
    status: str  # requested (sent now); pending, done or rejected (known before: nothing sent)


def refund_key(order_number: str, reason_ref: str) -> str:
    """34 characters of [A-Z0-9a-f]: fits P24's refundsUuid (<= 35) and PayU's extRefundId."""
    return "ZW" + hashlib.sha256(f"{order_number}|{reason_ref}".encode()).hexdigest()[:32]


def request_refund(
    order_number: str,
    amount: int,
    reason_ref: str,
    ctx: Context,
    fresh: bool = False,
) -> Effect:
    """Refund `amount` grosze of an order paid through PayU or Przelewy24; the Effect's data["refund"]
    is the RefundRequest.

    Raises NotRefundable, and ProviderError when the provider refuses or cannot be reached (`retryable`
    says whether the same call may succeed later: calling again with the same reason_ref is safe)."""
    key = refund_key(order_number, reason_ref)
    item = store.get_state(order_number)
    if item is None:
        raise OrderNotFound()
    state = PaymentState.from_item(item)
    if key in state.refunds:
        known = state.refunds[key]
        return Effect(
            "known",
            data={"refund": RefundRequest(key, state.provider or "", known["amount"], known["status"])},
        )
    if state.provider not in PROVIDERS or not state.payment_id or not 0 < amount <= state.refundable:
        raise NotRefundable()
    refund_id = _send(state, key, amount, ctx)
    decision = rules.on_refund_requested(state, key, amount, refund_id, rules.Context(ctx.now, "", ""))
    effect = Effect("requested", data={"refund": RefundRequest(key, state.provider, amount, "requested")})
    if decision.writes:  # else the refund notification came first and recorded it
        effect.write(store.state_update(decision.state, state.rev, ctx.now), Guard.CONFLICT)
        effect.write(
            store.marker(order_number, state.provider, f"refund-request:{key}", ctx.now), Guard.DUPLICATE
        )
        effect.line(order_number, decision.timeline)
    return effect


def _send(state: PaymentState, key: str, amount: int, ctx: Context) -> str | None:
    """The provider call. PayU answers with its refundId (its notification names only that);
    P24 assigns none, its notification carries our refundsUuid."""
    description = f"Zwrot, zamówienie {state.order_number}"[:35]  # P24: <= 35, in the transfer title
    payment_id = state.payment_id or ""
    if state.provider == "payu":
        answer = payment_clients.payu_client().create_refund(payment_id, amount, key, description)
        refund = answer.get("refund") if isinstance(answer.get("refund"), dict) else {}
        return str(refund["refundId"]) if refund.get("refundId") else None
    base = ctx.settings.public_base_url.rstrip("/")
    client = payment_clients.p24_client()
    try:
        client.refund(
            int(payment_id),
            state.payment_ref or state.order_number,  # the session the paid transaction was registered as
            amount,
            key,
            description,
            url_status=f"{base}/webhooks/payments/przelewy24" if base else None,
        )
    finally:
        client.close()
    return None


def refund_case(command: Command, ctx: Context, fresh: bool) -> Effect:
    """An accepted case's refund (a withdrawal, minus any deduction; an accepted complaint's price
    reduction or refund) through the provider the customer paid with, and the case moved to "zwrot
    pieniędzy zlecony" in the same commit; the refund clock's finance ticket is solved with it (UPK art.
    32: the refund is ordered). Paid another way: a note for finance to transfer the money and confirm
    it. A provider that refuses: the same note with the reason; one that cannot be reached: the command
    is retried."""
    rma = command.payload["rma"]
    case = case_store.get(rma)
    if case is None:
        raise CaseNotFound()
    if CaseStatus(case["status"]) is not CaseStatus.ACCEPTED:
        return Effect("nothing")  # ordered already
    number, amount = case["order_number"], int(case["refund_amount"])
    try:
        effect = request_refund(number, amount, f"case:{rma}", ctx, fresh)
    except NotRefundable:  # not paid through PayU or Przelewy24 (cash on delivery, a bank transfer)
        text = refund_ticket_text(case)
        if not case.get("bank_account"):
            how = "Operator płatności nie zwróci tej płatności: przelej pieniądze klientowi."
            how += " " + legal.transfer_confirmation_hint(rma)
            text = legal.TicketText(text.subject, f"{text.note} {how}")
        return Effect("transfer").follow(refund_follow_up(case, text, f"transfer:{rma}", ctx.now))
    except ProviderError as exc:
        if exc.retryable:
            raise
        text = refund_ticket_text(case)
        failed = legal.TicketText(text.subject, f"{text.note} {legal.refund_failed_note(str(exc), rma)}")
        return Effect("refund_failed").follow(refund_follow_up(case, failed, f"failed:{rma}", ctx.now))
    refund = effect.data["refund"]
    move = _case_move(case, ctx, changes={"refund_ref": refund.key}, cod=False)
    if move:
        effect.write(case_store.moved(case, move.status.value, move.fields, ctx.now))
        effect.line(number, [move.entry] if move.entry else []).send([move.message])
    note = legal.TicketText("", legal.refund_ordered_note(amount, provider_pl(refund.provider)))
    return effect.follow(refund_follow_up(case, note, f"ordered:{rma}", ctx.now, solve=True))


def _case_move(case: dict[str, Any], ctx: Context, **kwargs: Any) -> CaseMove | None:
    number = case["order_number"]
    view = order_store.load_view(number)
    return case_move(
        case,
        CaseStatus.REFUND_ORDERED,
        email=view.order.get("email", "") if view else "",
        status_url=ctx.status_url(number),
        shop_name=ctx.shop_name,
        now=ctx.now,
        **kwargs,
    )


def confirm_transfer(rma: str, transferred_on: date, ctx: Context, fresh: bool = False) -> Effect:
    """Finance confirms the bank transfer it made for an accepted case's refund (cash on delivery, a
    provider that could not refund): the case moves to "zwrot pieniędzy zlecony" (the customer is told,
    with the method), the order's payment state records the refund as done, and the refund clock's
    ticket is solved: the legal deadline is kept when `transferred_on` is within it. Raises
    InvalidPayload for a case with nothing to transfer or a date that cannot be."""
    case = case_store.get(rma)
    if case is None:
        raise CaseNotFound()
    if fresh:
        case = case_store.get_current(case["order_number"], rma) or case
    if CaseStatus(case["status"]) is not CaseStatus.ACCEPTED or not case.get("refund_amount"):
        raise InvalidPayload("the case has no accepted refund waiting for a transfer")
    today = day(ctx.now)
    if not day(case["received_at"]) <= transferred_on <= today:
        raise InvalidPayload("the transfer's date is between the case's submission and today")
    number, amount, key = case["order_number"], int(case["refund_amount"]), f"transfer:{rma}"
    changes = {"refund_ref": key, "refund_transferred_on": transferred_on.isoformat()}
    move = _case_move(case, ctx, changes=changes, cod=True)
    if move is None:
        raise InvalidPayload("the case has no accepted refund waiting for a transfer")
    effect = Effect(move.status.value, data={"case_id": rma})
    effect.write(case_store.moved(case, move.status.value, move.fields, ctx.now))
    effect.line(number, [move.entry] if move.entry else []).send([move.message])
    item = store.get_state(number)
    if item is not None:
        state = PaymentState.from_item(item)
        at = datetime.combine(transferred_on, time(12), tzinfo=WARSAW)
        decision = rules.on_refund_transferred(state, key, amount, at, rules.Context(ctx.now, "", ""))
        if decision.writes:
            effect.write(store.state_update(decision.state, state.rev, ctx.now), Guard.CONFLICT)
            effect.line(number, decision.timeline)
    note = legal.TicketText("", legal.refund_transferred_note(amount, transferred_on))
    return effect.follow(refund_follow_up(case, note, f"transferred:{rma}", ctx.now, solve=True))
