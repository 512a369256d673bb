"""Timeline lines: ORDER#{n} / T#{at}#{kind}#{ref}. A line is unique per cause, so it doubles as the
idempotency marker of the change that wrote it (a courier event, a payment notification).

A courier event's line keeps the carrier's raw payload (`data.raw`, for a human who needs to see what the
carrier said; personal data, erased by domain.retention). It is stored zlib-compressed as `data.raw_z`
and cut to RAW_BUDGET compressed bytes: the line is written in a transaction with every event (2 write
units per started KB), and a payload of 4,000 characters made it 5 KB. Lines written before keep their
plain `data.raw`; `raw_text` reads either.
"""

from __future__ import annotations

import zlib
from typing import Any

from zwrotnica.models.common import iso
from zwrotnica.models.timeline import TimelineEntry
from zwrotnica.store import items
from zwrotnica.store.table import order_pk

RAW_BUDGET = 400  # compressed bytes: the line stays under 1 KB with its texts and codes


def put(order_number: str, entry: TimelineEntry) -> dict[str, Any]:
    data = entry.model_dump(mode="json") | {
        "pk": order_pk(order_number),
        "sk": f"T#{iso(entry.at)}#{entry.kind}#{entry.ref}",
        "type": "timeline",
    }
    raw = data["data"].get("raw")
    if isinstance(raw, str) and raw:
        data["data"] = {k: v for k, v in data["data"].items() if k != "raw"} | {"raw_z": compress(raw)}
    return items.put(data, condition="attribute_not_exists(sk)")


def compress(text: str, budget: int = RAW_BUDGET) -> bytes:
    """The text zlib-compressed, cut (at a character) until it fits the budget."""
    packed = zlib.compress(text.encode(), 9)
    if len(packed) <= budget:
        return packed
    low, high = 0, len(text)  # the longest prefix that fits: a few compressions of at most 4,000 chars
    while low < high:
        middle = (low + high + 1) // 2
        if len(zlib.compress(text[:middle].encode(), 9)) <= budget:
            low = middle
        else:
            high = middle - 1
    return zlib.compress(text[:low].encode(), 9)


def raw_text(item: dict[str, Any]) -> str | None:
    """A stored line's raw payload as text, compressed or not (None: it has none)."""
    data = item.get("data") or {}
    if data.get("raw_z"):
        return zlib.decompress(bytes(data["raw_z"])).decode()
    return data.get("raw") or None
