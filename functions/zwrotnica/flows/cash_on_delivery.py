"""Cash on delivery: the courier delivered a COD parcel, so the customer paid it. The order is marked
paid (collected on delivery) with its own timeline line: a follow-up command of the courier event's
commit, decided in domain.payments like every payment-state change (conditional on the state's revision,
once per parcel)."""

from __future__ import annotations

from datetime import datetime

from zwrotnica.context import Context
from zwrotnica.domain import payments as rules
from zwrotnica.domain.payments import COD_PROVIDER, PaymentState
from zwrotnica.effect import Effect, Guard
from zwrotnica.models.command import Command
from zwrotnica.store import payments as store


def record_collected(command: Command, ctx: Context, fresh: bool) -> Effect:
    """The order's payment state: paid, collected on delivery (nothing when it was paid already, or is
    not a cash-on-delivery order)."""
    payload = command.payload
    number = payload["order_number"]
    item = store.get_state(number)
    if item is None:
        return Effect("nothing")
    state = PaymentState.from_item(item)
    at = datetime.fromisoformat(payload["at"].replace("Z", "+00:00"))
    decision = rules.on_cod_collected(
        state, int(payload["amount"]), payload["parcel"], at, rules.Context(ctx.now, "", "")
    )
    if not decision.writes:
        return Effect("ignored")
    effect = Effect("collected", data={"order_number": number})
    effect.write(store.state_update(decision.state, state.rev, ctx.now), Guard.CONFLICT)
    effect.write(
        store.marker(number, COD_PROVIDER, f"collected:{payload['parcel']}", ctx.now), Guard.DUPLICATE
    )
    return effect.line(number, decision.timeline)
