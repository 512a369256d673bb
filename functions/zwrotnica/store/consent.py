"""Marketing consent withdrawals (RODO art. 7 ust. 3, PKE art. 398): recorded where every later marketing
message is checked.

CONSENT#{digest} / MARKETING     the withdrawal for an e-mail address: `digest` is a SHA-256 of the address
                                 (trimmed, lower case), so the key holds no address in clear; the sender
                                 reads it before any marketing e-mail goes out (one GetItem)
ORDER#{n} / ORDER                `marketing_withdrawn_at` on the order, and on its shipments (the copy of
                                 the order's contact data that the courier flow reads to compose), never
                                 overwritten by the shop's updates (not a shop field)
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from zwrotnica.models.common import iso
from zwrotnica.store import items
from zwrotnica.store.table import client, from_item, order_pk, table_name


def digest(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:40]


def _key(email: str) -> dict[str, Any]:
    return items.key(f"CONSENT#{digest(email)}", "MARKETING")


def withdrawal(email: str, order_number: str, now: datetime) -> dict[str, Any]:
    """The address's withdrawal: its first time kept, the orders it came through added."""
    return items.update(
        _key(email),
        {"type": "consent_withdrawal", "channel": "email"},
        raw_set=("#withdrawn_at = if_not_exists(#withdrawn_at, :now)",),
        add={"orders": {order_number}},
        names={"#withdrawn_at": "withdrawn_at"},
        values={":now": iso(now)},
    )


def withdrawn_at(email: str) -> str | None:
    """When the address withdrew its marketing consent, or None (one consistent GetItem)."""
    item = client().get_item(TableName=table_name(), Key=_key(email), ConsistentRead=True).get("Item")
    return from_item(item).get("withdrawn_at") if item else None


def marked(pk: str, sk: str, now: datetime) -> dict[str, Any]:
    """`marketing_withdrawn_at` on an existing order or shipment item (its first time kept)."""
    return items.update(
        items.key(pk, sk),
        raw_set=("#w = if_not_exists(#w, :now)",),
        condition="attribute_exists(pk)",
        names={"#w": "marketing_withdrawn_at"},
        values={":now": iso(now)},
    )


def order_marked(order_number: str, now: datetime) -> dict[str, Any]:
    """The order's withdrawal, once (its condition failing: withdrawn before, Guard.DUPLICATE)."""
    return items.update(
        items.key(order_pk(order_number), "ORDER"),
        {"marketing_withdrawn_at": iso(now)},
        condition="attribute_exists(pk) AND attribute_not_exists(#marketing_withdrawn_at)",
    )
