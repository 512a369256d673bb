"""One forward step of a return or complaint case: what changes on it, the timeline line and the
customer's e-mail. Pure: the use cases that move cases (a return parcel, the team's verdict, a label,
a refund) write it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from zwrotnica.messages import case_templates, compose
from zwrotnica.models.case import CASE_STATUS_PL, CaseStatus, can_move
from zwrotnica.models.outbox import OutboxMessage
from zwrotnica.models.ticket import TicketCategory, TicketPriority, TicketRequest
from zwrotnica.models.timeline import TimelineEntry


@dataclass(frozen=True)
class CaseMove:
    status: CaseStatus
    fields: dict[str, Any] = field(default_factory=dict)  # set on the case with the new status
    entry: TimelineEntry | None = None
    message: OutboxMessage | None = None


def case_move(
    case: Mapping[str, Any],
    new: CaseStatus,
    *,
    email: str,
    status_url: str | None,
    shop_name: str,
    now: datetime,
    reason: str | None = None,
    changes: Mapping[str, Any] | None = None,
    label_url: str | None = None,
) -> CaseMove | None:
    """The move to `new`, or None when it is not a forward move from the case's current state (a late
    or repeated event, a decision on a case not waiting for one)."""
    if not can_move(CaseStatus(case["status"]), new):
        return None
    rma = case["case_id"]
    content = case_templates.case_moved(
        rma=rma,
        status=new,
        status_url=status_url or "",
        shop_name=shop_name,
        reason=reason,
        refund=case.get("refund_amount"),
        label_url=label_url,
    )
    message = compose.email(
        dedup_key=f"case:{rma}:{new.value}",
        order_number=case["order_number"],
        recipient=email,
        template=f"case_{new.value}",
        content=content,
        now=now,
    )
    entry = TimelineEntry(
        at=now, kind=f"case_{new.value}", ref=rma, text_pl=f"Zgłoszenie {rma}: {CASE_STATUS_PL[new]}."
    )
    fields = {"status_pl": CASE_STATUS_PL[new], **(changes or {})}
    if reason:
        fields["decision_reason"] = reason
    return CaseMove(new, fields, entry, message)


def refund_ticket(case: Mapping[str, Any], note: str, now: datetime) -> TicketRequest:
    """Finance pays a refund back by hand (a bank transfer, a provider that refused): one ticket per case."""
    rma = case["case_id"]
    return TicketRequest(
        order_number=case["order_number"],
        case_id=rma,
        category=TicketCategory.PAYMENT,
        priority=TicketPriority.HIGH,
        subject=f"Zwrot pieniędzy: {rma}",
        note=note,
        source_ref=f"refund-transfer:{rma}",
        at=now,
    )
