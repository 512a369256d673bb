"""Carriers we ask ourselves (docs/carrier-polling.md): the poll item of each active parcel, and each
carrier's health (item builders and reads).

POLL#{carrier}#{tracking} / POLL     one parcel of a polled carrier (DHL, Poczta Polska, ORLEN): about
                                     300 bytes, no personal data; queue "poll#{carrier}" / due_at while it
                                     is to be asked again, `status` and `last_event_at` copied from its
                                     last applied event; TTL `expires_at`
CARRIER#{carrier} / HEALTH           the carrier's backoff (domain.polling.CarrierHealth), written only when
                                     it changes (a failure, the first success after failures)

The poll item is apart from the shipment (ORDER#{n} / SHIPMENT#...), which carries the order's contact
data: every poll rewrites `due_at` (a table write and two index writes), so a small item halves the write
units and the due-queue reads. Keyed by the parcel, not the order: a parcel two orders name is asked once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from zwrotnica.domain.polling import CarrierHealth
from zwrotnica.domain.shipment_status import ShipmentStatus
from zwrotnica.models.common import iso
from zwrotnica.store import items
from zwrotnica.store.table import client, from_item, query_due, table_name

POLL_TTL = timedelta(days=67)  # max_age (60 days) and a week: nobody asks about it after that
ENDED_TTL = timedelta(days=30)  # after a final state: kept a while so an order update cannot restart it


def queue(carrier: str) -> str:
    """One queue partition per carrier: a carrier backing off, or without credentials, is not read."""
    return f"poll#{carrier}"


def key(carrier: str, number: str) -> dict[str, Any]:
    return items.key(f"POLL#{carrier}#{number}", "POLL")


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def ensure(carrier: str, number: str, first_seen: datetime) -> dict[str, Any]:
    """The parcel's poll item as an order names it: created due at `first_seen` (the first poll finds
    out whether the carrier knows the number); an order update for a parcel already scheduled changes
    nothing (every attribute is `if_not_exists`). A parcel that ended (queue removed, final `status`
    kept) is put back on the queue by a later order update; the sweeper then drops it without a call."""
    clauses, values = [], {}
    fields = {
        "type": "poll",
        "carrier": carrier,
        "tracking_number": number,
        "first_seen": iso(first_seen),
        "queue": queue(carrier),
        "due_at": iso(first_seen),
        "expires_at": _epoch(first_seen + POLL_TTL),
    }
    for name, value in fields.items():
        clauses.append(f"#{name} = if_not_exists(#{name}, :{name})")
        values[f":{name}"] = value
    return items.update(
        key(carrier, number), raw_set=clauses, names={f"#{n}": n for n in fields}, values=values
    )


def on_event(
    carrier: str,
    number: str,
    status: ShipmentStatus | None,
    last_event_at: datetime,
    last_code: str,
    due: datetime | None,
    now: datetime,
) -> dict[str, Any]:
    """An applied courier event (pushed or polled): the status copy, the event it holds (the poller
    skips that one in the next answer without a read) and the next poll time, or out of the queue
    (`due` None: a final state). Unconditional, in the event's own commit; it creates the item where
    credentials came after the order named the parcel."""
    sets: dict[str, Any] = {
        "type": "poll",
        "carrier": carrier,
        "tracking_number": number,
        "status": status.value if status else None,
        "last_event_at": iso(last_event_at),
        "last_code": last_code.casefold(),
    }
    raw = ["#first_seen = if_not_exists(#first_seen, :first_seen)"]
    values: dict[str, Any] = {":first_seen": iso(now)}
    if due is None:
        sets |= {"queue": None, "due_at": None, "expires_at": _epoch(now + ENDED_TTL)}
    else:
        sets |= {"queue": queue(carrier), "due_at": iso(due)}
        raw.append("#expires_at = if_not_exists(#expires_at, :expires_at)")
        values[":expires_at"] = _epoch(now + POLL_TTL)
    names = {"#first_seen": "first_seen", "#expires_at": "expires_at"}
    return items.update(key(carrier, number), sets, raw_set=raw, names=names, values=values)


def due(carrier: str, now: datetime, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """The carrier's parcels due now, oldest first (one page of the sparse index)."""
    return query_due(queue(carrier), iso(now), limit)


def claim(item: dict[str, Any], next_due: datetime | None, now: datetime) -> dict[str, Any]:
    """This run asks about the parcel: its next poll time set now, conditional on the `due_at` read, so
    two overlapping runs cannot both ask. `next_due` None: out of the queue (final state, too old)."""
    sets: dict[str, Any] = {"polled_at": iso(now)}
    if next_due is None:
        sets |= {"queue": None, "due_at": None, "expires_at": _epoch(now + ENDED_TTL)}
    else:
        sets["due_at"] = iso(next_due)
    return items.update(
        key(item["carrier"], item["tracking_number"]),
        sets,
        condition="#due_at = :seen",
        names={"#due_at": "due_at"},
        values={":seen": item["due_at"]},
    )


def ended(carrier: str, number: str, status: ShipmentStatus, now: datetime) -> dict[str, Any]:
    """The carrier says the parcel's journey is over, though no event of this poll changed the shipment
    (it was applied before this item existed): out of the queue, the final status kept."""
    sets = {"status": status.value, "queue": None, "due_at": None, "expires_at": _epoch(now + ENDED_TTL)}
    return items.update(key(carrier, number), sets, condition="attribute_exists(pk)")


# --- Carrier health -----------------------------------------------------------------------------------


def _health_key(carrier: str) -> dict[str, Any]:
    return items.key(f"CARRIER#{carrier}", "HEALTH")


def health(carriers: Iterable[str]) -> dict[str, CarrierHealth]:
    """Each carrier's health (healthy when no item): one BatchGetItem for all of them."""
    wanted = list(dict.fromkeys(carriers))
    out = {c: CarrierHealth() for c in wanted}
    if not wanted:
        return out
    answer = client().batch_get_item(
        RequestItems={table_name(): {"Keys": [_health_key(c) for c in wanted], "ConsistentRead": True}}
    )
    for raw in answer.get("Responses", {}).get(table_name(), []):
        item = from_item(raw)
        out[item["carrier"]] = CarrierHealth(
            failures=int(item.get("failures", 0)),
            down_since=_when(item.get("down_since")),
            retry_at=_when(item.get("retry_at")),
            auth_failed=bool(item.get("auth_failed")),
        )
    return out


def save_health(carrier: str, value: CarrierHealth, now: datetime) -> dict[str, Any]:
    data = {
        "pk": f"CARRIER#{carrier}",
        "sk": "HEALTH",
        "type": "carrier_health",
        "carrier": carrier,
        "failures": value.failures,
        "down_since": iso(value.down_since) if value.down_since else None,
        "retry_at": iso(value.retry_at) if value.retry_at else None,
        "auth_failed": value.auth_failed or None,
        "updated_at": iso(now),
    }
    return items.put(data)


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def get(carrier: str, number: str) -> dict[str, Any] | None:
    """One poll item (tests, the CLI)."""
    found = client().get_item(TableName=table_name(), Key=key(carrier, number), ConsistentRead=True)
    return from_item(found["Item"]) if "Item" in found else None
