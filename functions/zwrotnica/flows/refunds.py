"""Refunds through the provider the order was paid with (used by the returns flow).

Our idempotency key is derived from the caller's reason (e.g. the RMA), so a retried refund carries the
same PayU extRefundId / P24 requestId and refundsUuid and is never paid twice; a refund already recorded
on the order is not sent again at all. The refund stays pending on the order until the provider's
refund notification says it is done (flows.payments).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from zwrotnica.domain import payments as rules
from zwrotnica.domain.payments import Context, PaymentState
from zwrotnica.errors import ConcurrentUpdate, NotRefundable, OrderNotFound
from zwrotnica.flows import payments as payment_flow
from zwrotnica.observability import logger, metrics
from zwrotnica.settings import get_settings
from zwrotnica.store import payments as store

PROVIDERS = ("payu", "przelewy24")


@dataclass(frozen=True)
class RefundRequest:
    key: str  # PayU extRefundId, P24 requestId and refundsUuid
    provider: str
    amount: int
    status: str  # requested (sent now); pending, done or rejected (known before: nothing sent)


def refund_key(order_number: str, reason_ref: str) -> str:
    """34 characters of [A-Z0-9a-f]: fits P24's refundsUuid (<= 35) and PayU's extRefundId."""
    return "ZW" + hashlib.sha256(f"{order_number}|{reason_ref}".encode()).hexdigest()[:32]


def request_refund(order_number: str, amount: int, reason_ref: str, now: datetime) -> RefundRequest:
    """Refund `amount` grosze of an order paid through PayU or Przelewy24.

    Raises ProviderError when the provider refuses or cannot be reached (`retryable` says whether the
    same call may succeed later: calling again with the same reason_ref is always safe).
    """
    key = refund_key(order_number, reason_ref)
    item = store.get_state(order_number)
    if item is None:
        raise OrderNotFound()
    state = PaymentState.from_item(item)
    if key in state.refunds:
        return RefundRequest(
            key, state.provider or "", state.refunds[key]["amount"], state.refunds[key]["status"]
        )
    if state.provider not in PROVIDERS or not state.payment_id or not 0 < amount <= state.refundable:
        raise NotRefundable()
    refund_id = _send(state, key, amount)
    for attempt in range(2):
        decision = rules.on_refund_requested(state, key, amount, refund_id, Context(now, "", ""))
        if not decision.writes:
            break  # the refund notification came first and recorded it
        try:
            store.write(decision, state, (state.provider, f"refund-request:{key}"), now)
            break
        except ConcurrentUpdate:
            if attempt:
                raise
            state = PaymentState.from_item(store.get_state(order_number) or item)
    logger.info("refund requested", extra={"provider": state.provider, "amount": amount})
    metrics.add_metric(name="RefundRequested", unit="Count", value=1)
    return RefundRequest(key, state.provider, amount, "requested")


def _send(state: PaymentState, key: str, amount: int) -> str | None:
    """The provider call. PayU answers with its refundId (its notification names only that);
    P24 assigns none, its notification carries our refundsUuid."""
    description = f"Zwrot, zamówienie {state.order_number}"[:35]  # P24: <= 35, in the transfer title
    payment_id = state.payment_id or ""
    if state.provider == "payu":
        answer = payment_flow.payu_client().create_refund(payment_id, amount, key, description)
        refund = answer.get("refund") if isinstance(answer.get("refund"), dict) else {}
        return str(refund["refundId"]) if refund.get("refundId") else None
    base = get_settings().public_base_url.rstrip("/")
    client = payment_flow.p24_client()
    try:
        client.refund(
            int(payment_id),
            state.order_number,
            amount,
            key,
            description,
            url_status=f"{base}/webhooks/payments/przelewy24" if base else None,
        )
    finally:
        client.close()
    return None
