"""Tracking events in our own canonical shape, Standard Webhooks-signed: for a 3PL, a WMS or an
integration hub (BaseLinker, Furgonetka) that already knows the parcel's status.

Envelope: `{"type": "tracking.event", "timestamp": ..., "data": {carrier, tracking_number, status,
raw_code, raw_text, occurred_at, point_id, point_name, point_address, is_return}}`, where `status` is a
canonical name (couriers.md section 1); an unknown one is kept as UNKNOWN with the raw code.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from zwrotnica import strict
from zwrotnica.domain.shipment_status import ShipmentStatus
from zwrotnica.errors import MalformedBody
from zwrotnica.models.tracking import TrackingEvent

EVENT_TYPE = "tracking.event"
FIELDS = (
    "carrier",
    "tracking_number",
    "status",
    "raw_code",
    "raw_text",
    "occurred_at",
    "point_id",
    "point_name",
    "point_address",
    "is_return",
)


def parse(body: bytes) -> TrackingEvent | None:
    """The canonical event, or None for another event type (acknowledged, not stored)."""
    envelope = strict.json_body(body)
    if not isinstance(envelope, dict) or not isinstance(envelope.get("data"), dict):
        raise MalformedBody("expected {type, timestamp, data}")
    kind = str(envelope.get("type") or "")
    if not kind.startswith("tracking."):
        # Signed with the shared secret but meant for another route (an order event): refuse, don't ack.
        raise MalformedBody("event type is not for this route")
    if kind != EVENT_TYPE:
        return None
    data: dict[str, Any] = {k: envelope["data"][k] for k in FIELDS if k in envelope["data"]}
    status = str(data.get("status") or "").strip().upper()
    data["status"] = status if status in ShipmentStatus.__members__ else ShipmentStatus.UNKNOWN
    data["raw_code"] = data.get("raw_code") or status or "unknown"
    if isinstance(data.get("carrier"), str):
        data["carrier"] = data["carrier"].strip().lower()
    keep = ("carrier", "tracking_number", "status", "raw_code", "occurred_at", "point_id", "is_return")
    try:
        return TrackingEvent(
            source="generic",
            raw={"type": EVENT_TYPE} | {k: envelope["data"].get(k) for k in keep if k in envelope["data"]},
            **data,
        )
    except ValidationError as exc:
        where = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        raise MalformedBody("invalid fields: " + ", ".join(where)) from exc
