"""The order status a customer sees, in codes and in Polish. Pure: built from stored items.

`build_view` gives the JSON answer (`OrderStatusView`, unchanged shape) and, in a field the JSON leaves
out (`detail`), the facts only the HTML page shows. `status_page` turns those facts, at a moment, into
what the page draws: a progress line per parcel, the one thing to do now, the dates that matter.
The Polish words of the page are in `zwrotnica.web.status_page`; here are codes and dates only.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from zwrotnica.domain import returns
from zwrotnica.domain.orders import SHOP_STATUS_PL
from zwrotnica.domain.shipment_status import STATUS_LABEL_PL, ShipmentStatus, tracking_url
from zwrotnica.messages.case_templates import case_label
from zwrotnica.models.case import CaseKind, CaseStatus
from zwrotnica.models.order import ShopStatus

WARSAW = ZoneInfo("Europe/Warsaw")
S = ShipmentStatus
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
PAID = frozenset({"paid", "partially_refunded", "refunded"})


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


class ParcelFacts(BaseModel):
    carrier: str
    tracking_number: str
    status: ShipmentStatus
    tracking_url: str | None = None
    is_return: bool = False
    origin: str | None = None  # "customer_return" (a case's parcel) or "zdn" (InPost sends it back)
    case_id: str | None = None
    point_id: str | None = None
    point_name: str | None = None
    point_address: str | None = None
    pickup_deadline: datetime | None = None
    possessed_at: datetime | None = None
    last_event_at: datetime | None = None
    expected_delivery: date | None = None  # where the carrier gives one (AfterShip's estimate)


class CaseFacts(BaseModel):
    case_id: str
    kind: CaseKind
    status: CaseStatus
    pieces: int = 0
    refund_amount: int | None = None
    refund_due: date | None = None
    send_back_by: date | None = None
    answer_due: date | None = None


class StatusDetail(BaseModel):
    """What only the HTML page shows (left out of the JSON answer)."""

    shop_status: ShopStatus
    payment_status: str
    cod: bool = False
    paczkomat: bool = False  # delivery to a Paczkomat / pick-up point
    point_id: str | None = None  # the point the customer chose
    created_at: datetime | None = None
    parcels: list[ParcelFacts] = Field(default_factory=list)
    cases: list[CaseFacts] = Field(default_factory=list)


class OrderStatusView(BaseModel):
    order_number: str
    status: Coded
    payment: Coded
    total: int
    currency: str
    shipments: list[ShipmentView]
    timeline: list[TimelineView]
    cases: list[CaseView]
    detail: StatusDetail | None = Field(default=None, exclude=True)


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _day(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _status(value: Any) -> ShipmentStatus:
    return ShipmentStatus(value) if value in ShipmentStatus.__members__ else ShipmentStatus.LABEL_CREATED


def _url(carrier: str, number: str) -> str | None:
    try:
        return tracking_url(carrier, number)
    except ValueError:
        return None


def _shipment(carrier: str, number: str, status: str | None) -> ShipmentView:
    code = _status(status)
    return ShipmentView(
        carrier=carrier,
        tracking_number=number,
        status=Coded(code=code, label=STATUS_LABEL_PL[code]),
        tracking_url=_url(carrier, number),
    )


def _case_label(case: dict[str, Any]) -> str:
    """By kind and state ("reklamacja uznana"); a state we do not know keeps the label stored with it."""
    try:
        return case_label(case.get("kind"), case["status"])
    except ValueError:
        return case.get("status_pl", "")


def _parcel(carrier: str, number: str, item: dict[str, Any]) -> ParcelFacts:
    return ParcelFacts(
        carrier=carrier,
        tracking_number=number,
        status=_status(item.get("status")),
        tracking_url=_url(carrier, number),
        is_return=bool(item.get("is_return")),
        origin=item.get("origin"),
        case_id=item.get("case_id"),
        point_id=item.get("point_id"),
        point_name=item.get("point_name"),
        point_address=item.get("point_address"),
        pickup_deadline=_when(item.get("pickup_deadline")),
        possessed_at=_when(item.get("possessed_at")),
        last_event_at=_when(item.get("last_event_at")),
        expected_delivery=_day(item.get("expected_delivery")),
    )


def _case(c: dict[str, Any]) -> CaseFacts | None:
    try:
        return CaseFacts(
            case_id=c["case_id"],
            kind=CaseKind(c.get("kind")),
            status=CaseStatus(c.get("status")),
            pieces=sum(int(q) for q in (c.get("items") or {}).values()),
            refund_amount=c.get("refund_amount"),
            refund_due=_day(c.get("refund_due")),
            send_back_by=_day(c.get("send_back_by")),
            answer_due=_day(c.get("answer_due")),
        )
    except (KeyError, ValueError):
        return None


def build_view(
    order: dict[str, Any], timeline: list[dict], shipments: list[dict], cases: list[dict]
) -> OrderStatusView:
    known = {(s["carrier"], s["tracking_number"]): s for s in shipments}
    refs = [(s["carrier"], s["tracking_number"]) for s in order.get("shipments") or []]
    refs += [key for key in known if key not in refs]
    payment = order.get("payment_status", "pending")
    shop_status = ShopStatus(order["shop_status"])
    delivery = order.get("delivery") or {}
    detail = StatusDetail(
        shop_status=shop_status,
        payment_status=payment,
        cod=order.get("payment_method") == "cod",
        paczkomat=delivery.get("method") == "paczkomat",
        point_id=delivery.get("point_id"),
        created_at=_when(order.get("created_at")),
        parcels=[_parcel(c, n, known.get((c, n), {})) for c, n in refs],
        cases=[f for f in (_case(c) for c in cases) if f is not None],
    )
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
        detail=detail,
    )


# --- The page: progress lines and what to do now ------------------------------------------------------


class Step(StrEnum):
    ORDERED = "ordered"
    PAID = "paid"
    SHIPPED = "shipped"
    IN_TRANSIT = "in_transit"
    LAST_MILE = "last_mile"  # in the Paczkomat / pick-up point, or with the courier
    RECEIVED = "received"


class CaseStep(StrEnum):
    SUBMITTED = "submitted"
    SENT_BACK = "sent_back"
    ARRIVED = "arrived"
    DECIDED = "decided"
    REFUNDED = "refunded"


class Todo(StrEnum):
    """The one thing the page tells the customer to do (or that nothing needs doing)."""

    PAY = "pay"
    PREPARING = "preparing"
    ON_HOLD = "on_hold"
    AWAITING_CARRIER = "awaiting_carrier"
    ON_THE_WAY = "on_the_way"
    BE_THERE = "be_there"  # the courier comes today
    COLLECT = "collect"
    COLLECT_LATE = "collect_late"  # the pickup deadline has passed: it may still be there
    DELAYED = "delayed"
    FAILED = "failed"
    PROBLEM = "problem"
    GOING_BACK = "going_back"
    CANCELLED_PARCEL = "cancelled_parcel"
    RECEIVED = "received"
    ORDER_CANCELLED = "order_cancelled"
    ORDER_REFUNDED = "order_refunded"
    ORDER_DONE = "order_done"
    # cases
    SEND_BACK = "send_back"
    RETURN_ON_THE_WAY = "return_on_the_way"
    CHECKING = "checking"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    REFUND_ORDERED = "refund_ordered"
    CLOSED = "closed"


# Several parcels: the page's headline is the most pressing of their `Todo`s.
URGENCY = [
    Todo.COLLECT_LATE,
    Todo.COLLECT,
    Todo.FAILED,
    Todo.BE_THERE,
    Todo.PROBLEM,
    Todo.DELAYED,
    Todo.GOING_BACK,
    Todo.ON_THE_WAY,
    Todo.AWAITING_CARRIER,
    Todo.CANCELLED_PARCEL,
    Todo.RECEIVED,
]


class Progress(BaseModel):
    steps: list[str]
    reached: int  # index of the last step reached (highlighted); -1: none
    problem: bool = False


class ParcelPage(BaseModel):
    parcel: ParcelFacts
    progress: Progress
    todo: Todo
    withdrawal_until: date | None = None  # shown with RECEIVED while the 14 days run


class CasePage(BaseModel):
    case: CaseFacts
    progress: Progress
    todo: Todo
    parcels: list[ParcelFacts] = Field(default_factory=list)  # the customer's return parcels


class StatusPage(BaseModel):
    view: OrderStatusView
    detail: StatusDetail
    headline: Todo
    order_progress: Progress | None  # before any parcel exists (or the order ended without one)
    parcels: list[ParcelPage]
    going_back: list[ParcelFacts]  # InPost sends a parcel back under a new number (ZDN)
    cases: list[CasePage]
    returnable: bool  # the return form makes sense (not cancelled, not refunded)


def order_steps(detail: StatusDetail) -> list[str]:
    steps = [Step.ORDERED, Step.PAID, Step.SHIPPED, Step.IN_TRANSIT, Step.LAST_MILE, Step.RECEIVED]
    return [s.value for s in steps if not (detail.cod and s is Step.PAID)]


def _at(steps: list[str], step: Step) -> int:
    return steps.index(step.value)


PARCEL_STEP = {
    S.UNKNOWN: (Step.SHIPPED, False),
    S.LABEL_CREATED: (Step.SHIPPED, False),
    S.IN_TRANSIT: (Step.IN_TRANSIT, False),
    S.OUT_FOR_DELIVERY: (Step.LAST_MILE, False),
    S.READY_FOR_PICKUP: (Step.LAST_MILE, False),
    S.DELIVERED: (Step.RECEIVED, False),
    S.DELAYED: (Step.IN_TRANSIT, True),
    S.EXCEPTION: (Step.IN_TRANSIT, True),
    S.RETURNING_TO_SENDER: (Step.IN_TRANSIT, True),
    S.RETURNED: (Step.IN_TRANSIT, True),
    S.DELIVERY_FAILED: (Step.LAST_MILE, True),
    S.CANCELLED: (Step.SHIPPED, True),
}

PARCEL_TODO = {
    S.UNKNOWN: Todo.AWAITING_CARRIER,
    S.LABEL_CREATED: Todo.AWAITING_CARRIER,
    S.IN_TRANSIT: Todo.ON_THE_WAY,
    S.OUT_FOR_DELIVERY: Todo.BE_THERE,
    S.READY_FOR_PICKUP: Todo.COLLECT,
    S.DELIVERED: Todo.RECEIVED,
    S.DELAYED: Todo.DELAYED,
    S.EXCEPTION: Todo.PROBLEM,
    S.RETURNING_TO_SENDER: Todo.GOING_BACK,
    S.RETURNED: Todo.GOING_BACK,
    S.DELIVERY_FAILED: Todo.FAILED,
    S.CANCELLED: Todo.CANCELLED_PARCEL,
}


def parcel_page(
    parcel: ParcelFacts, detail: StatusDetail, now: datetime, window: returns.Window
) -> ParcelPage:
    steps = order_steps(detail)
    step, problem = PARCEL_STEP[parcel.status]
    todo = PARCEL_TODO[parcel.status]
    if parcel.status is S.OUT_FOR_DELIVERY and detail.paczkomat:
        step, todo = Step.IN_TRANSIT, Todo.ON_THE_WAY  # the courier is taking it to the locker
    if todo is Todo.COLLECT and parcel.pickup_deadline and parcel.pickup_deadline < now:
        todo = Todo.COLLECT_LATE
    until = window.deadline if todo is Todo.RECEIVED and window.open else None
    return ParcelPage(
        parcel=parcel,
        progress=Progress(steps=steps, reached=_at(steps, step), problem=problem),
        todo=todo,
        withdrawal_until=until,
    )


def order_todo(detail: StatusDetail) -> tuple[Todo, Step]:
    """What the order alone says, before (or without) any parcel."""
    paid = detail.payment_status in PAID
    if detail.shop_status is ShopStatus.REFUNDED or detail.payment_status == "refunded":
        return Todo.ORDER_REFUNDED, Step.ORDERED
    if detail.shop_status in (ShopStatus.CANCELLED, ShopStatus.FAILED):
        return Todo.ORDER_CANCELLED, Step.ORDERED
    if detail.shop_status is ShopStatus.ON_HOLD:
        return Todo.ON_HOLD, Step.PAID if paid else Step.ORDERED
    if detail.shop_status is ShopStatus.COMPLETED:
        return Todo.ORDER_DONE, Step.RECEIVED
    if not paid and not detail.cod:
        return Todo.PAY, Step.ORDERED
    return Todo.PREPARING, Step.ORDERED if detail.cod else Step.PAID


CASE_COMMON = [CaseStep.SUBMITTED, CaseStep.SENT_BACK, CaseStep.ARRIVED, CaseStep.DECIDED]
CASE_STEPS = {
    CaseKind.WITHDRAWAL: [*CASE_COMMON, CaseStep.REFUNDED],
    CaseKind.COMPLAINT: CASE_COMMON,
}
CASE_AT = {
    CaseStatus.SUBMITTED: (CaseStep.SUBMITTED, Todo.SEND_BACK),
    CaseStatus.LABEL_SENT: (CaseStep.SUBMITTED, Todo.SEND_BACK),
    CaseStatus.IN_TRANSIT: (CaseStep.SENT_BACK, Todo.RETURN_ON_THE_WAY),
    CaseStatus.DELIVERED_TO_SHOP: (CaseStep.ARRIVED, Todo.CHECKING),
    CaseStatus.ACCEPTED: (CaseStep.DECIDED, Todo.ACCEPTED),
    CaseStatus.REJECTED: (CaseStep.DECIDED, Todo.REJECTED),
    CaseStatus.REFUND_ORDERED: (CaseStep.REFUNDED, Todo.REFUND_ORDERED),
    CaseStatus.CLOSED: (CaseStep.DECIDED, Todo.CLOSED),
}


def case_page(case: CaseFacts, parcels: list[ParcelFacts]) -> CasePage:
    steps = [s.value for s in CASE_STEPS[case.kind]]
    step, todo = CASE_AT[case.status]
    if case.kind is CaseKind.COMPLAINT and step is CaseStep.REFUNDED:
        step = CaseStep.DECIDED
    reached = len(steps) - 1 if case.status is CaseStatus.CLOSED else steps.index(step.value)
    return CasePage(
        case=case,
        progress=Progress(steps=steps, reached=reached, problem=case.status is CaseStatus.REJECTED),
        todo=todo,
        parcels=[p for p in parcels if p.case_id == case.case_id],
    )


def _possession_day(parcel: ParcelFacts) -> date | None:
    return parcel.possessed_at.astimezone(WARSAW).date() if parcel.possessed_at else None


def status_page(view: OrderStatusView, now: datetime) -> StatusPage:
    detail = view.detail or StatusDetail(shop_status=ShopStatus(view.status.code), payment_status="pending")
    outbound = [p for p in detail.parcels if not p.is_return]
    days = [d for d in (_possession_day(p) for p in outbound) if d]
    window = returns.withdrawal_window(
        days, bool(outbound) and len(days) == len(outbound), now.astimezone(WARSAW).date()
    )
    parcels = [parcel_page(p, detail, now, window) for p in outbound]
    todo, step = order_todo(detail)
    ended = todo in (Todo.ORDER_CANCELLED, Todo.ORDER_REFUNDED)
    progress = None
    if not parcels or ended:
        steps = order_steps(detail)
        progress = Progress(steps=steps, reached=_at(steps, step), problem=ended)
    headline = todo if ended or not parcels else min((p.todo for p in parcels), key=URGENCY.index)
    customer_returns = [p for p in detail.parcels if p.is_return and p.origin != "zdn"]
    return StatusPage(
        view=view,
        detail=detail,
        headline=headline,
        order_progress=progress,
        parcels=parcels,
        going_back=[p for p in detail.parcels if p.is_return and p.origin == "zdn"],
        cases=[case_page(c, customer_returns) for c in detail.cases],
        returnable=not ended,
    )
