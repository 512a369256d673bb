"""Cases over time: the return label, return parcels moving them, the team's verdict on the goods.

Every step is one forward move (domain.case_moves) with its timeline line and e-mail, in one commit;
what follows (the refund, a ticket for a transfer) is a command.
"""

from __future__ import annotations

import json
from typing import Any

from zwrotnica.context import Context
from zwrotnica.domain.case_moves import CaseMove, case_move, refund_ticket
from zwrotnica.effect import Effect
from zwrotnica.errors import CaseNotFound, InvalidPayload
from zwrotnica.models.case import CaseKind, CaseStatus
from zwrotnica.models.command import Command, CommandKind, open_ticket
from zwrotnica.observability import logger
from zwrotnica.providers.errors import ProviderError
from zwrotnica.store import cases as case_store
from zwrotnica.store import orders as order_store
from zwrotnica.store import shipments as shipment_store


def _case(rma: str) -> dict[str, Any]:
    case = case_store.get(rma)
    if case is None:
        raise CaseNotFound()
    return case


def _email(order_number: str) -> str:
    view = order_store.load_view(order_number)
    return view.order.get("email", "") if view else ""


def _apply(effect: Effect, case: dict[str, Any], move: CaseMove, ctx: Context) -> Effect:
    effect.write(case_store.moved(case, move.status.value, move.fields, ctx.now))
    return effect.line(case["order_number"], [move.entry] if move.entry else []).send([move.message])


def _move(case: dict[str, Any], new: CaseStatus, ctx: Context, **kwargs: Any) -> CaseMove | None:
    return case_move(
        case,
        new,
        email=_email(case["order_number"]),
        status_url=ctx.status_url(case["order_number"]),
        shop_name=ctx.shop_name,
        now=ctx.now,
        **kwargs,
    )


def move(rma: str, new: CaseStatus, ctx: Context, fresh: bool = False, **kwargs: Any) -> Effect:
    """One forward move of a case by hand (outcome "not_moved" when it is not forward from where it is)."""
    case = _case(rma)
    step = _move(case, new, ctx, **kwargs)
    if step is None:
        return Effect("not_moved", data={"case_id": rma})
    return _apply(Effect(new.value, data={"case_id": rma}), case, step, ctx)


def settle_returned_goods(
    rma: str, accept: bool, ctx: Context, fresh: bool = False, *, reason: str | None = None
) -> Effect:
    """The team's verdict on goods that arrived: accepted or rejected (with a reason for the customer).
    An accepted withdrawal's refund follows: through the payment provider, or as a transfer ticket
    for finance when the customer gave a bank account (cash on delivery)."""
    if not accept and not reason:
        raise InvalidPayload("a rejection needs a reason for the customer")
    case = _case(rma)
    move = _move(case, CaseStatus.ACCEPTED if accept else CaseStatus.REJECTED, ctx, reason=reason)
    if move is None:
        raise InvalidPayload("the case is not waiting for a decision")
    effect = _apply(Effect(move.status.value, data={"case_id": rma}), case, move, ctx)
    if not accept or case["kind"] != CaseKind.WITHDRAWAL.value or not case.get("refund_amount"):
        return effect
    if case.get("bank_account"):
        note = f"Przelej {case['refund_amount']} gr na konto ze zgłoszenia {rma} do {case.get('refund_due')}."
        return effect.follow(open_ticket(refund_ticket(case, note, ctx.now)))
    return effect.follow(
        Command(kind=CommandKind.REQUEST_REFUND, key=f"case:{rma}", payload={"rma": rma}, created_at=ctx.now)
    )


def move_for_return_parcel(command: Command, ctx: Context, fresh: bool) -> Effect:
    """A return parcel moved (courier webhook): every open withdrawal/complaint case of the order that
    can move forward follows, in one commit."""
    order_number, delivered = command.payload["order_number"], command.payload["delivered"]
    view = order_store.load_view(order_number)
    target = CaseStatus.DELIVERED_TO_SHOP if delivered else CaseStatus.IN_TRANSIT
    effect = Effect("moved", data={"moved": []})
    email = view.order.get("email", "") if view else ""
    for case in view.cases if view else []:
        move = case_move(
            case,
            target,
            email=email,
            status_url=ctx.status_url(order_number),
            shop_name=ctx.shop_name,
            now=ctx.now,
        )
        if move:
            _apply(effect, case, move, ctx)
            effect.data["moved"].append(case["case_id"])
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
    if pdf is None:
        pdf = _slip(rma, case, order, ctx)
    key = f"labels/{rma}.pdf"
    labels.put_pdf(key, pdf)
    move = _move(
        case, CaseStatus.LABEL_SENT, ctx, changes=changes | {"label_key": key}, label_url=labels.link(key)
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
