"""Timeline lines: ORDER#{n} / T#{at}#{kind}#{ref}. A line is unique per cause, so it doubles as the
idempotency marker of the change that wrote it (a courier event, a payment notification)."""

from __future__ import annotations

from typing import Any

from zwrotnica.models.common import iso
from zwrotnica.models.timeline import TimelineEntry
from zwrotnica.store import items
from zwrotnica.store.table import order_pk


def put(order_number: str, entry: TimelineEntry) -> dict[str, Any]:
    data = entry.model_dump(mode="json") | {
        "pk": order_pk(order_number),
        "sk": f"T#{iso(entry.at)}#{entry.kind}#{entry.ref}",
        "type": "timeline",
    }
    return items.put(data, condition="attribute_not_exists(sk)")
