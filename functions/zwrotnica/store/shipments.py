"""Shipments in DynamoDB: an order's parcels and their events (item builders and reads).

ORDER#{n} / SHIPMENT#{carrier}#{number}     a shipment; gsi1pk SHIP#{carrier}#{number}, gsi1sk SHIPMENT;
                                            queue "silent" / due_at while it could go silent
ORDER#{n} / T#{at}#shipment#{c}:{no}:{code}  one courier event (timeline line and dedup marker in one)
Events for numbers no order named yet: store/unmatched.py. Poll items of polled carriers: store/polling.py.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from zwrotnica.domain.polling import POLLED
from zwrotnica.models.common import iso
from zwrotnica.models.order import PaymentMethod, ShopOrder
from zwrotnica.store import items
from zwrotnica.store import polling as poll_store
from zwrotnica.store.table import (
    client,
    from_item,
    keys_of,
    lookup_index,
    order_pk,
    query_due,
    table_name,
    to_item,
)

SILENT_QUEUE = "silent"


def lookup_key(carrier: str, number: str) -> str:
    return f"SHIP#{carrier}#{number}"


def _key(order_number: str, carrier: str, number: str) -> dict[str, Any]:
    return items.key(order_pk(order_number), f"SHIPMENT#{carrier}#{number}")


def ensure_for_order(order: ShopOrder, polled: Collection[str] | None = None) -> list[dict[str, Any]]:
    """Items for the order's commit: each named parcel gets its shipment item and lookup key, and the
    contact data messages need (one read finds the shipment and whom to tell).

    A parcel of a carrier we poll (DHL, Poczta Polska, ORLEN) whose credentials are set (`polled`; None:
    read from the secret) also gets its poll item, due at once: nobody else would ever ask about it.
    Its time is the shop's modification time of this order version (no clock in the store); an order
    update leaves a scheduled parcel's poll item as it is."""
    refs = list(dict.fromkeys(order.shipments))  # one operation per item in a transaction
    if polled is None:
        polled = _polled_with_credentials() if any(r.carrier in POLLED for r in refs) else frozenset()
    found = []
    for ref in refs:
        sets = {
            "type": "shipment",
            "carrier": ref.carrier,
            "tracking_number": ref.tracking_number,
            "gsi1pk": lookup_key(ref.carrier, ref.tracking_number),
            "gsi1sk": "SHIPMENT",
            "email": order.email,
            "phone": order.phone,
            "marketing_consent": order.marketing_consent,
            # Cash on delivery: what the customer pays the courier (the messages say it; delivered, the
            # order is paid). None removes it when the shop changes the payment method.
            "cod_amount": order.total if order.payment_method is PaymentMethod.COD else None,
            "currency": order.currency,
            "delivery_method": order.delivery.method.value,
            "point_id": order.delivery.point_id,
        }
        found.append(items.update(_key(order.number, ref.carrier, ref.tracking_number), sets))
        if ref.carrier in POLLED and ref.carrier in polled:
            found.append(poll_store.ensure(ref.carrier, ref.tracking_number, order.modified_at))
    return found


def _polled_with_credentials() -> frozenset[str]:
    """Polled carriers whose credentials are in the secret (cached per container; the order webhook has
    just read it to verify the delivery). No credentials: not polled, no poll items."""
    from zwrotnica.providers.carrier_tracking import with_credentials
    from zwrotnica.secrets import get_secrets

    return with_credentials(get_secrets()) & frozenset(POLLED)


def find(carrier: str, number: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(the order's shipment, the holder of unmatched events' index entry): one query on the lookup
    index, which holds their keys only (a courier event rewrites the shipment, and an index that held
    its attributes would be written with it every time), then one consistent GetItem of the shipment."""
    page = client().query(
        TableName=table_name(),
        IndexName=lookup_index(),
        KeyConditionExpression="gsi1pk = :k",
        ExpressionAttributeValues=to_item({":k": lookup_key(carrier, number)}),
    )
    found = page.get("Items", [])
    entry = next((i for i in found if i.get("gsi1sk", {}).get("S") == "SHIPMENT"), None)
    holder = next((from_item(i) for i in found if i.get("gsi1sk", {}).get("S") == "UNMATCHED"), None)
    if entry is None:
        return None, holder
    answer = client().get_item(TableName=table_name(), Key=keys_of(entry), ConsistentRead=True)
    return (from_item(answer["Item"]) if "Item" in answer else None), holder


def get(order_number: str, carrier: str, number: str) -> dict[str, Any] | None:
    item = (
        client()
        .get_item(TableName=table_name(), Key=_key(order_number, carrier, number), ConsistentRead=True)
        .get("Item")
    )
    return from_item(item) if item else None


def event_update(
    order_number: str, carrier: str, number: str, changes: dict[str, Any], seen_rev: int
) -> dict[str, Any]:
    """The shipment's new attributes (None removes), conditional on the revision the decision read."""
    first = seen_rev == 0
    return items.update(
        _key(order_number, carrier, number),
        changes | {"rev": seen_rev + 1},
        condition="attribute_exists(pk) AND " + ("attribute_not_exists(#rev)" if first else "#rev = :seen"),
        values=None if first else {":seen": seen_rev},
    )


def return_shipment(order_number: str, carrier: str, number: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A parcel going back (InPost ZDN's new number, a customer's return): found by its tracking number."""
    sets = {
        "type": "shipment",
        "carrier": carrier,
        "tracking_number": number,
        "gsi1pk": lookup_key(carrier, number),
        "gsi1sk": "SHIPMENT",
        "is_return": True,
    } | fields
    return items.update(_key(order_number, carrier, number), sets)


def due_silent(now: datetime, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """Shipments whose silence threshold has passed (sparse index: only shipments that can go silent)."""
    return query_due(SILENT_QUEUE, iso(now), limit)


def silent_flagged(item: dict[str, Any], now: datetime, notified: bool) -> dict[str, Any]:
    """Out of the silent queue, once: conditional on the due time read (an overlapping sweep loses)."""
    sets: dict[str, Any] = {"silent_flagged_at": iso(now)}
    if notified:
        sets["silent_notified"] = True
    return items.update(
        items.key(item["pk"], item["sk"]),  # the key as stored (an order number's old or new spelling)
        sets,
        remove=("queue", "due_at"),
        condition="#due_at = :seen",
        values={":seen": item["due_at"]},
    )


def silent_rescheduled(item: dict[str, Any], due: datetime) -> dict[str, Any]:
    """The silent clock moved to the last event's due time, conditional on the time read (an overlapping
    sweep, or an event that moved it meanwhile, wins)."""
    return items.update(
        items.key(item["pk"], item["sk"]),
        {"due_at": iso(due)},
        condition="#due_at = :seen",
        values={":seen": item["due_at"]},
    )


def outbound_keys(order_number: str) -> list[dict[str, Any]]:
    """Keys of the order's outbound parcels (not returns): one query, keys only."""
    page = client().query(
        TableName=table_name(),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :s)",
        ExpressionAttributeValues=to_item({":pk": order_pk(order_number), ":s": "SHIPMENT#"}),
        ProjectionExpression="pk, sk, is_return",
    )
    return [
        {"pk": item["pk"], "sk": item["sk"]}
        for item in page.get("Items", [])
        if not from_item(item).get("is_return")
    ]


def paused_ticket(key: dict[str, Any], ticket_id: str | None) -> dict[str, Any]:
    """Mark (or, with None, unmark) a parcel with the ticket waiting on the courier, so the next
    courier event, which reads the parcel anyway, knows to resume it at no extra read."""
    return items.update(key, {"paused_ticket": ticket_id})
