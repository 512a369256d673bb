"""Orders, their timelines and everything else in an order's partition."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from zwrotnica.domain.orders import OrderChange, StoredVersion, UpsertAction
from zwrotnica.errors import ConcurrentUpdate
from zwrotnica.models.common import iso
from zwrotnica.models.order import PaymentMethod, ShopStatus
from zwrotnica.models.outbox import OutboxMessage
from zwrotnica.models.timeline import TimelineEntry
from zwrotnica.store import outbox, shipments
from zwrotnica.store.table import cancellation_codes, client, from_item, order_pk, table_name, to_item

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


def timeline_put(order_number: str, entry: TimelineEntry) -> dict[str, Any]:
    data = entry.model_dump(mode="json") | {
        "pk": order_pk(order_number),
        "sk": f"T#{iso(entry.at)}#{entry.kind}#{entry.ref}",
        "type": "timeline",
    }
    return {
        "Put": {
            "TableName": table_name(),
            "Item": to_item(data),
            "ConditionExpression": "attribute_not_exists(sk)",
        }
    }


def write_change(change: OrderChange, now: datetime) -> None:
    """Order, timeline and outbox in one transaction: all of it is stored or none of it.

    The condition on the version makes a concurrent or replayed writer fail instead of overwriting.
    """
    if not change.writes:
        return
    order = change.order
    dumped = order.model_dump(mode="json")
    values = {f":{name}": dumped[name] for name in SHOP_FIELDS if name in dumped and dumped[name] is not None}
    values[":shop_status"] = dumped["status"]
    values |= {":version": order.version(), ":now": iso(now), ":number": order.number, ":type": "order"}
    values[":pay"] = "cod" if order.payment_method is PaymentMethod.COD else "pending"
    names = {
        f"#{name}": name
        for name in (
            *SHOP_FIELDS,
            "version",
            "updated_at",
            "number",
            "type",
            "received_at",
            "payment_status",
            "phone",
        )
    }
    sets = [f"#{name} = :{name}" for name in SHOP_FIELDS if f":{name}" in values]
    sets += [
        "#version = :version",
        "#updated_at = :now",
        "#number = :number",
        "#type = :type",
        "#received_at = if_not_exists(#received_at, :now)",
        "#payment_status = if_not_exists(#payment_status, :pay)",
    ]
    remove = "" if ":phone" in values else " REMOVE #phone"
    update = {
        "Update": {
            "TableName": table_name(),
            "Key": to_item({"pk": order_pk(order.number), "sk": "ORDER"}),
            "UpdateExpression": "SET " + ", ".join(sets) + remove,
            "ConditionExpression": "attribute_not_exists(pk)"
            if change.action is UpsertAction.CREATE
            else "#version < :version",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item(values),
        }
    }
    items = [update]
    items += [timeline_put(order.number, entry) for entry in change.timeline]
    items += [outbox.put_new(message, inline=True) for message in change.messages]
    items += shipments.ensure_for_order(order)  # parcels the order names: found by tracking number
    try:
        client().transact_write_items(TransactItems=items)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "TransactionCanceledException":
            raise ConcurrentUpdate(f"order write lost a race: {cancellation_codes(exc)}") from exc
        raise


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
            view.messages.append(OutboxMessage.model_validate(item))
        elif kind == "shipment":
            view.shipments.append(item)
        elif kind == "case":
            view.cases.append(item)
    return view
