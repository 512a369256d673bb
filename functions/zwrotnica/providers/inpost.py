"""InPost ShipX webhooks (couriers.md 2.2) and the tracking read that confirms them (2.4).

ShipX signs nothing. A push is accepted only with the secret token of the registered URL (compared in
constant time) and, where configured, from InPost's range 91.216.25.0/24 (API Gateway's own sourceIp,
never a client header). Statuses that cost money or tell the customer something are then confirmed by
`GET /v1/tracking/{number}` before we act.
"""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from zwrotnica import strict
from zwrotnica.domain.shipment_status import ShipmentStatus, map_inpost
from zwrotnica.errors import MalformedBody
from zwrotnica.models.tracking import TrackingEvent
from zwrotnica.providers.errors import ProviderError, json_object, send

if TYPE_CHECKING:  # httpx only when ShipX is asked: most pushes need no confirmation
    import httpx

SOURCE_NETWORK = ipaddress.ip_network("91.216.25.0/24")
EVENTS = ("shipment_confirmed", "shipment_status_changed")
TIMEOUT_S, CONNECT_S = 2.0, 1.0  # the courier waits for our answer: fail fast, act unconfirmed


def token_valid(expected: str, offered: str | None) -> bool:
    """Constant-time; an unset secret refuses everything."""
    return bool(expected and offered) and hmac.compare_digest(expected.encode(), str(offered).encode())


def source_allowed(source_ip: str | None) -> bool:
    try:
        return ipaddress.ip_address(source_ip or "") in SOURCE_NETWORK
    except ValueError:
        return False


def parse(body: bytes) -> TrackingEvent | None:
    """The canonical event, or None for a notice we acknowledge and ignore (offers, no tracking number)."""
    doc = strict.json_body(body)
    if not isinstance(doc, dict) or not isinstance(doc.get("payload"), dict):
        raise MalformedBody("expected {event, event_ts, payload}")
    if doc.get("event") not in EVENTS:
        return None
    payload = doc["payload"]
    try:
        at = datetime.strptime(str(doc.get("event_ts")), "%Y-%m-%d %H:%M:%S %z")
    except ValueError as exc:
        raise MalformedBody("event_ts is not 'YYYY-MM-DD HH:MM:SS +ZZZZ'") from exc
    code = "confirmed" if doc["event"] == "shipment_confirmed" else payload.get("status")
    if not isinstance(code, str) or not code.strip():
        raise MalformedBody("payload.status is missing")
    if not payload.get("tracking_number"):
        return None  # older ShipX versions sent null: nothing to link it to
    keep = ("shipment_id", "status", "tracking_number", "return_tracking_number")
    raw = {k: doc.get(k) for k in ("event", "event_ts", "organization_id")}
    raw["payload"] = {k: payload[k] for k in keep if k in payload}
    try:
        return TrackingEvent(
            source="inpost",
            carrier="inpost",
            tracking_number=str(payload["tracking_number"]),
            status=map_inpost(code),
            raw_code=code.strip(),
            occurred_at=at,
            return_tracking_number=payload.get("return_tracking_number") or None,
            raw=raw,
        )
    except ValidationError as exc:
        where = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        raise MalformedBody("invalid fields: " + ", ".join(where)) from exc


class Verdict(StrEnum):
    CONFIRMED = "confirmed"  # ShipX lists the pushed status for this parcel
    CONTRADICTED = "contradicted"  # ShipX answered and does not (or does not know the parcel)
    UNAVAILABLE = "unavailable"  # ShipX could not be asked: act on the push, mark it unconfirmed


@dataclass(frozen=True)
class Confirmation:
    verdict: Verdict
    point_id: str | None = None
    point_name: str | None = None
    point_address: str | None = None


class ShipXClient:
    """`GET /v1/tracking/{number}`. `transport` is the seam tests fill with httpx.MockTransport."""

    def __init__(self, base_url: str, token: str = "", transport: httpx.BaseTransport | None = None) -> None:
        import httpx

        headers = {"Accept": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
        timeout = httpx.Timeout(TIMEOUT_S, connect=CONNECT_S)
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), headers=headers, transport=transport, timeout=timeout
        )

    def confirm(self, event: TrackingEvent) -> Confirmation:
        try:
            response = send(self._http, "shipx", "GET", f"/v1/tracking/{event.tracking_number}")
        except ProviderError:
            return Confirmation(Verdict.UNAVAILABLE)
        if response.status_code == 404:
            return Confirmation(Verdict.CONTRADICTED)
        body = json_object(response)
        if response.status_code != 200 or not body:
            return Confirmation(Verdict.UNAVAILABLE)
        details = [d for d in body.get("tracking_details") or [] if isinstance(d, dict)]
        seen = {str(s).casefold() for s in [body.get("status"), *(d.get("status") for d in details)] if s}
        verdict = Verdict.CONFIRMED if event.raw_code.casefold() in seen else Verdict.CONTRADICTED
        return Confirmation(verdict, *_point(body))


def _point(body: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """Target Paczkomat from `custom_attributes` (shape from michalbiarda/shipx-php-sdk, [sdk])."""
    attrs = body.get("custom_attributes") if isinstance(body.get("custom_attributes"), dict) else {}
    detail = (
        attrs.get("target_machine_detail") if isinstance(attrs.get("target_machine_detail"), dict) else {}
    )
    address = detail.get("address") if isinstance(detail.get("address"), dict) else {}
    lines = ", ".join(str(address[k]).strip() for k in ("line1", "line2") if address.get(k))
    point_id = attrs.get("target_machine_id") or detail.get("name")
    return (str(point_id)[:32] if point_id else None), (detail.get("name") or None), (lines[:300] or None)


_transport: httpx.BaseTransport | None = None


def use_transport(transport: httpx.BaseTransport | None) -> None:
    """Route ShipX calls through `transport` (tests: httpx.MockTransport; local stack: a fake)."""
    global _transport
    _transport = transport
    client.cache_clear()


@lru_cache(maxsize=2)
def client(base_url: str, token: str) -> ShipXClient:
    return ShipXClient(base_url, token, transport=_transport)


def needs_confirmation(status: ShipmentStatus) -> bool:
    """Money (possession starts the withdrawal clock, returns) or an apology to the customer."""
    return status in CONFIRM


CONFIRM = frozenset(
    {
        ShipmentStatus.READY_FOR_PICKUP,  # also brings the point's name and address for the message
        ShipmentStatus.DELIVERED,
        ShipmentStatus.DELIVERY_FAILED,
        ShipmentStatus.DELAYED,
        ShipmentStatus.EXCEPTION,
        ShipmentStatus.RETURNING_TO_SENDER,
        ShipmentStatus.RETURNED,
        ShipmentStatus.CANCELLED,
    }
)
