"""A parcel locker or pick-up point as the customer needs it: where it is and when it is open."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from zwrotnica.models.common import OneLine

POINT_NAME = r"^[A-Za-z0-9_-]{2,32}$"


class OpeningSpan(BaseModel):
    """One opening span of one weekday (0 = Monday), in minutes after midnight."""

    model_config = ConfigDict(frozen=True)

    weekday: int = Field(ge=0, le=6)
    start: int = Field(ge=0, le=1440)
    end: int = Field(ge=0, le=1440)


class PickupPoint(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str = Field(pattern=POINT_NAME, description="the point's id, e.g. KRA010")
    locker: bool = True  # a Paczkomat (else a PaczkoPunkt or another staffed point)
    address_line1: OneLine | None = Field(default=None, max_length=200)
    address_line2: OneLine | None = Field(default=None, max_length=200)
    description: OneLine | None = Field(default=None, max_length=300)  # "obok sklepu"
    open_24_7: bool = False
    hours: tuple[OpeningSpan, ...] = ()
    hours_text: OneLine | None = Field(default=None, max_length=200)  # the API's own summary, as a fallback

    @property
    def address(self) -> str:
        return ", ".join(line for line in (self.address_line1, self.address_line2) if line)
