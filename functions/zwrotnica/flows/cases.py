"""Cases over time: return parcels move them, the team accepts or rejects, the refund goes out."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from zwrotnica.errors import CaseNotFound, InvalidPayload, NotRefundable
from zwrotnica.flows import outbox as outbox_flow
from zwrotnica.flows.orders import status_link
from zwrotnica.messages import case_templates, compose
from zwrotnica.models.case import CASE_STATUS_PL, CaseKind, CaseStatus, can_move
from zwrotnica.models.ticket import TicketCategory, TicketPriority, TicketRequest
from zwrotnica.models.timeline import TimelineEntry
from zwrotnica.observability import logger
from zwrotnica.providers.errors import ProviderError
from zwrotnica.providers.shipx_returns import ShipXReturns
from zwrotnica.settings import get_settings
from zwrotnica.store import cases as case_store
from zwrotnica.store import orders as order_store
from zwrotnica.store import tickets

# Set by the payments flow when it is deployed: (order_number, amount, reason_ref, now) -> provider ref.
Refunder = Callable[[str, int, str, datetime], str]


def move(
    rma: str,
    new: CaseStatus,
    now: datetime,
    base_url: str,
    *,
    reason: str | None = None,
    changes: dict[str, Any] | None = None,
    label_url: str | None = None,
) -> bool:
    """One forward transition: on the timeline, one e-mail. False when it is not a forward move from
    the current state (a late or repeated event) or another writer moved the case first."""
    case = case_store.get(rma)
    if case is None:
        raise CaseNotFound()
    current = CaseStatus(case["status"])
    if not can_move(current, new):
        return False
    order = order_store.load_view(case["order_number"])
    email = order.order["email"] if order else ""
    content = case_templates.case_moved(
        rma=rma,
        status=new,
        status_url=status_link(base_url, case["order_number"], now),
        shop_name=get_settings().shop_name,
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
    messages = [message] if message else []
    if not case_store.move(case, new.value, fields, [entry], messages, now):
        return False
    logger.info("case moved", extra={"case_id": rma, "from": current.value, "to": new.value})
    outbox_flow.deliver(messages, now)
    return True


def decide(
    rma: str,
    accept: bool,
    now: datetime,
    base_url: str,
    *,
    reason: str | None = None,
    refunder: Refunder | None = None,
) -> CaseStatus:
    """The team's decision on goods that arrived. Acceptance of a withdrawal orders the refund."""
    if not accept and not reason:
        raise InvalidPayload("a rejection needs a reason for the customer")
    if not move(rma, CaseStatus.ACCEPTED if accept else CaseStatus.REJECTED, now, base_url, reason=reason):
        raise InvalidPayload("the case is not waiting for a decision")
    case = case_store.get(rma)
    assert case is not None
    if not accept or case["kind"] != CaseKind.WITHDRAWAL.value or not case.get("refund_amount"):
        return CaseStatus(case["status"])
    if not case.get("bank_account") and refunder is not None:
        try:
            ref = refunder(case["order_number"], int(case["refund_amount"]), f"case:{rma}", now)
        except NotRefundable:
            pass  # paid by transfer or another way: the team pays it back by transfer
        except ProviderError as exc:
            _refund_ticket(case, now, f"Zwrot przez operatora płatności nie powiódł się ({exc}); ponów go.")
            return CaseStatus.ACCEPTED
        else:
            move(rma, CaseStatus.REFUND_ORDERED, now, base_url, changes={"refund_ref": ref})
            return CaseStatus.REFUND_ORDERED
    _refund_ticket(
        case,
        now,
        f"Przelej {case['refund_amount']} gr na konto ze zgłoszenia {rma} do {case.get('refund_due')}.",
    )
    return CaseStatus.ACCEPTED


def _refund_ticket(case: dict[str, Any], now: datetime, note: str) -> None:
    rma = case["case_id"]
    tickets.open_or_append(
        TicketRequest(
            order_number=case["order_number"],
            case_id=rma,
            category=TicketCategory.PAYMENT,
            priority=TicketPriority.HIGH,
            subject=f"Zwrot pieniędzy: {rma}",
            note=note,
            source_ref=f"refund-transfer:{rma}",
            at=now,
        )
    )


def on_return_parcel(order_number: str, delivered: bool, now: datetime, base_url: str) -> list[str]:
    """A return parcel moved (courier webhook): every open withdrawal/complaint case of the order follows."""
    view = order_store.load_view(order_number)
    moved = []
    target = CaseStatus.DELIVERED_TO_SHOP if delivered else CaseStatus.IN_TRANSIT
    for case in view.cases if view else []:
        if move(case["case_id"], target, now, base_url):
            moved.append(case["case_id"])
    return moved


def issue_label(rma: str, now: datetime, base_url: str, shipx: ShipXReturns | None = None) -> bool:
    """A return label (InPost ShipX when configured, else our printable slip) in S3, and a link to it by
    e-mail; moves the case to "etykieta wysłana"."""
    from zwrotnica.store import labels

    case = case_store.get(rma)
    if case is None:
        raise CaseNotFound()
    view = order_store.load_view(case["order_number"])
    order = view.order if view else {}
    changes: dict[str, Any] = {}
    pdf = None
    shipx = shipx or _shipx()
    if shipx and case.get("return_method") == "paczkomat" and order:
        pdf, changes = _shipx_label(shipx, rma, order)
    if pdf is None:
        pdf = _slip(rma, case, order)
    key = f"labels/{rma}.pdf"
    labels.put_pdf(key, pdf)
    return move(
        rma,
        CaseStatus.LABEL_SENT,
        now,
        base_url,
        changes=changes | {"label_key": key},
        label_url=labels.link(key),
    )


def _shipx() -> ShipXReturns | None:
    from zwrotnica.secrets import get_secrets

    settings, token = get_settings(), get_secrets().inpost_api_token
    if not (settings.shipx_organization_id and settings.shipx_return_receiver and token):
        return None
    return ShipXReturns(settings.shipx_base_url, token, settings.shipx_organization_id)


def _shipx_label(shipx: ShipXReturns, rma: str, order: dict[str, Any]) -> tuple[bytes | None, dict[str, Any]]:
    """Create the return shipment and take its label if ShipX confirmed it already; failures fall
    back to the slip."""
    first, _, last = str(order.get("customer_name", "")).partition(" ")
    sender = {
        "first_name": first,
        "last_name": last or first,
        "email": order.get("email"),
        "phone": str(order.get("phone") or "").removeprefix("+48"),
    }
    receiver = json.loads(get_settings().shipx_return_receiver)
    try:
        shipment_id = shipx.create(rma=rma, sender=sender, receiver=receiver)
        label = shipx.label(shipment_id)
        number = shipx.tracking_number(shipment_id) if label else None
        if number:  # courier webhooks for this parcel now move the case
            from zwrotnica.store import shipments

            shipments.register_return(order["number"], "inpost", number, rma)
        return label, {"shipx_shipment_id": shipment_id} | (
            {"return_tracking_number": number} if number else {}
        )
    except ProviderError as exc:
        logger.warning("shipx return shipment failed", extra={"case_id": rma, "error": str(exc)})
        return None, {}


def _slip(rma: str, case: dict[str, Any], order: dict[str, Any]) -> bytes:
    from zwrotnica.documents import return_slip  # lazy: PDF rendering only runs here

    names = {i["sku"]: i["name"] for i in order.get("items", [])}
    settings = get_settings()
    return return_slip.render(
        rma=rma,
        order_number=case["order_number"],
        return_address=settings.return_address or settings.shop_name,
        items=[(names.get(sku, sku), qty) for sku, qty in case["items"].items()],
        shop_name=settings.shop_name,
    )


def default_refunder() -> Refunder:
    """Refunds through the provider the customer paid with (PayU, Przelewy24), keyed by the case."""
    from zwrotnica.flows import refunds

    return lambda order_number, amount, reason_ref, now: refunds.request_refund(
        order_number, amount, reason_ref, now
    ).key
