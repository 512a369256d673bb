"""One forward step of a return or complaint case: what changes on it, the timeline line and the
customer's e-mail; and what the finance team's refund ticket says about the case. Pure: the use cases
that move cases (a return parcel, the team's decision, a label, a refund) write it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from zwrotnica.messages import case_templates, compose, legal
from zwrotnica.messages.templates import Email
from zwrotnica.models.case import CASE_STATUS_PL, CaseKind, CaseStatus, can_move
from zwrotnica.models.command import Command, open_ticket, update_ticket
from zwrotnica.models.outbox import OutboxMessage
from zwrotnica.models.ticket import TicketCategory, TicketChannel, TicketPriority, TicketRequest
from zwrotnica.models.timeline import TimelineEntry

WARSAW = ZoneInfo("Europe/Warsaw")


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
    slip: bool | None = None,
    cod: bool | None = None,
    content: Email | None = None,
    extra_text: str = "",
) -> CaseMove | None:
    """The move to `new`, or None when it is not a forward move from the case's current state (a late
    or repeated event, a decision on a case not waiting for one). `content`: the e-mail when the step
    has its own (a deduction, a complaint's answer); `extra_text` follows the timeline's sentence."""
    if not can_move(CaseStatus(case["status"]), new):
        return None
    rma, kind = case["case_id"], case.get("kind")
    content = content or case_templates.case_moved(
        rma=rma,
        status=new,
        status_url=status_url or "",
        shop_name=shop_name,
        reason=reason,
        refund=case.get("refund_amount"),
        label_url=label_url,
        kind=kind,
        slip=slip,
        cod=cod,
    )
    message = compose.email(
        dedup_key=f"case:{rma}:{new.value}",
        order_number=case["order_number"],
        recipient=email,
        template=f"case_{new.value}",
        content=content,
        now=now,
    )
    text = " ".join(t for t in (case_templates.case_sentence(kind, new, rma), extra_text) if t)
    entry = TimelineEntry(at=now, kind=f"case_{new.value}", ref=rma, text_pl=text)
    fields = {"status_pl": CASE_STATUS_PL[new], **(changes or {})}
    if reason:
        fields["decision_reason"] = reason
    return CaseMove(new, fields, entry, message)


def day(moment: str | datetime) -> date:
    """A stored time (ISO text or datetime) as its Warsaw date."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return moment.astimezone(WARSAW).date()


def end_of(day_: date) -> datetime:
    """The last minute of a day in Warsaw: a legal deadline on the ticket."""
    return datetime.combine(day_, time(23, 59), tzinfo=WARSAW)


def after(day_: date) -> datetime:
    """The first moment after a day ends (Warsaw): when a deadline on that day has passed."""
    return datetime.combine(day_ + timedelta(days=1), time(0), tzinfo=WARSAW)


def refund_ticket_text(
    case: Mapping[str, Any],
    *,
    amount: int | None = None,
    proof_of_sending: date | None = None,
    goods_received: date | None = None,
) -> legal.TicketText:
    """What finance reads about a case's refund (no personal data): a withdrawal's legal clock (UPK art.
    32: 14 days from the statement, held back only until the goods or a proof of sending came) or an
    accepted complaint's promised refund. `amount`: after a deduction; default the case's refund."""
    amount = int(case.get("refund_amount") or 0) if amount is None else amount
    cod = bool(case.get("bank_account"))
    due = date.fromisoformat(case["refund_due"]) if case.get("refund_due") else day(case["received_at"])
    if case.get("kind") == CaseKind.COMPLAINT.value:
        return legal.complaint_refund_ticket(
            rma=case["case_id"], order_number=case["order_number"], amount=amount, due=due, cod=cod
        )
    text = legal.refund_deadline_ticket(
        rma=case["case_id"],
        order_number=case["order_number"],
        amount=amount,
        statement_received=day(case["received_at"]),
        due=due,
        proof_of_sending=proof_of_sending,
        goods_received=goods_received,
        cod=cod,
    )
    if cod:
        text = legal.TicketText(
            text.subject, f"{text.note} {legal.transfer_confirmation_hint(case['case_id'])}"
        )
    return text


def refund_deadline_request(case: Mapping[str, Any], now: datetime) -> TicketRequest:
    """A withdrawal's refund clock as a finance ticket, opened with the case: its legal deadline (the end
    of `refund_due`, UPK art. 32 ust. 1) is a hard target no pause stops; resolved when the refund is
    ordered (the provider's refund, or the team's confirmed transfer)."""
    text = refund_ticket_text(case)
    return TicketRequest(
        order_number=case["order_number"],
        case_id=case["case_id"],
        channel=TicketChannel.SYSTEM,
        category=TicketCategory.PAYMENT,
        priority=TicketPriority.NORMAL,
        subject=text.subject,
        note=text.note,
        source_ref=refund_deadline_ref(case["case_id"]),
        at=now,
        legal_deadline=end_of(date.fromisoformat(case["refund_due"])),
    )


def refund_deadline_ref(rma: str) -> str:
    return f"refund-deadline:{rma}"


def refund_ticket(case: Mapping[str, Any], note: str, now: datetime, subject: str = "") -> TicketRequest:
    """Finance pays a refund back by hand (a bank transfer, a provider that refused): one ticket per case
    (cases opened before the refund clock had its own ticket, and complaint refunds)."""
    rma = case["case_id"]
    return TicketRequest(
        order_number=case["order_number"],
        case_id=rma,
        category=TicketCategory.PAYMENT,
        priority=TicketPriority.HIGH,
        subject=subject or f"Zwrot pieniędzy: {rma}",
        note=note,
        source_ref=f"refund-transfer:{rma}",
        at=now,
    )


def refund_follow_up(
    case: Mapping[str, Any], text: legal.TicketText, ref: str, now: datetime, *, solve: bool = False
) -> Command:
    """A note for finance about a case's refund: on the case's refund-clock ticket (solving it once the
    refund is ordered); for a case without one (opened before the clock had a ticket, a complaint's
    refund) a note on its refund ticket, or that ticket opened."""
    if case.get("refund_ticket_ref"):
        return update_ticket(case["refund_ticket_ref"], ref, text.note, now, solve=solve, required=True)
    legacy = refund_ticket(case, text.note, now, text.subject)
    if solve:  # nothing to solve when no transfer ticket was ever opened
        return update_ticket(legacy.source_ref, ref, text.note, now, solve=True, required=False)
    return open_ticket(legacy)
