"""The polled order sources' cursors: one item per configured source, on the sweeper's due queue.

FEED#{source} / FEED    `cursor` (a map: BaseLinker {log_id} or {confirmed_from}; IdoSell, PrestaShop
                        {since} and, while a window is read in parts, its {begin, end, after_id}),
                        `cursor_rev` (the cursor is stored conditional on the revision read),
                        `cursor_saved_at`; queue "feed" / due_at: when to read next, and while a sweep
                        reads the source, the end of its lease (a sweep that dies leaves the source to
                        the next one after the lease)

Cost grows with what changed, not with the shop: a sweep queries the due index (sparse: a few items),
makes sure each configured source has its item (one conditional UpdateItem each, a no-op once it
exists), claims a due one (UpdateItem) and stores its cursor after the orders (UpdateItem).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from zwrotnica.models.common import iso
from zwrotnica.store import items
from zwrotnica.store.table import query_due, write_one

QUEUE = "feed"


def _key(source: str) -> dict[str, Any]:
    return items.key(f"FEED#{source}", "FEED")


def ensure(source: str, now: datetime) -> bool:
    """The source's item, due now, unless it is there and queued already (True when it was added)."""
    return write_one(
        items.update(
            _key(source),
            {"type": "feed", "source": source, "queue": QUEUE, "due_at": iso(now)},
            condition="attribute_not_exists(pk) OR attribute_not_exists(#queue)",
        )
    )


def due(now: datetime, limit: int) -> list[dict[str, Any]]:
    found, _ = query_due(QUEUE, iso(now), limit)
    return found


def claim(item: dict[str, Any], lease_until: datetime) -> bool:
    """Take a due source for this sweep only: conditional on the due time read, so an overlapping sweep
    loses (False). If this sweep dies, the lease runs out and the next sweep reads the source again."""
    return write_one(_queued(item, item["due_at"], {"due_at": iso(lease_until)}))


def drop(item: dict[str, Any]) -> bool:
    """Out of the queue: its credentials are gone (the cursor stays for when they come back)."""
    return write_one(_queued(item, item["due_at"], {}, remove=("queue", "due_at")))


def advance(
    item: dict[str, Any], cursor: dict[str, Any], next_due: datetime, now: datetime
) -> dict[str, Any]:
    """The new cursor, once the orders read with the old one are committed: conditional on the lease
    this sweep holds and on the cursor's revision it read (failing, another sweep read the source after
    the lease ran out and stored its own cursor: the orders are absorbed by their versions)."""
    seen = item.get("cursor_rev", 0)
    condition = "#queue = :queue AND #due_at = :lease AND " + (
        "#cursor_rev = :seen" if seen else "attribute_not_exists(#cursor_rev)"
    )
    return items.update(
        _key(item["source"]),
        {"cursor": cursor, "cursor_rev": seen + 1, "cursor_saved_at": iso(now), "due_at": iso(next_due)},
        condition=condition,
        names={"#queue": "queue"},
        values={":queue": QUEUE, ":lease": item["due_at"]} | ({":seen": seen} if seen else {}),
    )


def _queued(
    item: dict[str, Any], seen_due: str, sets: dict[str, Any], remove: tuple[str, ...] = ()
) -> dict[str, Any]:
    return items.update(
        _key(item["source"]),
        sets,
        remove=remove,
        condition="#queue = :queue AND #due_at = :seen",
        names={"#queue": "queue", "#due_at": "due_at"},
        values={":queue": QUEUE, ":seen": seen_due},
    )
