"""One line of an order's timeline: what happened, when, in codes and in Polish."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from zwrotnica.models.common import UtcDateTime


class TimelineEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    at: UtcDateTime
    kind: str = Field(description="machine code, e.g. order_received, message_sent")
    text_pl: str = Field(description="what the customer reads")
    ref: str = Field(default="", description="what caused it: event id, message id; makes the entry unique")
    data: dict[str, str | int | bool | None] = Field(default_factory=dict)
