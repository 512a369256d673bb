"""Carriers we ask ourselves (couriers.md sections 3-6): one interface for the poller, whatever the API.

- `Tracker.track(numbers)` -> `{number: ParcelTrack}` for DHL24, Poczta Polska, ORLEN Paczka and DPD's
  per-waybill history; `batch_size` numbers per call (1 where the API takes one number).
- DPD's event queue (`dpd.DpdInfoServices.fetch` / `.acknowledge`) is drained, not polled per parcel.

Every event is a canonical `TrackingEvent` (status through the carrier's table in `carrier_codes`, raw
code kept) with `source = "{carrier}_api"`, so the flow can tell a read from the carrier's own API from a
push. Errors: AuthFailed (credentials refused: alarm), a retryable ProviderError (the carrier is down or
slow: back off), a final ProviderError (this request was refused; other parcels are unaffected).

`configured(secrets)` builds only the carriers whose credentials are in the secret: no credentials, no
polling. httpx is imported when a client is built, never at module import.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import ValidationError

from zwrotnica.domain.polling import POLLED, QUEUED
from zwrotnica.domain.shipment_status import ShipmentStatus
from zwrotnica.models.tracking import TRACKING_NUMBER, TrackingEvent
from zwrotnica.providers.errors import AuthFailed, ProviderError

if TYPE_CHECKING:
    import httpx

    from zwrotnica.secrets import Secrets

_NUMBER = re.compile(TRACKING_NUMBER)


@dataclass(frozen=True)
class ParcelTrack:
    """What the carrier knows about one number: its events oldest first, or found=False."""

    tracking_number: str
    found: bool
    events: tuple[TrackingEvent, ...] = ()
    finished: bool = False  # the carrier says its handling ended (Poczta Polska `zakonczonoObsluge`)
    skipped: int = 0  # events dropped as unreadable (no code, no time): count them, never guess


class Tracker(Protocol):
    carrier: str
    batch_size: int

    def track(self, numbers: Sequence[str]) -> dict[str, ParcelTrack]: ...


__all__ = [
    "POLLED",
    "QUEUED",
    "ParcelTrack",
    "Tracker",
    "configured",
    "make_event",
    "ordered",
    "per_number",
    "use_transport",
    "with_credentials",
]


def source(carrier: str) -> str:
    return f"{carrier}_api"


def valid_number(number: str) -> bool:
    """Only numbers our model accepts are sent: they also end up in an XML request."""
    return bool(_NUMBER.match(number))


def make_event(
    carrier: str,
    number: str,
    status: ShipmentStatus,
    raw_code: str,
    occurred_at: datetime | None,
    raw: Mapping[str, Any],
    raw_text: str = "",
    point_name: str | None = None,
) -> TrackingEvent | None:
    """The canonical event, or None when the carrier's row cannot make one (no code, no time)."""
    if not raw_code or occurred_at is None:
        return None
    try:
        return TrackingEvent(
            source=source(carrier),
            carrier=carrier,
            tracking_number=number,
            status=status,
            raw_code=raw_code[:100],
            raw_text=raw_text[:300],
            occurred_at=occurred_at,
            point_name=point_name[:200] if point_name else None,
            raw=dict(raw),
        )
    except ValidationError:
        return None


def ordered(events: list[TrackingEvent | None]) -> tuple[tuple[TrackingEvent, ...], int]:
    """The readable events oldest first (stable for equal times), and how many were not readable."""
    kept = [e for e in events if e is not None]
    return tuple(sorted(kept, key=lambda e: e.occurred_at)), len(events) - len(kept)


def per_number(history: Callable[[str], ParcelTrack], numbers: Sequence[str]) -> dict[str, ParcelTrack]:
    """`history` for each number. A number the carrier refuses (a final error) is not found; AuthFailed
    or a retryable error stops the batch, so the caller backs off instead of spending its budget."""
    out: dict[str, ParcelTrack] = {}
    for number in dict.fromkeys(numbers):
        try:
            out[number] = history(number)
        except AuthFailed:
            raise
        except ProviderError as exc:
            if exc.retryable:
                raise
            out[number] = ParcelTrack(number, found=False)
    return out


def with_credentials(secrets: Secrets) -> frozenset[str]:
    """Carrier ids whose credentials are in the secret (no client is built: cheap on every order)."""
    have = {
        "dpd": secrets.dpd_info_login and secrets.dpd_info_password,
        "dhl": secrets.dhl24_username and secrets.dhl24_password,
        "poczta_polska": secrets.poczta_polska_login and secrets.poczta_polska_password,
        "orlen": secrets.orlen_partner_id and secrets.orlen_partner_key,
    }
    return frozenset(carrier for carrier, given in have.items() if given)


_transport: httpx.BaseTransport | None = None


def use_transport(transport: httpx.BaseTransport | None) -> None:
    """Route every carrier client `configured` builds through `transport` (the local stack answers DPD's
    queue here; tests use httpx.MockTransport). None: the real network."""
    global _transport
    _transport = transport


def configured(secrets: Secrets, transport: httpx.BaseTransport | None = None) -> dict[str, Tracker]:
    """The per-parcel trackers whose credentials are set, by carrier id (DPD's waybill read included)."""
    from zwrotnica.providers import dhl24, dpd, orlen, poczta_polska

    transport = transport or _transport
    have = with_credentials(secrets)
    out: dict[str, Tracker] = {}
    if "dpd" in have:
        out["dpd"] = dpd.DpdInfoServices(
            secrets.dpd_info_login, secrets.dpd_info_password, secrets.dpd_info_channel, transport=transport
        )
    if "dhl" in have:
        out["dhl"] = dhl24.Dhl24(secrets.dhl24_username, secrets.dhl24_password, transport=transport)
    if "poczta_polska" in have:
        out["poczta_polska"] = poczta_polska.Sledzenie(
            secrets.poczta_polska_login, secrets.poczta_polska_password, transport=transport
        )
    if "orlen" in have:
        out["orlen"] = orlen.OrlenPaczka(
            secrets.orlen_partner_id, secrets.orlen_partner_key, transport=transport
        )
    return out
