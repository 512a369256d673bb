"""A follow-up command: work one use case hands to another, stored in the same transaction as the
state change that causes it (like an outbox message), run right after the commit by the dispatcher
and retried by the sweeper until it succeeds."""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from zwrotnica.models.common import UtcDateTime
from zwrotnica.models.ticket import TicketRequest


class CommandKind(StrEnum):
    OPEN_TICKET = "open_ticket"  # a ticket for the team, or a note on the order's open one
    RESUME_TICKET = "resume_ticket"  # the parcel moved: a ticket waiting on the courier resumes
    MOVE_RETURN_CASES = "move_return_cases"  # a customer's return parcel moved: its cases follow
    ISSUE_LABEL = "issue_label"  # a return label (ShipX) or our slip for a new case
    REQUEST_REFUND = "request_refund"  # an accepted withdrawal: refund through the payment provider
    REPLAY_TRACKING = "replay_tracking"  # courier events held for a parcel an order now names
    APPLY_HELD_PAYMENT = "apply_held_payment"  # a payment notification held until its order came
    UPDATE_TICKET = "update_ticket"  # a note on a known ticket (a legal clock kept, met or solved)
    RECORD_COD_PAYMENT = "record_cod_payment"  # a cash-on-delivery parcel delivered: the order is paid


class Command(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: CommandKind
    key: str = Field(min_length=1, max_length=300, description="the cause: one cause, one command")
    payload: dict[str, Any] = Field(default_factory=dict)  # JSON values only; no personal data
    created_at: UtcDateTime
    attempts: int = 0
    due_at: UtcDateTime | None = None
    last_error: str | None = None

    @property
    def command_id(self) -> str:
        return hashlib.sha256(f"{self.kind.value}|{self.key}".encode()).hexdigest()[:32]


def open_ticket(request: TicketRequest) -> Command:
    """A ticket for the team (or a note on the order's open ticket of that category), after the commit."""
    return Command(
        kind=CommandKind.OPEN_TICKET,
        key=request.source_ref,
        payload=request.model_dump(mode="json"),
        created_at=request.at,
    )


def update_ticket(
    source_ref: str,
    ref: str,
    note: str,
    at: datetime,
    *,
    solve: bool = False,
    legal_met: bool = False,
    required: bool = True,
) -> Command:
    """A note on the ticket `source_ref` opened (once per `ref`); `solve`: and the ticket solved;
    `legal_met`: its legal deadline was kept (the ladder stops announcing it). `required`: a ticket that
    is not there yet is waited for (its own opening command may still be pending); else nothing."""
    payload = {
        "source_ref": source_ref,
        "ref": ref,
        "note": note,
        "solve": solve,
        "legal_met": legal_met,
        "required": required,
    }
    return Command(kind=CommandKind.UPDATE_TICKET, key=f"{source_ref}|{ref}", payload=payload, created_at=at)


def cod_collected(
    order_number: str, carrier: str, tracking_number: str, amount: int, at: datetime, now: datetime
) -> Command:
    """A cash-on-delivery parcel was delivered at `at`: the courier collected `amount` grosze."""
    parcel = f"{carrier}:{tracking_number}"
    return Command(
        kind=CommandKind.RECORD_COD_PAYMENT,
        key=f"cod:{order_number}:{parcel}",
        payload={"order_number": order_number, "parcel": parcel, "amount": amount, "at": at.isoformat()},
        created_at=now,
    )
