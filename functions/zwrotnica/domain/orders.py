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


class UpsertAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DUPLICATE = "duplicate"  # the same version again: a provider retry
    STALE = "stale"  # older than what we hold: arrived out of order


@dataclass(frozen=True)
class StoredVersion:
    version: str
    status: ShopStatus


@dataclass(frozen=True)
class OrderChange:
    action: UpsertAction
    order: ShopOrder
    timeline: list[TimelineEntry] = field(default_factory=list)
    messages: list[OutboxMessage] = field(default_factory=list)

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
        return OrderChange(
            UpsertAction.CREATE,
            incoming,
            timeline=[
                TimelineEntry(
                    at=incoming.created_at,
                    kind="order_received",
                    ref="received",
                    text_pl="Przyjęliśmy zamówienie.",
                )
            ],
            messages=[_order_received_email(incoming, now, status_url, shop_name)],
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


def _order_received_email(order: ShopOrder, now: datetime, status_url: str, shop_name: str) -> OutboxMessage:
    message = compose.email(
        dedup_key=f"order:{order.number}:received",
        order_number=order.number,
        recipient=order.email,
        template="order_received",
        content=templates.order_received(order, status_url, shop_name),
        now=now,
    )
    assert message is not None  # transactional, and the order always has an e-mail
    return message
