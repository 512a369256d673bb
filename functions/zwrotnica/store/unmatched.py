"""Courier events for a tracking number no order has named yet: held, not dropped, until one does.

UNMATCHED#SHIP#{c}#{no} / SHIPMENT         the holder: gsi1pk SHIP#{c}#{no}, gsi1sk UNMATCHED (the same
                                           lookup query that finds a shipment finds it)
UNMATCHED#SHIP#{c}#{no} / EVT#{at}#{code}  one held event (TTL 60 days)
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from zwrotnica.models.common import iso
from zwrotnica.models.tracking import TrackingEvent
from zwrotnica.store import items
from zwrotnica.store.shipments import lookup_key
from zwrotnica.store.table import client, from_item, table_name, to_item

UNMATCHED_TTL = timedelta(days=60)


def keep(event: TrackingEvent, now: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the held event, its holder): items that keep an event for a number no order named yet. The
    held event's condition failing means the same delivery came again."""
    pk = f"UNMATCHED#{lookup_key(event.carrier, event.tracking_number)}"
    ttl = int((now + UNMATCHED_TTL).timestamp())
    held = {
        "pk": pk,
        "sk": f"EVT#{iso(event.occurred_at)}#{event.raw_code.casefold()}",
        "type": "unmatched_event",
        "event": json.dumps(event.model_dump(mode="json"), ensure_ascii=False),
        "expires_at": ttl,
    }
    holder = {
        "type": "unmatched_shipment",
        "carrier": event.carrier,
        "tracking_number": event.tracking_number,
        "gsi1pk": lookup_key(event.carrier, event.tracking_number),
        "gsi1sk": "UNMATCHED",
        "last_seen_at": iso(now),
        "expires_at": ttl,
    }
    return items.put(held, condition="attribute_not_exists(sk)"), items.update(
        items.key(pk, "SHIPMENT"), holder
    )


def held_numbers(refs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Which of these (carrier, number) have events waiting: one BatchGetItem."""
    if not refs:
        return []
    keys = [to_item({"pk": f"UNMATCHED#{lookup_key(c, n)}", "sk": "SHIPMENT"}) for c, n in refs]
    answer = client().batch_get_item(
        RequestItems={table_name(): {"Keys": keys, "ProjectionExpression": "carrier, tracking_number"}}
    )
    found = [from_item(i) for i in answer.get("Responses", {}).get(table_name(), [])]
    return [(i["carrier"], i["tracking_number"]) for i in found]


def held_events(carrier: str, number: str) -> list[TrackingEvent]:
    page = client().query(
        TableName=table_name(),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :evt)",
        ExpressionAttributeValues=to_item(
            {":pk": f"UNMATCHED#{lookup_key(carrier, number)}", ":evt": "EVT#"}
        ),
    )
    return [TrackingEvent.model_validate_json(from_item(i)["event"]) for i in page.get("Items", [])]


def release(carrier: str, number: str) -> dict[str, Any]:
    """The events now live on the order: the holder goes (the held copies expire by TTL)."""
    return items.delete(items.key(f"UNMATCHED#{lookup_key(carrier, number)}", "SHIPMENT"))
