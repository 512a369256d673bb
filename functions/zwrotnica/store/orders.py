"""Orders, their timelines and everything else in an order's partition."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from zwrotnica.domain.orders import OrderChange, StoredVersion, UpsertAction
from zwrotnica.models.common import iso
from zwrotnica.models.order import PaymentMethod, ShopStatus
from zwrotnica.models.outbox import OutboxMessage
from zwrotnica.store import items, outbox
from zwrotnica.store.table import client, from_item, order_pk, table_name, to_item

# Shop-owned fields: an update from the shop replaces these and nothing else (payment, shipment
# and case state belong to other flows and survive every shop update).
SHOP_FIELDS = (
    "platform",
    "shop_status",
    "customer_name",
    "email",
    "phone",
    "delivery",
    "items",
    "total",
    "currency",
    "payment_method",
    "marketing_consent",
    "shipments",
    "created_at",
)


def get_version(number: str) -> StoredVersion | None:
    """One strongly consistent read of the order's version and status (the whole decision needs)."""
    item = (
        client()
        .get_item(
            TableName=table_name(),
            Key=to_item({"pk": order_pk(number), "sk": "ORDER"}),
            ProjectionExpression="version, shop_status",
            ConsistentRead=True,
        )
        .get("Item")
    )
    if not item:
        return None
    data = from_item(item)
    return StoredVersion(version=data["version"], status=ShopStatus(data["shop_status"]))


def upsert(change: OrderChange, now: datetime) -> dict[str, Any]:
    """The order's shop fields, conditional on the version read: a concurrent or replayed writer fails
    (Guard.CONFLICT: read the version again) instead of overwriting a newer version."""
    order = change.order
    dumped = order.model_dump(mode="json")
    sets: dict[str, Any] = {name: dumped[name] for name in SHOP_FIELDS if dumped.get(name) is not None}
    sets |= {
        "shop_status": dumped["status"],
        "version": order.version(),
        "updated_at": iso(now),
        "number": order.number,
        "type": "order",
        # None: a phone or e-mail the shop removed (or never had: a phone order) is removed here too
        "phone": dumped.get("phone"),
        "email": dumped.get("email"),
    }
    pay = "cod" if order.payment_method is PaymentMethod.COD else "pending"
    create = change.action is UpsertAction.CREATE
    return items.update(
        items.key(order_pk(order.number), "ORDER"),
        sets,
        raw_set=(
            "#received_at = if_not_exists(#received_at, :now)",
            "#payment_status = if_not_exists(#payment_status, :pay)",
        ),
        condition="attribute_not_exists(pk)" if create else "#version < :version",
        names={"#received_at": "received_at", "#payment_status": "payment_status"},
        values={":now": iso(now), ":pay": pay},
    )


def possession(order_number: str, at: datetime) -> dict[str, Any]:
    """The customer holds a parcel of the order since `at` (the withdrawal window's start): only a later
    date replaces a stored one, so guard it OPTIONAL (a later parcel already taken keeps its date)."""
    return items.update(
        items.key(order_pk(order_number), "ORDER"),
        {"possessed_at": iso(at)},
        condition="attribute_exists(pk) AND "
        "(attribute_not_exists(#possessed_at) OR #possessed_at < :possessed_at)",
    )


@dataclass
class OrderView:
    """Everything in an order's partition, read with one query."""

    order: dict[str, Any]
    timeline: list[dict[str, Any]] = field(default_factory=list)
    messages: list[OutboxMessage] = field(default_factory=list)
    shipments: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)


def load_view(number: str) -> OrderView | None:
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": to_item({":pk": order_pk(number)}),
    }
    while True:
        page = client().query(**params)
        items += [from_item(i) for i in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            break
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    order = next((i for i in items if i["sk"] == "ORDER"), None)
    if order is None:
        return None
    view = OrderView(order=order)
    for item in items:
        kind = item.get("type")
        if kind == "timeline":
            view.timeline.append(item)
        elif kind == "message":
            view.messages.append(outbox.loaded(item))
        elif kind == "shipment":
            view.shipments.append(item)
        elif kind == "case":
            view.cases.append(item)
    return view
