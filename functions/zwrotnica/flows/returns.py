"""The return form: find the order, check the rules, open a case with its confirmation in one go."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from zwrotnica.access import check_proof
from zwrotnica.context import Context
from zwrotnica.domain import case_moves, deadlines, returns
from zwrotnica.domain.bank_account import normalize_account
from zwrotnica.effect import Effect, Guard
from zwrotnica.errors import FormInvalid, OrderNotFound
from zwrotnica.messages import case_templates, compose
from zwrotnica.messages.polish import date_pl, on_date
from zwrotnica.models.case import (
    CASE_STATUS_PL,
    COMPLAINT_DEMAND_PL,
    CaseKind,
    CaseStatus,
    ComplaintDemand,
    rma_number,
)
from zwrotnica.models.command import Command, CommandKind, open_ticket
from zwrotnica.models.common import iso
from zwrotnica.models.order import OrderItem
from zwrotnica.models.returns import ReturnSubmission
from zwrotnica.models.ticket import TicketCategory, TicketChannel, TicketPriority, TicketRequest
from zwrotnica.models.timeline import TimelineEntry
from zwrotnica.observability import logger
from zwrotnica.store import cases as case_store
from zwrotnica.store import orders as order_store

WARSAW = ZoneInfo("Europe/Warsaw")
CLOSED_CASES = {CaseStatus.REJECTED.value, CaseStatus.CLOSED.value}
REFUNDING_DEMANDS = {ComplaintDemand.PRICE_REDUCTION, ComplaintDemand.WITHDRAWAL}


@dataclass(frozen=True)
class ReturnContext:
    order: dict
    items: list[OrderItem]
    in_open_cases: dict[str, int]
    window: returns.Window
    delivered_on: date | None
    cod: bool


def _day(moment: datetime) -> date:
    return moment.astimezone(WARSAW).date()


def lookup(
    order_number: str,
    email: str | None,
    phone: str | None,
    now: datetime,
    client: str | None = None,
    *,
    count: bool = True,
    token: str | None = None,
) -> ReturnContext:
    """The same OrderNotFound for a wrong number and a wrong e-mail (no enumeration, by the answer or its
    time: zwrotnica.access); failures counted per order and per client (`client`: the caller's IP) like
    the status page (`count`: not again when the same request decides a second time). `token`: the
    signed return-form link's (domain.links.return_form_url), proof instead of the e-mail or phone."""
    check_proof("lookup", order_number, email, phone, token, client, now, count=count)
    view = order_store.load_view(order_number)
    if view is None:
        raise OrderNotFound()
    possessed, all_delivered = returns.possession(view.shipments)
    held: dict[str, int] = {}
    for case in view.cases:
        if case.get("status") not in CLOSED_CASES:
            for sku, qty in (case.get("items") or {}).items():
                held[sku] = held.get(sku, 0) + int(qty)
    return ReturnContext(
        order=view.order,
        items=[OrderItem.model_validate(i) for i in view.order["items"]],
        in_open_cases=held,
        window=returns.withdrawal_window(possessed, all_delivered, _day(now)),
        delivered_on=max(possessed) if all_delivered else None,
        cod=view.order.get("payment_method") == "cod",
    )


def _check(
    sub: ReturnSubmission, ctx: ReturnContext, today: date, contact_email: str
) -> tuple[dict[str, str], str | None]:
    withdrawal = sub.kind is CaseKind.WITHDRAWAL
    errors = returns.selection_errors(ctx.items, sub.items, ctx.in_open_cases, withdrawal)
    if withdrawal and not ctx.window.open:
        errors["kind"] = returns.window_closed_message(ctx.window)
    if not withdrawal and not returns.complaint_allowed(ctx.delivered_on, today):
        assert ctx.delivered_on is not None  # allowed while not delivered
        # Not "no longer possible" (art. 43c): when the two years ended, and how to report an earlier defect.
        errors["kind"] = returns.complaint_limit_message(ctx.delivered_on, contact_email)
    account = None
    if ctx.cod and (withdrawal or sub.demand in REFUNDING_DEMANDS):
        account = normalize_account(sub.bank_account or "")
        if account is None:
            errors["bank_account"] = "Podaj poprawny numer konta do zwrotu (26 cyfr, np. PL61 1090 1014 …)."
    return errors, account


def submit(sub: ReturnSubmission, ctx: Context, client: str | None = None, fresh: bool = False) -> Effect:
    """Open the case with its confirmation e-mail (data: rma, created, the case as decided); the label
    and, for a complaint, the team's ticket with the legal answer deadline follow as commands. A
    submission that opened its case before answers with that case (created False). Raises FormInvalid."""
    now = ctx.now
    found = lookup(sub.order_number, sub.email, sub.phone, now, client, count=not fresh, token=sub.t)
    existing = case_store.find_submission(sub.order_number, sub.submission_key)
    if existing:
        return Effect("existing", data={"rma": existing, "created": False})
    today = _day(now)
    errors, account = _check(sub, found, today, ctx.support_email)
    if errors:
        raise FormInvalid(errors)
    rma = rma_number(today.year, case_store.next_sequence(today.year))
    withdrawal = sub.kind is CaseKind.WITHDRAWAL
    refund = (
        returns.refund_amount(found.items, sub.items, found.in_open_cases, _cheapest_delivery(found, ctx))
        if withdrawal
        else None
    )
    refund_due = returns.refund_due(today) if withdrawal else None
    answer_due = None if withdrawal else returns.complaint_answer_due(today)
    send_back_by = deadlines.statutory_deadline(today, 14) if withdrawal else None
    case = {
        "case_id": rma,
        "order_number": sub.order_number,
        "kind": sub.kind.value,
        "status": CaseStatus.SUBMITTED.value,
        "status_pl": CASE_STATUS_PL[CaseStatus.SUBMITTED],
        "items": {sku: qty for sku, qty in sub.items.items() if qty > 0},
        "reason": sub.reason.value if sub.reason else None,
        "description": sub.description,
        "demand": sub.demand.value if sub.demand else None,
        "return_method": sub.return_method.value,
        "bank_account": account,
        "received_at": iso(now),
        "refund_amount": refund,
        "refund_due": refund_due.isoformat() if refund_due else None,
        "answer_due": answer_due.isoformat() if answer_due else None,
        "send_back_by": send_back_by.isoformat() if send_back_by else None,
    }
    if refund:  # the refund clock's finance ticket (UPK art. 32), named on the case: its notes follow it
        case["refund_ticket_ref"] = case_moves.refund_deadline_ref(rma)
    if answer_due:  # deemed accepted when still unanswered after its last day (art. 7a ust. 2): the sweeper
        case |= {"queue": case_store.ANSWER_QUEUE, "due_at": iso(case_moves.after(answer_due))}
    content = case_templates.case_submitted(
        rma=rma,
        kind=sub.kind,
        pieces=sum(case["items"].values()),
        refund=refund,
        refund_due=refund_due,
        send_back_by=send_back_by,
        answer_due=answer_due,
        status_url=ctx.status_url(sub.order_number) or "",
        shop_name=ctx.shop_name,
        cod=found.cod,
    )
    message = compose.email(
        dedup_key=f"case:{rma}:submitted",
        order_number=sub.order_number,
        recipient=found.order["email"],
        template="case_submitted",
        content=content,
        now=now,
    )
    entry = TimelineEntry(
        at=now,
        kind="case_submitted",
        ref=rma,
        text_pl=case_templates.case_sentence(sub.kind, CaseStatus.SUBMITTED, rma),
    )
    marker, case_item = case_store.create(case, sub.submission_key, now)
    effect = Effect("opened", data={"rma": rma, "created": True, "case": case})
    effect.write(marker, Guard.DUPLICATE).write(case_item).line(sub.order_number, [entry]).send([message])
    effect.follow(
        Command(kind=CommandKind.ISSUE_LABEL, key=f"label:{rma}", payload={"rma": rma}, created_at=now)
    )
    if refund:
        effect.follow(open_ticket(case_moves.refund_deadline_request(case, now)))
    if answer_due:
        effect.follow(open_ticket(_complaint_ticket(sub, rma, answer_due, now)))
    logger.info("case submitted", extra={"case_id": rma, "kind": sub.kind.value})
    return effect


def _complaint_ticket(sub: ReturnSubmission, rma: str, answer_due: date, now: datetime) -> TicketRequest:
    """The team's ticket for a complaint: its answer deadline (UPK art. 7a) is a hard target."""
    demand = COMPLAINT_DEMAND_PL[sub.demand] if sub.demand else "brak"
    return TicketRequest(
        order_number=sub.order_number,
        case_id=rma,
        channel=TicketChannel.FORM,
        category=TicketCategory.COMPLAINT,
        priority=TicketPriority.HIGH,
        subject=f"Reklamacja {rma}",
        note=f"Reklamacja {rma}: żądanie klienta: {demand}. Ustawowy termin odpowiedzi: "
        f"{date_pl(answer_due)} "
        "Odpowiedz w każdej chwili, także zanim towar do nas dotrze: uznaj reklamację (ze sposobem "
        "załatwienia) albo jej nie uznawaj (z uzasadnieniem). Prośba o odesłanie towaru nie wstrzymuje "
        f"terminu. Bez odpowiedzi najpóźniej {on_date(answer_due)} reklamację uważa się za uznaną "
        "(art. 7a ust. 2 ustawy o prawach konsumenta).",
        source_ref=f"case:{rma}",
        at=now,
        legal_deadline=case_moves.end_of(answer_due),
    )


def submitted(sub: ReturnSubmission, effect: Effect) -> tuple[str, bool]:
    """(RMA, opened now) after the commit: a double submission that lost the race to its twin answers
    with the case the twin opened."""
    if effect.outcome == "duplicate":
        rma = case_store.find_submission(sub.order_number, sub.submission_key)
        if rma:
            return rma, False
    return effect.data["rma"], effect.data["created"]


def _cheapest_delivery(found: ReturnContext, ctx: Context) -> int:
    """Art. 33: the cheapest usual delivery the shop offers (setting), at most what was paid."""
    paid = int((found.order.get("delivery") or {}).get("shipping_cost", 0))
    return min(paid, ctx.settings.cheapest_delivery_grosze)
