"""Cases over time: the return label, return parcels moving them, the team's decision, and a complaint
deemed accepted when its answer deadline passed unanswered.

Every step is one forward move (domain.case_moves) with its timeline line and e-mail, in one commit;
what follows (the refund, a note on the finance or complaint ticket) is a command. The law sets which
decision fits which case: a withdrawal is never rejected, only accepted, possibly with a deduction for
a loss of value (UPK art. 34 ust. 4); a complaint is answered at any time, before the goods arrive too,
and never rejected after its deadline, when it is deemed accepted (art. 7a ust. 2).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from zwrotnica.context import Context
from zwrotnica.domain import deadlines
from zwrotnica.domain.case_moves import (
    CaseMove,
    after,
    case_move,
    day,
    refund_follow_up,
    refund_ticket_text,
)
from zwrotnica.effect import Effect
from zwrotnica.errors import CaseNotFound, InvalidPayload
from zwrotnica.messages import case_templates, compose, legal
from zwrotnica.messages.polish import money
from zwrotnica.models.case import (
    COMPLAINT_DEMAND_PL,
    UNDECIDED,
    CaseDecision,
    CaseKind,
    CaseStatus,
    ComplaintDemand,
    Verdict,
)
from zwrotnica.models.command import Command, CommandKind, update_ticket
from zwrotnica.models.common import iso
from zwrotnica.models.order import OrderItem
from zwrotnica.models.timeline import TimelineEntry
from zwrotnica.observability import logger
from zwrotnica.providers.errors import ProviderError
from zwrotnica.store import cases as case_store
from zwrotnica.store import orders as order_store
from zwrotnica.store import shipments as shipment_store

REFUNDING = frozenset({ComplaintDemand.PRICE_REDUCTION, ComplaintDemand.WITHDRAWAL})
ANSWERED = {"queue": None, "due_at": None}  # an answered complaint leaves the deemed-acceptance queue


def _case(rma: str, fresh: bool = False) -> dict[str, Any]:
    case = case_store.get(rma)
    if case is None:
        raise CaseNotFound()
    if fresh:  # a lost race: the lookup index may lag behind the move that won it
        case = case_store.get_current(case["order_number"], rma) or case
    return case


def _order(order_number: str) -> dict[str, Any]:
    view = order_store.load_view(order_number)
    return view.order if view else {}


def _apply(effect: Effect, case: dict[str, Any], move: CaseMove, ctx: Context) -> Effect:
    effect.write(case_store.moved(case, move.status.value, move.fields, ctx.now))
    return effect.line(case["order_number"], [move.entry] if move.entry else []).send([move.message])


def _move(
    case: dict[str, Any], new: CaseStatus, ctx: Context, order: dict[str, Any] | None = None, **kwargs: Any
) -> CaseMove | None:
    order = _order(case["order_number"]) if order is None else order
    return case_move(
        case,
        new,
        email=order.get("email", ""),
        status_url=ctx.status_url(case["order_number"]),
        shop_name=ctx.shop_name,
        now=ctx.now,
        **kwargs,
    )


def move(rma: str, new: CaseStatus, ctx: Context, fresh: bool = False, **kwargs: Any) -> Effect:
    """One forward move of a case by hand (outcome "not_moved" when it is not forward from where it is).
    A decision is never a plain move: it goes through `decide`, which knows what the law allows."""
    if new in (CaseStatus.ACCEPTED, CaseStatus.REJECTED):
        raise InvalidPayload("a decision on a case goes through decide()")
    case = _case(rma, fresh)
    step = _move(case, new, ctx, **kwargs)
    if step is None:
        return Effect("not_moved", data={"case_id": rma})
    return _apply(Effect(new.value, data={"case_id": rma}), case, step, ctx)


def decide(rma: str, decision: CaseDecision, ctx: Context, fresh: bool = False) -> Effect:
    """The team's decision on a case (the signed decision endpoint, the CLI's `cases` commands).

    A withdrawal: accept, with a deduction (grosze, with its reason) only once the goods are back; the
    refund (minus the deduction) follows through the payment provider, or as a note on the finance
    ticket of the refund clock when the customer gets a bank transfer (cash on delivery).
    A complaint, at any step before its answer: accept with the remedy (default the customer's demand;
    a price reduction with its amount, a refund by default of the complained items' value), reject with
    the reasons (refused once the answer deadline passed), or ask for the goods (the clock runs on).
    Raises InvalidPayload for a decision the law or the case's step does not allow."""
    case = _case(rma, fresh)
    if decision.verdict is Verdict.TRANSFER_SENT:
        raise InvalidPayload("a bank transfer is confirmed on the refund, not decided on the case")
    if CaseStatus(case["status"]) not in UNDECIDED:
        raise InvalidPayload("the case is not waiting for a decision")
    if case["kind"] == CaseKind.WITHDRAWAL.value:
        return _withdrawal(case, decision, ctx)
    return _complaint(case, decision, ctx)


def _withdrawal(case: dict[str, Any], decision: CaseDecision, ctx: Context) -> Effect:
    rma = case["case_id"]
    if decision.verdict is not Verdict.ACCEPT:
        raise InvalidPayload(
            "a withdrawal cannot be rejected or asked for (UPK art. 27): accept it, with a deduction for "
            "a loss of value caused by handling the goods beyond what was needed (art. 34 ust. 4)"
        )
    if decision.remedy or decision.amount:
        raise InvalidPayload("a withdrawal is accepted with a deduction, not with a remedy or an amount")
    refund, deduction = int(case.get("refund_amount") or 0), decision.deduction
    if deduction and CaseStatus(case["status"]) is not CaseStatus.DELIVERED_TO_SHOP:
        raise InvalidPayload("a deduction for a loss of value needs the goods back and checked")
    if deduction > refund:
        raise InvalidPayload("a deduction is at most the refund")
    order = _order(case["order_number"])
    cod = bool(case.get("bank_account"))
    changes: dict[str, Any] = {"decided_at": iso(ctx.now)}
    content, extra = None, ""
    if deduction:
        assert decision.reason is not None  # CaseDecision requires it
        content = case_templates.withdrawal_accepted_with_deduction(
            rma=rma,
            refund=refund,
            deduction=deduction,
            reason=decision.reason,
            refund_due=date.fromisoformat(case["refund_due"]),
            status_url=ctx.status_url(case["order_number"]) or "",
            shop_name=ctx.shop_name,
            cod=cod,
        )
        changes |= {
            "deduction": deduction,
            "deduction_reason": decision.reason,
            "refund_before_deduction": refund,
            "refund_amount": refund - deduction,
        }
        extra = f"Potrącenie za zmniejszenie wartości towaru: {money(deduction)}."
    step = _move(case, CaseStatus.ACCEPTED, ctx, order, changes=changes, content=content, extra_text=extra)
    if step is None:
        raise InvalidPayload("the case is not waiting for a decision")
    effect = _apply(Effect(step.status.value, data={"case_id": rma}), case, step, ctx)
    accepted = case | changes
    net = refund - deduction
    if net <= 0 and case.get("refund_ticket_ref"):
        note = legal.TicketText("", "Potrącenie równe kwocie zwrotu: nie ma czego zwracać.")
        return effect.follow(refund_follow_up(accepted, note, f"accepted:{rma}", ctx.now, solve=True))
    if net <= 0:
        return effect
    if cod:
        text = refund_ticket_text(accepted, **_proofs(case))
        return effect.follow(refund_follow_up(accepted, text, f"accepted:{rma}", ctx.now))
    return effect.follow(_refund_command(rma, ctx))


def _proofs(case: dict[str, Any]) -> dict[str, date | None]:
    """What the refund clock's note says of the goods: back with us, or proven sent (UPK art. 32)."""
    return {
        "goods_received": day(case["goods_received_at"]) if case.get("goods_received_at") else None,
        "proof_of_sending": day(case["proof_of_sending_at"]) if case.get("proof_of_sending_at") else None,
    }


def _refund_command(rma: str, ctx: Context) -> Command:
    return Command(
        kind=CommandKind.REQUEST_REFUND, key=f"case:{rma}", payload={"rma": rma}, created_at=ctx.now
    )


def _complaint(case: dict[str, Any], decision: CaseDecision, ctx: Context) -> Effect:
    answer_due = date.fromisoformat(case["answer_due"])
    if decision.deduction:
        raise InvalidPayload("a complaint carries no deduction")
    if decision.verdict is not Verdict.ACCEPT and ctx.now >= after(answer_due):
        raise InvalidPayload(
            f"the answer deadline passed ({answer_due.isoformat()}): the complaint is deemed accepted "
            "(UPK art. 7a ust. 2); a rejection or a request can no longer be sent"
        )
    if decision.verdict is Verdict.REQUEST_GOODS:
        return _request_goods(case, answer_due, ctx)
    order = _order(case["order_number"])
    if decision.verdict is Verdict.REJECT:
        return _reject(case, decision, order, ctx)
    return _accept_complaint(case, decision, order, ctx)


def _ticket_note(rma: str, ref: str, note: str, ctx: Context, **kwargs: Any) -> Command:
    """A note on the complaint's own ticket (opened with the case: `case:{rma}`)."""
    return update_ticket(f"case:{rma}", f"{ref}:{rma}", note, ctx.now, **kwargs)


def _reject(case: dict[str, Any], decision: CaseDecision, order: dict[str, Any], ctx: Context) -> Effect:
    rma, reasons = case["case_id"], decision.reason or ""
    content = case_templates.complaint_rejected(
        rma=rma,
        reasons=reasons,
        status_url=ctx.status_url(case["order_number"]) or "",
        shop_name=ctx.shop_name,
    )
    changes = ANSWERED | {"answered_at": iso(ctx.now)}
    step = _move(case, CaseStatus.REJECTED, ctx, order, reason=reasons, changes=changes, content=content)
    if step is None:
        raise InvalidPayload("the case is not waiting for a decision")
    effect = _apply(Effect(step.status.value, data={"case_id": rma}), case, step, ctx)
    note = legal.complaint_answered_note("nieuznana, z uzasadnieniem", day(ctx.now))
    return effect.follow(_ticket_note(rma, "answered", note, ctx, solve=True, legal_met=True))


def _items_value(case: dict[str, Any], order: dict[str, Any]) -> int:
    prices = {i["sku"]: OrderItem.model_validate(i).unit_price for i in order.get("items", [])}
    return sum(prices.get(sku, 0) * int(qty) for sku, qty in (case.get("items") or {}).items())


def _accept_complaint(
    case: dict[str, Any], decision: CaseDecision, order: dict[str, Any], ctx: Context
) -> Effect:
    rma = case["case_id"]
    remedy = decision.remedy or (ComplaintDemand(case["demand"]) if case.get("demand") else None)
    if remedy is None:
        raise InvalidPayload("name the remedy: repair, replacement, price_reduction or withdrawal")
    amount = decision.amount
    if amount and remedy not in REFUNDING:
        raise InvalidPayload("only a price reduction or a refund has an amount")
    if remedy is ComplaintDemand.PRICE_REDUCTION and not amount:
        raise InvalidPayload("a price reduction names its amount (grosze)")
    if remedy is ComplaintDemand.WITHDRAWAL and not amount:
        amount = _items_value(case, order)
    refund_due = deadlines.calendar_deadline(day(ctx.now), 14) if remedy in REFUNDING else None
    cod = bool(case.get("bank_account")) or order.get("payment_method") == "cod"
    content = case_templates.complaint_accepted(
        rma=rma,
        remedy=remedy,
        status_url=ctx.status_url(case["order_number"]) or "",
        shop_name=ctx.shop_name,
        amount=amount,
        refund_due=refund_due,
        cod=cod,
        details=decision.reason,
    )
    changes = ANSWERED | {"answered_at": iso(ctx.now), "remedy": remedy.value}
    if refund_due and amount:
        changes |= {"refund_amount": amount, "refund_due": refund_due.isoformat()}
    extra = f"Sposób załatwienia: {COMPLAINT_DEMAND_PL[remedy]}."
    step = _move(case, CaseStatus.ACCEPTED, ctx, order, changes=changes, content=content, extra_text=extra)
    if step is None:
        raise InvalidPayload("the case is not waiting for a decision")
    effect = _apply(Effect(step.status.value, data={"case_id": rma}), case, step, ctx)
    note = legal.complaint_answered_note(f"uznana ({COMPLAINT_DEMAND_PL[remedy]})", day(ctx.now))
    effect.follow(_ticket_note(rma, "answered", note, ctx, legal_met=True))
    if not (refund_due and amount):
        return effect
    accepted = case | changes
    if cod:
        return effect.follow(
            refund_follow_up(accepted, refund_ticket_text(accepted), f"accepted:{rma}", ctx.now)
        )
    return effect.follow(_refund_command(rma, ctx))


def _request_goods(case: dict[str, Any], answer_due: date, ctx: Context) -> Effect:
    rma, number = case["case_id"], case["order_number"]
    if CaseStatus(case["status"]) in (CaseStatus.IN_TRANSIT, CaseStatus.DELIVERED_TO_SHOP):
        raise InvalidPayload("the goods are on their way to us or here already")
    # our own signed link (GET /labels/{rma}), never an S3 pre-signed one (store.labels)
    label_url = ctx.label_url(rma) if case.get("label_key") else None
    content = case_templates.complaint_goods_requested(
        rma=rma,
        answer_due=answer_due,
        status_url=ctx.status_url(number) or "",
        shop_name=ctx.shop_name,
        label_url=label_url,
    )
    message = compose.email(
        dedup_key=f"case:{rma}:goods_requested",
        order_number=number,
        recipient=_order(number).get("email", ""),
        template="case_goods_requested",
        content=content,
        now=ctx.now,
    )
    entry = TimelineEntry(
        at=ctx.now,
        kind="case_goods_requested",
        ref=rma,
        text_pl=f"Reklamacja nr {rma}: poprosiliśmy o odesłanie reklamowanego towaru.",
    )
    effect = Effect("goods_requested", data={"case_id": rma})
    effect.write(case_store.updated(case, {"goods_requested_at": iso(ctx.now)}, ctx.now))
    effect.line(number, [entry]).send([message])
    note = legal.complaint_goods_requested_note(day(ctx.now), answer_due)
    return effect.follow(_ticket_note(rma, "goods", note, ctx))


def deem_accepted(item: dict[str, Any], ctx: Context, fresh: bool = False) -> Effect:
    """Sweeper: a complaint still unanswered after its answer deadline's last day is deemed accepted
    (UPK art. 7a ust. 2): recorded on the case (`deemed_accepted`, the customer's demand as the
    remedy), the customer told, the team's ticket noted. An overlapping sweep's move loses its race and
    decides again on the case as it is now (answered: it only leaves the queue)."""
    case = case_store.get_current(item["order_number"], item["case_id"]) if fresh else item
    if case is None:
        return Effect("gone")
    rma, answer_due = case["case_id"], date.fromisoformat(case["answer_due"])
    if CaseStatus(case["status"]) not in UNDECIDED or case.get("answered_at"):
        return Effect("answered").write(case_store.updated(case, ANSWERED, ctx.now))
    if ctx.now < after(answer_due):
        return Effect("not_due")
    demand = ComplaintDemand(case["demand"]) if case.get("demand") else None
    content = case_templates.complaint_deemed_accepted(
        rma=rma,
        answer_due=answer_due,
        demand=demand,
        status_url=ctx.status_url(case["order_number"]) or "",
        shop_name=ctx.shop_name,
    )
    changes = ANSWERED | {"deemed_accepted": True, "deemed_accepted_at": iso(ctx.now)}
    if demand:
        changes["remedy"] = demand.value
    extra = (
        "Nie odpowiedzieliśmy w ustawowym terminie, dlatego reklamację uważa się za uznaną (art. 7a "
        "ust. 2 ustawy o prawach konsumenta)."
    )
    step = _move(case, CaseStatus.ACCEPTED, ctx, changes=changes, content=content, extra_text=extra)
    if step is None:
        return Effect("answered")
    effect = _apply(Effect("deemed_accepted", data={"case_id": rma}), case, step, ctx)
    note = legal.complaint_deemed_accepted_note(answer_due, COMPLAINT_DEMAND_PL[demand] if demand else None)
    logger.warning("complaint deemed accepted", extra={"case_id": rma})
    return effect.follow(_ticket_note(rma, "deemed", note, ctx, required=False))


def move_for_return_parcel(command: Command, ctx: Context, fresh: bool) -> Effect:
    """A return parcel moved (courier webhook): every open withdrawal/complaint case of the order that
    can move forward follows, in one commit. The courier's first scan is the customer's proof of sending
    (UPK art. 32): from then the refund may not be held back, and the refund clock's ticket says so; so
    it does when the goods are back."""
    order_number, delivered = command.payload["order_number"], command.payload["delivered"]
    at = command.payload.get("at") or iso(command.created_at)
    view = order_store.load_view(order_number)
    target = CaseStatus.DELIVERED_TO_SHOP if delivered else CaseStatus.IN_TRANSIT
    effect = Effect("moved", data={"moved": []})
    order = view.order if view else {}
    for case in view.cases if view else []:
        proof = {"goods_received_at" if delivered else "proof_of_sending_at": at}
        known = {k: v for k, v in proof.items() if not case.get(k)}
        step = _move(case, target, ctx, order, changes=known)
        if step is None:
            continue
        _apply(effect, case, step, ctx)
        effect.data["moved"].append(case["case_id"])
        if known and case.get("refund_ticket_ref") and case["kind"] == CaseKind.WITHDRAWAL.value:
            text = refund_ticket_text(case, **_proofs(case | known))
            ref = f"{'goods' if delivered else 'sent'}:{case['case_id']}"
            effect.follow(refund_follow_up(case, text, ref, ctx.now))
    return effect


def issue_label(command: Command, ctx: Context, fresh: bool) -> Effect:
    """A return label (InPost ShipX when configured, else our printable slip) in S3 and a link to it by
    e-mail; the case moves to "etykieta wysłana". A case past that step has its label already.

    ShipX takes no idempotency key, so a shipment it made is stored on the case in a commit of its own
    before anything else can fail: the label follows as a second command, which takes the label of
    that shipment (a retry never makes a second one)."""
    from zwrotnica.store import labels

    rma = command.payload["rma"]
    case = _case(rma)
    if CaseStatus(case["status"]) is not CaseStatus.SUBMITTED:
        return Effect("nothing")
    view = order_store.load_view(case["order_number"])
    order = view.order if view else {}
    changes: dict[str, Any] = {}
    pdf, number = None, None
    shipx = _shipx(ctx)
    if shipx and case.get("return_method") == "paczkomat" and order:
        shipment_id = case.get("shipx_shipment_id") or _shipx_create(shipx, rma, order, ctx)
        if shipment_id and not case.get("shipx_shipment_id"):
            stored = case_store.moved(case, case["status"], {"shipx_shipment_id": shipment_id}, ctx.now)
            label = Command(
                kind=CommandKind.ISSUE_LABEL,
                key=f"label:{rma}:shipx",
                payload={"rma": rma},
                created_at=ctx.now,
            )
            return Effect("shipx_created").write(stored).follow(label)
        if shipment_id:
            pdf, changes, number = _shipx_label(shipx, rma, shipment_id)
    slip = pdf is None  # our printable slip, not a carrier's label: the e-mail says what to do with it
    if pdf is None:
        pdf = _slip(rma, case, order, ctx)
    key = f"labels/{rma}.pdf"
    labels.put_pdf(key, pdf)
    move = _move(
        case,
        CaseStatus.LABEL_SENT,
        ctx,
        order,
        changes=changes | {"label_key": key},
        label_url=ctx.label_url(rma),
        slip=slip,
    )
    effect = Effect("label_sent")
    if move:
        _apply(effect, case, move, ctx)
    if number:  # courier webhooks for this parcel now move the case
        fields = {"origin": "customer_return", "case_id": rma}
        effect.write(shipment_store.return_shipment(order["number"], "inpost", number, fields))
    return effect


def _shipx(ctx: Context):
    settings, token = ctx.settings, ctx.secrets().inpost_api_token
    if not (settings.shipx_organization_id and settings.shipx_return_receiver and token):
        return None
    from zwrotnica.providers.shipx_returns import ShipXReturns

    return ShipXReturns(settings.shipx_base_url, token, settings.shipx_organization_id)


def _shipx_create(shipx: Any, rma: str, order: dict[str, Any], ctx: Context) -> str | None:
    """The customer's return shipment at ShipX (its id); a failure falls back to the slip."""
    first, _, last = str(order.get("customer_name", "")).partition(" ")
    sender = {
        "first_name": first,
        "last_name": last or first,
        "email": order.get("email"),
        "phone": str(order.get("phone") or "").removeprefix("+48"),
    }
    receiver = json.loads(ctx.settings.shipx_return_receiver)
    try:
        return shipx.create(rma=rma, sender=sender, receiver=receiver)
    except ProviderError as exc:
        logger.warning("shipx return shipment failed", extra={"case_id": rma, "error": str(exc)})
        return None


def _shipx_label(shipx: Any, rma: str, shipment_id: str) -> tuple[bytes | None, dict[str, Any], str | None]:
    """The shipment's label if ShipX confirmed it already, and its tracking number; failures fall back
    to the slip."""
    try:
        label = shipx.label(shipment_id)
        number = shipx.tracking_number(shipment_id) if label else None
    except ProviderError as exc:
        logger.warning("shipx return label failed", extra={"case_id": rma, "error": str(exc)})
        return None, {}, None
    return label, ({"return_tracking_number": number} if number else {}), number


def _slip(rma: str, case: dict[str, Any], order: dict[str, Any], ctx: Context) -> bytes:
    from zwrotnica.documents import return_slip  # lazy: PDF rendering only runs here

    names = {i["sku"]: i["name"] for i in order.get("items", [])}
    settings = ctx.settings
    return return_slip.render(
        rma=rma,
        order_number=case["order_number"],
        return_address=settings.return_address or settings.shop_name,
        items=[(names.get(sku, sku), qty) for sku, qty in case["items"].items()],
        shop_name=settings.shop_name,
    )
