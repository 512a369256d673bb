"""AfterShip tracking webhooks (couriers.md 7.1): how shops get DPD, DHL, Poczta Polska and ORLEN pushed.

`aftership-hmac-sha256` = Base64(HMAC-SHA256(raw body, webhook secret)). Only ids and codes of the
payload are kept: AfterShip's tracking object also carries the buyer's e-mail, phone and address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from pydantic import ValidationError

from zwrotnica import strict
from zwrotnica.domain.shipment_status import carrier_id, map_aftership
from zwrotnica.errors import MalformedBody
from zwrotnica.models.tracking import TrackingEvent

SIGNATURE_HEADER = "aftership-hmac-sha256"


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    offered = headers.get(SIGNATURE_HEADER, "")
    return bool(secret and offered) and hmac.compare_digest(sign(secret, body).encode(), offered.encode())


def parse(body: bytes) -> TrackingEvent | None:
    """The canonical event of a `tracking_update`, or None for other AfterShip events (EDD, pending)."""
    doc = strict.json_body(body)
    if not isinstance(doc, dict) or not isinstance(doc.get("msg"), dict):
        raise MalformedBody("expected {event, event_id, msg}")
    if doc.get("event") != "tracking_update":
        return None
    msg = doc["msg"]
    tag, subtag = msg.get("tag"), msg.get("subtag")
    if not tag or not msg.get("tracking_number") or not msg.get("slug"):
        raise MalformedBody("msg.tag, msg.slug and msg.tracking_number are required")
    checkpoint = _latest(msg.get("checkpoints"))
    at = _time(checkpoint.get("checkpoint_time")) or _epoch(doc.get("ts"))
    if at is None:
        raise MalformedBody("no event time (checkpoint_time or ts)")
    raw = {k: doc.get(k) for k in ("event", "event_id", "ts")}
    raw["msg"] = {k: msg.get(k) for k in ("id", "tracking_number", "slug", "tag", "subtag", "subtag_message")}
    raw["checkpoint"] = {
        k: checkpoint.get(k) for k in ("tag", "subtag", "checkpoint_time") if k in checkpoint
    }
    try:
        return TrackingEvent(
            source="aftership",
            carrier=carrier_id(str(msg["slug"])),
            tracking_number=str(msg["tracking_number"]).strip(),
            status=map_aftership(tag, subtag),
            raw_code=str(subtag or tag),
            raw_text=str(msg.get("subtag_message") or checkpoint.get("message") or "")[:300],
            occurred_at=at,
            expected_delivery=expected_delivery(msg),
            raw=raw,
        )
    except ValidationError as exc:
        where = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        raise MalformedBody("invalid fields: " + ", ".join(where)) from exc


def expected_delivery(msg: dict[str, Any]) -> date | None:
    """AfterShip's `latest_estimated_delivery` {type, source, datetime, datetime_min, datetime_max}: the
    day (a range's last day, the promise we can keep); older API versions' `expected_delivery` else."""
    latest = msg.get("latest_estimated_delivery")
    candidates = []
    if isinstance(latest, dict):
        candidates += [latest.get("datetime"), latest.get("datetime_max")]
    candidates.append(msg.get("expected_delivery"))
    for value in candidates:
        if isinstance(value, str) and len(value) >= 10:
            try:
                return date.fromisoformat(value[:10])
            except ValueError:
                continue
    return None


def _latest(checkpoints: Any) -> dict[str, Any]:
    timed = [(_time(c.get("checkpoint_time")), c) for c in checkpoints or [] if isinstance(c, dict)]
    timed = [(t, c) for t, c in timed if t is not None]
    return max(timed, key=lambda pair: pair[0])[1] if timed else {}


def _time(value: Any) -> datetime | None:
    """AfterShip checkpoint times carry the local offset; a time without one is not trusted."""
    try:
        parsed = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return parsed if parsed and parsed.tzinfo else None


def _epoch(value: Any) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if isinstance(value, int) and value > 0 else None
