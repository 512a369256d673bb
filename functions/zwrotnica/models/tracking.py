"""One courier event in our canonical shape, whatever sent it (couriers.md section 1)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from zwrotnica.domain.shipment_status import ShipmentStatus
from zwrotnica.models.common import OneLine, UtcDateTime, iso

TRACKING_NUMBER = r"^[A-Za-z0-9-]{4,64}$"
CARRIER_ID = r"^[a-z0-9_]{2,40}$"


class TrackingEvent(BaseModel):
    """A status change of one parcel. Adapters fill everything but `confirmed`, which the flow sets."""

    model_config = ConfigDict(frozen=True)

    source: str = Field(description="which webhook delivered it: inpost, aftership, generic")
    carrier: str = Field(
        pattern=CARRIER_ID, description="our carrier id: inpost, dpd, dhl, poczta_polska, orlen"
    )
    tracking_number: str = Field(pattern=TRACKING_NUMBER)
    status: ShipmentStatus
    raw_code: OneLine = Field(min_length=1, max_length=100, description="the carrier's own status code")
    raw_text: OneLine = Field(default="", max_length=300)
    occurred_at: UtcDateTime = Field(description="the carrier's event time")
    # Pickup point (Paczkomat, PaczkoPunkt, parcel shop): public places, not personal data.
    point_id: OneLine | None = Field(default=None, max_length=32)
    point_name: OneLine | None = Field(default=None, max_length=200)
    point_address: OneLine | None = Field(default=None, max_length=300)
    # The carrier's (or aggregator's) delivery estimate, where it gives one: the status page shows it.
    expected_delivery: date | None = None
    is_return: bool = False
    # InPost ZDN: the parcel goes back under a new number, which becomes a return shipment of its own.
    return_tracking_number: str | None = Field(default=None, pattern=TRACKING_NUMBER)
    # None: no confirmation needed; True: the carrier's API agrees; False: it could not be asked.
    confirmed: bool | None = None
    raw: dict[str, Any] = Field(default_factory=dict, description="trimmed payload: ids and codes only")

    @property
    def event_key(self) -> str:
        """What makes two deliveries the same event: carrier, number, raw status, event time."""
        return f"{self.carrier}:{self.tracking_number}:{self.raw_code.casefold()}:{iso(self.occurred_at)}"
