"""Use cases as the edges run them (decided, committed, then what follows), for tests that drive one
directly instead of through a handler: each builds the Context an edge would and goes through the bus."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from zwrotnica.context import Context
from zwrotnica.dispatch import bus
from zwrotnica.effect import Effect
from zwrotnica.models.case import CaseDecision, CaseStatus
from zwrotnica.models.command import Command, CommandKind
from zwrotnica.models.ticket import TicketRequest

BASE = "https://sklep.example.com/api"


def run(
    use_case: Callable[[Context, bool], Effect], now: datetime | None = None, base_url: str = BASE
) -> Effect:
    ctx = Context.build(now or datetime.now(UTC), base_url)
    return bus.run(lambda fresh: use_case(ctx, fresh), ctx)


def open_ticket(request: TicketRequest) -> tuple[str, bool]:
    """(ticket id, opened now): a note on the order's open ticket, or a repeat, is not a new one."""
    from zwrotnica.flows import tickets

    effect = run(lambda ctx, fresh: tickets.open_ticket(request, ctx, fresh), request.at)
    return effect.data["ticket_id"], effect.outcome == "opened"


def on_return_parcel(order_number: str, delivered: bool, now: datetime, base_url: str = BASE) -> list[str]:
    """The cases a return parcel's event moved (what the courier webhook's command does)."""
    from zwrotnica.flows import cases

    command = Command(
        kind=CommandKind.MOVE_RETURN_CASES,
        key=f"test:{order_number}:{delivered}",
        payload={"order_number": order_number, "delivered": delivered},
        created_at=now,
    )
    effect = run(lambda ctx, fresh: cases.move_for_return_parcel(command, ctx, fresh), now, base_url)
    return [] if effect.outcome == "duplicate" else effect.data["moved"]


def move(rma: str, new: CaseStatus, now: datetime, base_url: str = BASE) -> bool:
    from zwrotnica.flows import cases

    return run(lambda ctx, fresh: cases.move(rma, new, ctx, fresh), now, base_url).outcome == new.value


def decide(rma: str, decision: CaseDecision | dict, now: datetime, base_url: str = BASE) -> CaseStatus:
    """The team's decision on a case (as the decision endpoint and the CLI make it); the case's status
    once what follows (the refund) ran."""
    from zwrotnica.flows import cases
    from zwrotnica.store import cases as case_store

    decision = decision if isinstance(decision, CaseDecision) else CaseDecision.model_validate(decision)
    run(lambda ctx, fresh: cases.decide(rma, decision, ctx, fresh), now, base_url)
    return CaseStatus(case_store.get(rma)["status"])


def confirm_transfer(rma: str, on: date, now: datetime, base_url: str = BASE) -> CaseStatus:
    """Finance confirms the bank transfer of a case's refund."""
    from zwrotnica.flows import refunds
    from zwrotnica.store import cases as case_store

    run(lambda ctx, fresh: refunds.confirm_transfer(rma, on, ctx, fresh), now, base_url)
    return CaseStatus(case_store.get(rma)["status"])


def reply(ticket_id: str, text: str, now: datetime):
    from zwrotnica.flows import tickets

    return run(lambda ctx, fresh: tickets.reply(ticket_id, text, ctx, fresh), now).data["reply"]


def pending(ticket_id: str, on: str, now: datetime):
    from zwrotnica.flows import tickets

    return run(lambda ctx, fresh: tickets.pending(ticket_id, on, ctx, fresh), now).data["status"]


def solve(ticket_id: str, now: datetime) -> None:
    from zwrotnica.flows import tickets

    run(lambda ctx, fresh: tickets.solve(ticket_id, ctx, fresh), now)


def request_refund(order_number: str, amount: int, reason_ref: str, now: datetime):
    """flows.refunds.RefundRequest of one refund request."""
    from zwrotnica.flows import refunds

    effect = run(lambda ctx, fresh: refunds.request_refund(order_number, amount, reason_ref, ctx, fresh), now)
    return effect.data["refund"]


def ingest_payment(event, now: datetime, base_url: str = BASE) -> Effect:
    from zwrotnica.flows import payments

    return run(lambda ctx, fresh: payments.ingest(event, ctx, fresh), now, base_url)


def record_event(ticket_id: str, event, now: datetime) -> Effect:
    """A history event on a stored ticket (what a reply or a status change records)."""
    from zwrotnica.flows import tickets
    from zwrotnica.store import tickets as ticket_store

    return run(lambda ctx, fresh: tickets.record(ticket_store.get(ticket_id), event, ctx.now), now)


def fake_refunds(monkeypatch) -> list[tuple[str, int, str]]:
    """The payment provider's refund as flows.refunds.request_refund answers once it sent one (PayU's
    refundId "REF-1"), without the provider: the calls it got (order, grosze, reason)."""
    from zwrotnica.flows import refunds

    calls = []

    def refunder(order_number: str, amount: int, reason_ref: str, ctx, fresh=False) -> Effect:
        calls.append((order_number, amount, reason_ref))
        return Effect(
            "requested", data={"refund": refunds.RefundRequest("REF-1", "payu", amount, "requested")}
        )

    monkeypatch.setattr(refunds, "request_refund", refunder)
    return calls
