"""What every carrier client we ask ourselves shares (providers.carrier_tracking builds them): the answer
for one number (`ParcelTrack`), the client's interface (`Tracker`) and the canonical event a carrier's row
becomes (`make_event`: `source = "{carrier}_api"`, so the flow can tell a read from a push)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError

from zwrotnica.domain.shipment_status import ShipmentStatus
from zwrotnica.models.tracking import TRACKING_NUMBER, TrackingEvent
from zwrotnica.providers.errors import AuthFailed, ProviderError

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
