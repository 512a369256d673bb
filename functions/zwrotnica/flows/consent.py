"""Marketing consent withdrawn with one click (the unsubscribe link and List-Unsubscribe header of every
marketing e-mail, RFC 8058): as easy as giving it (RODO art. 7 ust. 3). Recorded on the order and its
parcels (what composes the next message reads) and for the e-mail address (what the sender checks
before any marketing e-mail, for every order of that address); pending marketing messages of the order
are withdrawn in the same commit."""

from __future__ import annotations

from zwrotnica.context import Context
from zwrotnica.effect import Effect, Guard
from zwrotnica.errors import OrderNotFound
from zwrotnica.models.outbox import MessageKind, OutboxStatus
from zwrotnica.models.timeline import TimelineEntry
from zwrotnica.observability import logger, metrics
from zwrotnica.store import consent as consent_store
from zwrotnica.store import orders as order_store
from zwrotnica.store import outbox as outbox_store

WITHDRAWN_PL = "Zgoda na informacje handlowe wycofana: nie wyślemy Ci już żadnej informacji handlowej."


def withdraw_marketing(order_number: str, ctx: Context, fresh: bool = False) -> Effect:
    """The consent given with `order_number` (and every order of its e-mail address) withdrawn, now. A
    second click changes nothing (outcome "already")."""
    view = order_store.load_view(order_number)
    if view is None:
        raise OrderNotFound()
    if view.order.get("marketing_withdrawn_at"):
        return Effect("already", data={"order_number": order_number})
    effect = Effect("withdrawn", data={"order_number": order_number})
    effect.write(consent_store.order_marked(order_number, ctx.now), Guard.DUPLICATE)
    if view.order.get("email"):
        effect.write(consent_store.withdrawal(view.order["email"], order_number, ctx.now))
    for shipment in view.shipments:
        effect.write(consent_store.marked(shipment["pk"], shipment["sk"], ctx.now), Guard.OPTIONAL)
    for message in view.messages:
        if message.kind is MessageKind.MARKETING and message.status is OutboxStatus.PENDING:
            effect.write(outbox_store.withdrawn(message, ctx.now), Guard.OPTIONAL)  # sent meanwhile: gone
    entry = TimelineEntry(at=ctx.now, kind="marketing_consent_withdrawn", ref="email", text_pl=WITHDRAWN_PL)
    effect.line(order_number, [entry])
    logger.info("marketing consent withdrawn", extra={"order_number": order_number})
    metrics.add_metric(name="MarketingConsentWithdrawn", unit="Count", value=1)
    return effect
