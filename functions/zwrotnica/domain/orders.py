"""What a shop's order event changes: pure decision, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from zwrotnica.messages import compose, templates
from zwrotnica.models.order import ShopOrder, ShopStatus
from zwrotnica.models.outbox import OutboxMessage
from zwrotnica.models.timeline import TimelineEntry

# The status as a label under "Status" on the page: adjectives agree with "zamówienie" (neuter).
SHOP_STATUS_PL = {
    ShopStatus.PENDING_PAYMENT: "Czeka na płatność",
    ShopStatus.PROCESSING: "W realizacji",
    ShopStatus.ON_HOLD: "Wstrzymane",
    ShopStatus.COMPLETED: "Zrealizowane",
    ShopStatus.CANCELLED: "Anulowane",
    ShopStatus.REFUNDED: "Pieniądze zwrócone",
    ShopStatus.FAILED: "Płatność nieudana",
}


# The same change as a timeline sentence.
SHOP_STATUS_SENTENCE_PL = {
    ShopStatus.PENDING_PAYMENT: "Zamówienie czeka na płatność.",
    ShopStatus.PROCESSING: "Zamówienie jest w realizacji.",
    ShopStatus.ON_HOLD: "Realizacja zamówienia została wstrzymana.",
    ShopStatus.COMPLETED: "Zamówienie zostało zrealizowane.",
    ShopStatus.CANCELLED: "Zamówienie zostało anulowane.",
    ShopStatus.REFUNDED: "Pieniądze za zamówienie zostały zwrócone.",
    ShopStatus.FAILED: "Płatność za zamówienie nie powiodła się.",
}


# Metric names the orders flow emits for an order confirmed by SMS (no e-mail), or not at all (no e-mail,
# no Polish mobile): how many customers the shop cannot reach is worth a graph.
RECEIVED_BY_SMS_METRIC = "OrderReceivedBySms"
RECEIVED_NOT_SENT_METRIC = "OrderReceivedNotSent"


class UpsertAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DUPLICATE = "duplicate"  # the same version again: a provider retry
    STALE = "stale"  # older than what we hold: arrived out of order


@dataclass(frozen=True)
class StoredVersion:
    version: str
    status: ShopStatus
    shop_ids: tuple[str | None, str | None] = (None, None)  # the platform's order and cart ids stored
    # A fingerprint of the order's CONTACT digests as last written (store.orders.contact_mark); None
    # for an order stored before them, or whose contact data was erased.
    contact_mark: str | None = None

    def indexes(self, order: ShopOrder) -> bool:
        """The stored order's platform ids are the incoming version's: their index needs no write."""
        return self.shop_ids == (order.shop_order_id, order.cart_id)


@dataclass(frozen=True)
class OrderChange:
    action: UpsertAction
    order: ShopOrder
    timeline: list[TimelineEntry] = field(default_factory=list)
    messages: list[OutboxMessage] = field(default_factory=list)
    metrics: tuple[str, ...] = ()  # metric names (count 1 each) for the flow to emit after the commit

    @property
    def writes(self) -> bool:
        return self.action in (UpsertAction.CREATE, UpsertAction.UPDATE)


def apply_shop_order(
    stored: StoredVersion | None, incoming: ShopOrder, *, now: datetime, status_url: str, shop_name: str
) -> OrderChange:
    """Decide what an incoming order version does to the stored one.

    Versions are the platform's modification times: a retry of the same version is a no-op and an
    older version never overwrites a newer one, so webhooks are safe in any order.
    """
    if stored is None:
        received = TimelineEntry(
            at=incoming.created_at, kind="order_received", ref="received", text_pl="Przyjęliśmy zamówienie."
        )
        messages, notes, metrics = _order_received(incoming, now, status_url, shop_name)
        return OrderChange(
            UpsertAction.CREATE, incoming, timeline=[received, *notes], messages=messages, metrics=metrics
        )
    if incoming.version() == stored.version:
        return OrderChange(UpsertAction.DUPLICATE, incoming)
    if incoming.version() < stored.version:
        return OrderChange(UpsertAction.STALE, incoming)
    timeline = []
    if incoming.status is not stored.status:
        timeline.append(
            TimelineEntry(
                at=incoming.modified_at,
                kind="order_status_changed",
                ref=incoming.status.value,
                text_pl=SHOP_STATUS_SENTENCE_PL[incoming.status],
                data={"from": stored.status.value, "to": incoming.status.value},
            )
        )
    return OrderChange(UpsertAction.UPDATE, incoming, timeline=timeline)


def _order_received(
    order: ShopOrder, now: datetime, status_url: str, shop_name: str
) -> tuple[list[OutboxMessage], list[TimelineEntry], tuple[str, ...]]:
    """The confirmation by e-mail; without a usable e-mail by SMS to a Polish mobile; without either,
    no message, a line on the timeline saying so and a metric. Phone orders, marketplace orders with a
    masked address and B2B orders are stored all the same."""
    common = {"dedup_key": f"order:{order.number}:received", "order_number": order.number, "now": now}
    email = compose.email(
        recipient=order.email or "",
        template="order_received",
        content=templates.order_received(order, status_url, shop_name),
        **common,
    )
    if email is not None:
        return [email], [], ()
    text = templates.order_received_sms(order, status_url)
    sms = compose.sms(phone=order.phone, template="order_received", text=text, **common) if text else None
    if sms is not None:
        return [sms], [], (RECEIVED_BY_SMS_METRIC,)
    note = TimelineEntry(
        at=order.created_at,
        kind="order_received_not_sent",
        ref="no_contact",
        text_pl="Nie wysłaliśmy potwierdzenia zamówienia: brak adresu e-mail i polskiego numeru komórkowego.",
    )
    return [], [note], (RECEIVED_NOT_SENT_METRIC,)
