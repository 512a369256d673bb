"""The order status a customer sees, in codes and in Polish. Pure: built from stored items."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from zwrotnica.domain.orders import SHOP_STATUS_PL
from zwrotnica.domain.shipment_status import STATUS_LABEL_PL, ShipmentStatus, tracking_url
from zwrotnica.messages.case_templates import case_label
from zwrotnica.models.order import ShopStatus

# Shown under the heading "Płatność" (feminine): adjectives agree with it, the rest needs no agreement.
PAYMENT_STATUS_PL = {
    "pending": "Czekamy na wpłatę",
    "waiting_for_confirmation": "W trakcie potwierdzania",
    "cod": "Przy odbiorze (za pobraniem)",
    "paid": "Otrzymana",
    "failed": "Nieudana",
    "cancelled": "Anulowana",
    "partially_refunded": "Zwrócona częściowo",
    "refunded": "Zwrócona w całości",
}


class Coded(BaseModel):
    code: str
    label: str


class ShipmentView(BaseModel):
    carrier: str
    tracking_number: str
    status: Coded
    tracking_url: str | None = None


class TimelineView(BaseModel):
    at: str
    kind: str
    text: str


class CaseView(BaseModel):
    case_id: str
    kind: str
    status: Coded


class OrderStatusView(BaseModel):
    order_number: str
    status: Coded
    payment: Coded
    total: int
    currency: str
    shipments: list[ShipmentView]
    timeline: list[TimelineView]
    cases: list[CaseView]


def _shipment(carrier: str, number: str, status: str | None) -> ShipmentView:
    code = ShipmentStatus(status) if status in ShipmentStatus.__members__ else ShipmentStatus.LABEL_CREATED
    try:
        url: str | None = tracking_url(carrier, number)
    except ValueError:
        url = None
    return ShipmentView(
        carrier=carrier,
        tracking_number=number,
        status=Coded(code=code, label=STATUS_LABEL_PL[code]),
        tracking_url=url,
    )


def _case_label(case: dict[str, Any]) -> str:
    """By kind and state ("reklamacja uznana"); a state we do not know keeps the label stored with it."""
    try:
        return case_label(case.get("kind"), case["status"])
    except ValueError:
        return case.get("status_pl", "")


def build_view(
    order: dict[str, Any], timeline: list[dict], shipments: list[dict], cases: list[dict]
) -> OrderStatusView:
    known = {(s["carrier"], s["tracking_number"]): s for s in shipments}
    refs = [(s["carrier"], s["tracking_number"]) for s in order.get("shipments") or []]
    refs += [key for key in known if key not in refs]
    payment = order.get("payment_status", "pending")
    shop_status = ShopStatus(order["shop_status"])
    return OrderStatusView(
        order_number=order["number"],
        status=Coded(code=shop_status, label=SHOP_STATUS_PL[shop_status]),
        payment=Coded(code=payment, label=PAYMENT_STATUS_PL.get(payment, payment)),
        total=order["total"],
        currency=order["currency"],
        shipments=[_shipment(c, n, known.get((c, n), {}).get("status")) for c, n in refs],
        timeline=[
            TimelineView(at=t["at"], kind=t["kind"], text=t["text_pl"])
            for t in sorted(timeline, key=lambda t: t["sk"], reverse=True)
        ],
        cases=[
            CaseView(
                case_id=c["case_id"],
                kind=c["kind"],
                status=Coded(code=c["status"], label=_case_label(c)),
            )
            for c in cases
        ],
    )
