"""Shipments in DynamoDB: an order's parcels, their events, and events still waiting for their order.

ORDER#{n} / SHIPMENT#{carrier}#{number}     a shipment; gsi1pk SHIP#{carrier}#{number}, gsi1sk SHIPMENT;
                                            queue "silent" / due_at while it could go silent
ORDER#{n} / T#{at}#shipment#{c}:{no}:{code}  one courier event (timeline line and dedup marker in one)
UNMATCHED#SHIP#{c}#{no} / SHIPMENT          events for a number no order named yet (gsi1sk UNMATCHED)
UNMATCHED#SHIP#{c}#{no} / EVT#{at}#{code}   one such event (TTL)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from zwrotnica.errors import ConcurrentUpdate
from zwrotnica.models.common import iso
from zwrotnica.models.order import ShopOrder
from zwrotnica.models.outbox import OutboxMessage
from zwrotnica.models.timeline import TimelineEntry
from zwrotnica.models.tracking import TrackingEvent
from zwrotnica.store import orders as order_store
from zwrotnica.store import outbox
from zwrotnica.store.table import (
    LOOKUP_INDEX,
    cancellation_codes,
    client,
    from_item,
    order_pk,
    query_due,
    table_name,
    to_item,
)

SILENT_QUEUE = "silent"


def lookup_key(carrier: str, number: str) -> str:
    return f"SHIP#{carrier}#{number}"


def _key(order_number: str, carrier: str, number: str) -> dict[str, Any]:
    return to_item({"pk": order_pk(order_number), "sk": f"SHIPMENT#{carrier}#{number}"})


def update_item(
    key: dict[str, Any],
    sets: dict[str, Any],
    *,
    remove: tuple[str, ...] = (),
    condition: str | None = None,
    values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An Update transaction item: `sets` values of None are removed, every name goes through #names."""
    kept = {k: v for k, v in sets.items() if v is not None}
    removed = [*remove, *(k for k, v in sets.items() if v is None)]
    expression = "SET " + ", ".join(f"#{k} = :{k}" for k in kept)
    if removed:
        expression += " REMOVE " + ", ".join(f"#{k}" for k in removed)
    update = {
        "TableName": table_name(),
        "Key": key,
        "UpdateExpression": expression,
        "ExpressionAttributeNames": {f"#{k}": k for k in (*kept, *removed)},
        "ExpressionAttributeValues": to_item({f":{k}": v for k, v in kept.items()} | (values or {})),
    }
    if condition:
        update["ConditionExpression"] = condition
    return {"Update": update}


def ensure_for_order(order: ShopOrder) -> list[dict[str, Any]]:
    """Transaction items for the order's write: each named parcel gets its shipment item and lookup key,
    and the contact data messages need (one read finds the shipment and whom to tell)."""
    items = []
    for ref in dict.fromkeys(order.shipments):  # one operation per item in a transaction
        sets = {
            "type": "shipment",
            "carrier": ref.carrier,
            "tracking_number": ref.tracking_number,
            "gsi1pk": lookup_key(ref.carrier, ref.tracking_number),
            "gsi1sk": "SHIPMENT",
            "email": order.email,
            "phone": order.phone,
            "marketing_consent": order.marketing_consent,
            "delivery_method": order.delivery.method.value,
            "point_id": order.delivery.point_id,
        }
        items.append(update_item(_key(order.number, ref.carrier, ref.tracking_number), sets))
    return items


def find(carrier: str, number: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(the order's shipment, the holder of unmatched events): one query on the lookup index."""
    page = client().query(
        TableName=table_name(),
        IndexName=LOOKUP_INDEX,
        KeyConditionExpression="gsi1pk = :k",
        ExpressionAttributeValues=to_item({":k": lookup_key(carrier, number)}),
    )
    items = [from_item(i) for i in page.get("Items", [])]
    shipment = next((i for i in items if i.get("gsi1sk") == "SHIPMENT"), None)
    return shipment, next((i for i in items if i.get("gsi1sk") == "UNMATCHED"), None)


def get(order_number: str, carrier: str, number: str) -> dict[str, Any] | None:
    item = (
        client()
        .get_item(TableName=table_name(), Key=_key(order_number, carrier, number), ConsistentRead=True)
        .get("Item")
    )
    return from_item(item) if item else None


@dataclass
class EventWrite:
    """One courier event's whole effect, written in one transaction or not at all."""

    order_number: str
    event: TrackingEvent
    entry: TimelineEntry
    seen_rev: int | None  # the shipment's revision we decided on; None: timeline line only
    changes: dict[str, Any] = field(default_factory=dict)  # shipment attributes to set (None removes)
    possessed_at: datetime | None = None
    return_shipment: dict[str, Any] | None = None  # InPost ZDN: the parcel's new number, a shipment too
    messages: list[OutboxMessage] = field(default_factory=list)


def write_event(w: EventWrite) -> bool:
    """False when this exact event was already stored (the marker's condition failed): a no-op."""
    roles = ["marker"]
    items: list[dict[str, Any]] = [order_store.timeline_put(w.order_number, w.entry)]
    if w.seen_rev is not None:
        key = _key(w.order_number, w.event.carrier, w.event.tracking_number)
        first = w.seen_rev == 0
        roles.append("shipment")
        items.append(
            update_item(
                key,
                w.changes | {"rev": w.seen_rev + 1},
                condition="attribute_exists(pk) AND "
                + ("attribute_not_exists(#rev)" if first else "#rev = :seen"),
                values=None if first else {":seen": w.seen_rev},
            )
        )
    if w.possessed_at is not None:
        roles.append("possession")
        items.append(
            update_item(
                to_item({"pk": order_pk(w.order_number), "sk": "ORDER"}),
                {"possessed_at": iso(w.possessed_at)},
                condition="attribute_exists(pk) AND "
                "(attribute_not_exists(#possessed_at) OR #possessed_at < :possessed_at)",
            )
        )
    if w.return_shipment:
        number = w.return_shipment["tracking_number"]
        items.append(update_item(_key(w.order_number, w.event.carrier, number), w.return_shipment))
    items += [outbox.put_new(m, inline=True) for m in w.messages]
    try:
        client().transact_write_items(TransactItems=items)
        return True
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        failed = {r: code for r, code in zip(roles, cancellation_codes(exc), strict=False) if code != "None"}
    if failed.get("marker") == "ConditionalCheckFailed":
        return False
    if failed == {"possession": "ConditionalCheckFailed"}:
        w.possessed_at = None  # another parcel of the order was taken later: its date stays
        return write_event(w)
    raise ConcurrentUpdate(f"shipment write lost a race: {sorted(failed) or 'conflict'}")


def due_silent(now: datetime, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """Shipments whose silence threshold has passed (sparse index: only shipments that can go silent)."""
    return query_due(SILENT_QUEUE, iso(now), limit)


def flag_silent(item: dict[str, Any], now: datetime, messages: list[OutboxMessage]) -> bool:
    """Take a due shipment out of the silent queue, once (an overlapping sweep loses: False)."""
    sets: dict[str, Any] = {"silent_flagged_at": iso(now)}
    if messages:
        sets["silent_notified"] = True
    update = update_item(
        _key(item["pk"].removeprefix("ORDER#"), item["carrier"], item["tracking_number"]),
        sets,
        remove=("queue", "due_at"),
        condition="#due_at = :seen",
        values={":seen": item["due_at"]},
    )
    try:
        client().transact_write_items(
            TransactItems=[update, *[outbox.put_new(m, inline=True) for m in messages]]
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "TransactionCanceledException":
            return False
        raise
    return True


def register_return(order_number: str, carrier: str, number: str, case_id: str) -> None:
    """A customer's return parcel: found by its tracking number, it moves the case, not the order."""
    client().transact_write_items(
        TransactItems=[
            update_item(
                _key(order_number, carrier, number),
                {
                    "type": "shipment",
                    "carrier": carrier,
                    "tracking_number": number,
                    "is_return": True,
                    "origin": "customer_return",
                    "case_id": case_id,
                    "gsi1pk": lookup_key(carrier, number),
                    "gsi1sk": "SHIPMENT",
                },
            )
        ]
    )


def set_paused_ticket(order_number: str, ticket_id: str | None) -> int:
    """Mark (or, with None, unmark) the order's outbound parcels with a ticket waiting on the courier,
    so the next courier event, which reads the parcel anyway, knows to resume it at no extra read."""
    page = client().query(
        TableName=table_name(),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :s)",
        ExpressionAttributeValues=to_item({":pk": order_pk(order_number), ":s": "SHIPMENT#"}),
        ProjectionExpression="pk, sk, is_return",
    )
    marked = 0
    for item in page.get("Items", []):
        if from_item(item).get("is_return"):
            continue
        params: dict[str, Any] = {"TableName": table_name(), "Key": {"pk": item["pk"], "sk": item["sk"]}}
        if ticket_id:
            params |= {
                "UpdateExpression": "SET paused_ticket = :t",
                "ExpressionAttributeValues": to_item({":t": ticket_id}),
            }
        else:
            params["UpdateExpression"] = "REMOVE paused_ticket"
        client().update_item(**params)
        marked += 1
    return marked
