"""Canonical shipment status: precedence, carrier code mapping, tracking links and Polish labels.

Pure functions only. The model is couriers.md section 1; the raw-code tables live in `carrier_codes`.
Mappers never raise: anything they do not know becomes UNKNOWN, and the caller keeps the raw value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from urllib.parse import quote

from zwrotnica.domain import carrier_codes


class ShipmentStatus(StrEnum):
    LABEL_CREATED = "LABEL_CREATED"
    IN_TRANSIT = "IN_TRANSIT"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    READY_FOR_PICKUP = "READY_FOR_PICKUP"
    DELIVERY_FAILED = "DELIVERY_FAILED"
    DELAYED = "DELAYED"
    EXCEPTION = "EXCEPTION"
    RETURNING_TO_SENDER = "RETURNING_TO_SENDER"
    RETURNED = "RETURNED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"
    UNKNOWN = "UNKNOWN"


S = ShipmentStatus

# How far along the journey a status is. Problem states share a tier above the last mile, so any active
# parcel can enter one; leaving them is a rule in `advances`, not a rank.
PRECEDENCE: dict[ShipmentStatus, int] = {
    S.UNKNOWN: 0,
    S.LABEL_CREATED: 10,
    S.IN_TRANSIT: 20,
    S.OUT_FOR_DELIVERY: 30,
    S.READY_FOR_PICKUP: 40,
    S.DELAYED: 50,
    S.DELIVERY_FAILED: 50,
    S.EXCEPTION: 50,
    S.RETURNING_TO_SENDER: 60,
    S.DELIVERED: 100,
    S.RETURNED: 100,
    S.CANCELLED: 100,
}
TERMINAL = frozenset({S.DELIVERED, S.RETURNED, S.CANCELLED})
# Not terminal: the carrier retries, the delay passes, the problem gets resolved (AfterShip InTransit_008).
RECOVERABLE = frozenset({S.DELAYED, S.DELIVERY_FAILED, S.EXCEPTION})


def is_terminal(status: ShipmentStatus) -> bool:
    return status in TERMINAL


def possession_taken(status: ShipmentStatus) -> bool:
    """True when the customer holds the parcel: this starts the 14-day withdrawal clock (UPK art. 28).

    Collected from a locker or point is DELIVERED too. READY_FOR_PICKUP is not possession.
    """
    return status == S.DELIVERED


def advances(current: ShipmentStatus | None, new: ShipmentStatus) -> bool:
    """Whether `new` should replace `current`. Late and duplicate events never move a shipment back.

    Judges statuses only: the caller still drops events older than the last applied carrier timestamp.
    """
    if current is None:
        return True
    if new == current or new == S.UNKNOWN or current in TERMINAL:
        return False
    if current == S.UNKNOWN:
        return True
    if new == S.CANCELLED:
        return current == S.LABEL_CREATED  # a label can only be cancelled before handover
    if current == S.RETURNING_TO_SENDER:
        return new in (S.RETURNED, S.EXCEPTION)  # a DELIVERED now would be the return, not the customer
    if current in RECOVERABLE:
        return new != S.LABEL_CREATED
    return PRECEDENCE[new] > PRECEDENCE[current]


# Labels agree with "przesyłka" (feminine): the status page lists them, the timeline writes "Przesyłka …: …".
STATUS_LABEL_PL: dict[ShipmentStatus, str] = {
    S.LABEL_CREATED: "Przygotowana do wysyłki",
    S.IN_TRANSIT: "W drodze",
    S.OUT_FOR_DELIVERY: "Wydana do doręczenia",
    S.READY_FOR_PICKUP: "Czeka w punkcie odbioru",
    S.DELIVERY_FAILED: "Nieudana próba doręczenia",
    S.DELAYED: "Opóźniona",
    S.EXCEPTION: "Problem u przewoźnika",
    S.RETURNING_TO_SENDER: "Wraca do nadawcy",
    S.RETURNED: "Zwrócona do nadawcy",
    S.DELIVERED: "Doręczona",
    S.CANCELLED: "Anulowana",
    S.UNKNOWN: "Brak informacji o statusie",
}


def _table(raw: Mapping[str, str]) -> dict[str, ShipmentStatus]:
    # ShipmentStatus(value) raises on a typo in carrier_codes, so a bad table fails at import.
    return {code.strip().casefold(): ShipmentStatus(value) for code, value in raw.items()}


def _key(code: object) -> str:
    return "" if code is None else str(code).strip().casefold()


_INPOST = _table(carrier_codes.INPOST)
_AFTERSHIP_TAGS = _table(carrier_codes.AFTERSHIP_TAGS)
_AFTERSHIP_SUBTAGS = _table(carrier_codes.AFTERSHIP_SUBTAGS)
_DPD = _table(carrier_codes.DPD)
_DPD_FAMILIES = _table(carrier_codes.DPD_FAMILIES)
_DHL = _table(carrier_codes.DHL)
_POCZTA_POLSKA = _table(carrier_codes.POCZTA_POLSKA)
_ORLEN = _table(carrier_codes.ORLEN)


def map_inpost(status: str | None) -> ShipmentStatus:
    """ShipX `status` (webhook `payload.status`, tracking `status`), case-insensitive."""
    return _INPOST.get(_key(status), S.UNKNOWN)


def map_aftership(tag: str | None, subtag: str | None = None) -> ShipmentStatus:
    """AfterShip `tag`, refined by `subtag` where the subtag means something else (refusal, delay, return)."""
    by_subtag = _AFTERSHIP_SUBTAGS.get(_key(subtag))
    return by_subtag or _AFTERSHIP_TAGS.get(_key(tag), S.UNKNOWN)


def map_dpd(code: str | None) -> ShipmentStatus:
    """DPD `businessCode`: the exact 6-digit code, else its 4-digit family."""
    key = _key(code)
    if key in _DPD:
        return _DPD[key]
    if len(key) == 6 and key.isdigit():
        return _DPD_FAMILIES.get(key[:4], S.UNKNOWN)
    return S.UNKNOWN


def map_dhl(code: str | None) -> ShipmentStatus:
    """DHL24 `shipmentEvent.status`."""
    return _DHL.get(_key(code), S.UNKNOWN)


def map_poczta_polska(code: str | None) -> ShipmentStatus:
    """Poczta Polska event `code` (Sledzenie SOAP or USS REST)."""
    return _POCZTA_POLSKA.get(_key(code), S.UNKNOWN)


def map_orlen(code: int | str | None, attribute: str | None = None) -> ShipmentStatus:
    """ORLEN Paczka `Trans`. 1000 with a `...POWROT` Attribute was collected by the sender: RETURNED."""
    key = _key(code)
    if key == "1000" and "powrot" in _key(attribute):
        return S.RETURNED
    return _ORLEN.get(key, S.UNKNOWN)


CARRIER_MAPPERS: dict[str, Callable[[str | None], ShipmentStatus]] = {
    "inpost": map_inpost,
    "dpd": map_dpd,
    "dhl": map_dhl,
    "poczta_polska": map_poczta_polska,
    "orlen": map_orlen,
}


def tracking_url(carrier: str, tracking_number: str) -> str:
    """The carrier's public tracking page for `tracking_number`. Raises ValueError for an unknown carrier."""
    template = carrier_codes.TRACKING_URLS.get(carrier)
    if template is None:
        raise ValueError(f"no tracking page for carrier {carrier!r}")
    return template.format(number=quote(tracking_number.strip(), safe=""))


# Carrier names as shops and aggregators write them ("DPD Poland", "paczkomaty-inpost") -> our ids.
CARRIER_NAMES = (
    ("inpost", "inpost"),
    ("paczkomat", "inpost"),
    ("dpd", "dpd"),
    ("dhl", "dhl"),
    ("poczta", "poczta_polska"),
    ("pocztex", "poczta_polska"),
    ("envelo", "poczta_polska"),  # Envelo parcels are Poczta Polska items (couriers.md 5.1)
    ("orlen", "orlen"),
    ("ruch", "orlen"),
)


def carrier_id(name: str) -> str:
    """Our carrier id for a free-text carrier name or slug; unknown names are kept, made safe."""
    name = name.strip().lower()
    found = next((cid for needle, cid in CARRIER_NAMES if needle in name), None)
    return found or "".join(ch if ch.isalnum() else "_" for ch in name)[:40] or "unknown"
