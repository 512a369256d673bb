"""The status page's pure parts: the InPost points client and its cache (httpx.MockTransport answering in
the documented Point shape), the progress line and the one thing to do, and the team's sign-in values."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.factories import load_event
from zwrotnica.domain import team_access
from zwrotnica.domain.dashboard import Light, build, case_rows, config, light
from zwrotnica.domain.order_status import Todo, build_view, status_page
from zwrotnica.models.pickup_point import OpeningSpan, PickupPoint
from zwrotnica.providers.errors import ProviderError
from zwrotnica.providers.inpost_points import (
    FAILURE_SECONDS,
    FRESH_SECONDS,
    PointCache,
    PointsClient,
    parse_point,
)
from zwrotnica.web.status_page import opening_hours, tracking_number

NOW = datetime(2026, 12, 2, 10, tzinfo=UTC)
POINT_KRA010 = load_event("inpost_points/point_KRA010.json")


# --- InPost points API ------------------------------------------------------------------------------


def client(handler) -> PointsClient:
    return PointsClient("https://api.inpost.pl", "token-1", transport=httpx.MockTransport(handler))


def test_a_point_is_read_with_the_token_in_its_documented_shape():
    seen = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append((request.url.path, request.headers["authorization"]))
        return httpx.Response(200, json=POINT_KRA010)

    point = client(answer).get("KRA010")
    assert seen == [("/v1/points/KRA010", "Bearer token-1")]
    assert point == PickupPoint(
        name="KRA010",
        locker=True,
        address_line1="Kapelanka 14",
        address_line2="30-347 Kraków",
        description="Przy sklepie Żabka, obok wejścia",
        open_24_7=True,
        hours_text="24/7",
    )


def test_opening_hours_from_operating_hours_extended_grouped_by_equal_days():
    doc = POINT_KRA010 | {
        "name": "POP-KRA12",
        "type": ["pop"],
        "location_247": False,
        "opening_hours": "Pn-Pt 9-17, Sb 9-14",
        "operating_hours_extended": {
            "customer": {
                **{day: [{"start": 540, "end": 1020}] for day in ("monday", "tuesday", "wednesday")},
                "thursday": [{"start": 540, "end": 1020}],
                "friday": [{"start": 540, "end": 1020}],
                "saturday": [{"start": 540, "end": 840}],
                "sunday": [],
            }
        },
    }
    point = parse_point(doc)
    assert point is not None and not point.locker and not point.open_24_7
    assert point.hours[0] == OpeningSpan(weekday=0, start=540, end=1020)
    assert opening_hours(point) == "pon.–pt. 9:00–17:00; sob. 9:00–14:00; niedz. nieczynne"


@pytest.mark.parametrize(
    ("status", "body"),
    [(500, {"error": "internal"}), (401, {"status": 401, "error": "unauthorized"}), (200, [1, 2])],
)
def test_a_failing_answer_is_a_provider_error(status, body):
    with pytest.raises(ProviderError):
        client(lambda r: httpx.Response(status, json=body)).get("KRA010")


def test_an_unknown_point_is_none():
    answer = httpx.Response(404, json={"status": 404, "error": "resource_not_found", "message": "x"})
    assert client(lambda r: answer).get("XXX999") is None


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_cache_asks_once_a_day_remembers_failures_and_serves_a_stale_point_when_the_api_fails():
    calls, clock, state = [], Clock(), {"down": False}
    point = parse_point(POINT_KRA010)

    def fetch(name: str):
        calls.append(name)
        if state["down"]:
            raise ProviderError("inpost_points: timeout", retryable=True)
        return point

    cache = PointCache(fetch, clock)
    assert cache.get("kra010") == point and cache.get("KRA010") == point
    assert calls == ["KRA010"]
    clock.now += FRESH_SECONDS + 1
    state["down"] = True
    assert cache.get("KRA010") == point  # stale beats nothing
    clock.now += FAILURE_SECONDS - 1
    assert cache.get("KRA010") == point and calls == ["KRA010", "KRA010"]  # no retry storm
    assert cache.get("no such/../name") is None and cache.get(None) is None
    assert len(calls) == 2


def test_a_point_never_known_and_an_api_down_is_none_not_an_error():
    cache = PointCache(lambda name: (_ for _ in ()).throw(httpx.ConnectTimeout("down")), Clock())
    assert cache.get("KRA010") is None


# --- the page's decisions -----------------------------------------------------------------------------


def order(**changes) -> dict:
    base = {
        "number": "1001",
        "shop_status": "processing",
        "payment_status": "paid",
        "payment_method": "online",
        "total": 26100,
        "currency": "PLN",
        "delivery": {"method": "paczkomat", "point_id": "KRA010"},
        "created_at": "2026-11-20T13:03:11.000000Z",
    }
    return base | changes


def parcel(number: str, status: str, **changes) -> dict:
    return {"carrier": "inpost", "tracking_number": number, "status": status, "point_id": "KRA010"} | changes


def page(o: dict, parcels: list[dict], cases: list[dict] | None = None, now: datetime = NOW):
    return status_page(build_view(o, [], parcels, cases or []), now)


def test_the_json_answer_keeps_its_shape():
    view = build_view(order(), [], [parcel("6026", "READY_FOR_PICKUP")], [])
    assert set(view.model_dump(mode="json")) == {
        "order_number",
        "status",
        "payment",
        "total",
        "currency",
        "shipments",
        "timeline",
        "cases",
    }


@pytest.mark.parametrize(
    ("status", "step", "todo", "problem"),
    [
        ("LABEL_CREATED", "shipped", Todo.AWAITING_CARRIER, False),
        ("IN_TRANSIT", "in_transit", Todo.ON_THE_WAY, False),
        ("OUT_FOR_DELIVERY", "in_transit", Todo.ON_THE_WAY, False),  # to the locker, not to the door
        ("READY_FOR_PICKUP", "last_mile", Todo.COLLECT, False),
        ("DELIVERED", "received", Todo.RECEIVED, False),
        ("DELAYED", "in_transit", Todo.DELAYED, True),
        ("DELIVERY_FAILED", "last_mile", Todo.FAILED, True),
        ("RETURNING_TO_SENDER", "in_transit", Todo.GOING_BACK, True),
    ],
)
def test_each_parcel_status_has_its_step_and_sentence(status, step, todo, problem):
    [p] = page(order(), [parcel("6026", status)]).parcels
    assert p.progress.steps[p.progress.reached] == step
    assert (p.todo, p.progress.problem) == (todo, problem)


def test_a_courier_order_out_for_delivery_is_with_the_courier_and_cash_on_delivery_has_no_paid_step():
    o = order(delivery={"method": "courier"}, payment_method="cod", payment_status="cod")
    [p] = page(o, [parcel("1324", "OUT_FOR_DELIVERY", carrier="dpd")]).parcels
    assert p.progress.steps == ["ordered", "shipped", "in_transit", "last_mile", "received"]
    assert (p.progress.steps[p.progress.reached], p.todo) == ("last_mile", Todo.BE_THERE)


def test_a_pickup_deadline_passed_says_so():
    late = parcel("6026", "READY_FOR_PICKUP", pickup_deadline="2026-12-01T10:00:00.000000Z")
    assert page(order(), [late]).parcels[0].todo is Todo.COLLECT_LATE


def test_with_two_parcels_the_headline_is_the_more_pressing_one():
    view = page(order(), [parcel("1111", "IN_TRANSIT"), parcel("2222", "READY_FOR_PICKUP")])
    assert [p.todo for p in view.parcels] == [Todo.ON_THE_WAY, Todo.COLLECT]
    assert view.headline is Todo.COLLECT


@pytest.mark.parametrize(
    ("changes", "todo", "problem"),
    [
        ({"shop_status": "pending_payment", "payment_status": "pending"}, Todo.PAY, False),
        ({}, Todo.PREPARING, False),
        ({"shop_status": "cancelled"}, Todo.ORDER_CANCELLED, True),
        ({"shop_status": "refunded", "payment_status": "refunded"}, Todo.ORDER_REFUNDED, True),
    ],
)
def test_the_order_without_parcels_reads_right(changes, todo, problem):
    view = page(order(**changes), [])
    assert view.headline is todo and view.order_progress is not None
    assert view.order_progress.problem is problem
    assert view.returnable is (not problem)


def test_delivered_within_14_days_shows_the_withdrawal_deadline():
    done = parcel("6026", "DELIVERED", possessed_at="2026-11-30T12:00:00.000000Z")
    [p] = page(order(), [done]).parcels
    assert p.withdrawal_until is not None and p.withdrawal_until.isoformat() == "2026-12-14"
    [p] = page(order(), [done], now=NOW + timedelta(days=20)).parcels
    assert p.withdrawal_until is None


def test_a_24_digit_number_is_six_groups_without_spaces_to_copy():
    html = tracking_number("602677439331630337653846")
    assert html.count("<span>") == 6 and " " not in html.replace('<span class="tn">', "")


# --- team sign-in ---------------------------------------------------------------------------------------


def test_the_allow_list_takes_addresses_and_whole_domains_and_nothing_when_empty():
    allow = "Ola@Sklep.example.com, @magazyn.example.com"
    assert team_access.allowed("ola@sklep.example.com", allow)
    assert team_access.allowed("kuba@MAGAZYN.example.com", allow)
    assert not team_access.allowed("ola@sklep.example.com.evil.com", allow)
    assert not team_access.allowed("x@sub.magazyn.example.com", allow)
    assert not team_access.allowed("ola@sklep.example.com", "")


def test_link_and_session_values_are_bound_to_their_purpose_and_expire():
    key = "k" * 32
    link = team_access.link_token(key, "n" * 24, NOW, timedelta(minutes=15))
    assert team_access.link_valid(key, "n" * 24, link, NOW)
    assert not team_access.link_valid(key, "m" * 24, link, NOW)
    assert not team_access.link_valid(key, "n" * 24, link, NOW + timedelta(minutes=16))
    session = team_access.session_value(key, "ola@sklep.example.com", NOW, timedelta(hours=12))
    assert team_access.session_email(key, session, NOW) == "ola@sklep.example.com"
    assert team_access.session_email(key, session, NOW + timedelta(hours=13)) is None
    forged = team_access.session_value(key, "ola@sklep.example.com", NOW, timedelta(hours=12)).replace(
        "b2xh", "a2"
    )
    assert team_access.session_email(key, forged, NOW) is None
    # A link token never opens a session, nor the reverse.
    assert team_access.session_email(key, f"bg~{link}", NOW) is None
    cookie = team_access.session_cookie(session, 3600)
    assert (
        "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Strict" in cookie and "Path=/team" in cookie
    )


# --- the dashboard's figures ------------------------------------------------------------------------------


def ticket(tid: str, **changes) -> dict:
    base = {
        "ticket_id": tid,
        "status": "open",
        "category": "delivery",
        "team": "logistics",
        "priority": "normal",
        "subject": "Przesyłka",
        "created_at": "2026-12-02T07:00:00.000000Z",
        "history": [{"at": "2026-12-02T07:00:00.000000Z", "kind": "opened"}],
    }
    return base | changes


def test_queue_kpis_and_trend():
    tickets = [
        ticket("TK-A", breached=True, due_at="2026-12-02T08:00:00.000000Z"),
        ticket("TK-B", due_at="2026-12-02T11:00:00.000000Z"),  # due within 2 hours
        ticket("TK-C", status="pending_third_party"),
        ticket("TK-D", status="pending_customer"),
        ticket(
            "TK-E",
            status="solved",
            history=[
                {"at": "2026-12-02T07:00:00.000000Z", "kind": "opened"},
                {"at": "2026-12-02T08:00:00.000000Z", "kind": "agent_reply"},
                {"at": "2026-12-02T09:00:00.000000Z", "kind": "status", "status": "solved"},
            ],
        ),
    ]
    d = build(NOW, tickets, [], [])
    assert [r.ticket_id for r in d.breached] == ["TK-A"] and [r.ticket_id for r in d.due_soon] == ["TK-B"]
    assert [r.ticket_id for r in d.waiting_courier] == ["TK-C"]
    assert [r.ticket_id for r in d.waiting_customer] == ["TK-D"]
    kpis = {k.key: k for k in d.kpis}
    assert (kpis["breached_open"].value, kpis["breached_open"].light) == (1, Light.AMBER)
    assert (kpis["sla_met_pct"].value, kpis["sla_met_pct"].light) == (100.0, Light.GREEN)
    assert kpis["first_reply_hours"].value == 1.0
    assert (kpis["solved_per_opened"].value, kpis["solved_per_opened"].light) == (0.2, Light.RED)
    assert [day.opened for day in d.days] == [0, 0, 0, 0, 0, 0, 5] and d.days[-1].solved == 1


def test_lights_follow_the_direction_of_the_target():
    rule = config()["kpis"]["sla_met_pct"]
    assert [light(v, rule) for v in (99, 90, 50, None)] == [Light.GREEN, Light.AMBER, Light.RED, Light.NONE]
    rule = config()["kpis"]["breached_open"]
    assert [light(v, rule) for v in (0, 2, 3)] == [Light.GREEN, Light.AMBER, Light.RED]


def test_open_cases_carry_the_deadline_that_binds_the_shop():
    cases = [
        {"case_id": "ZW-1", "kind": "withdrawal", "status": "label_sent", "refund_due": "2026-12-10"},
        {"case_id": "ZW-2", "kind": "complaint", "status": "delivered_to_shop", "answer_due": "2026-12-03"},
        {"case_id": "ZW-3", "kind": "complaint", "status": "accepted", "answer_due": "2026-12-01"},
        {"case_id": "ZW-4", "kind": "withdrawal", "status": "refund_ordered", "refund_due": "2026-12-01"},
    ]
    rows = case_rows(cases, NOW.date())
    assert [(r.case_id, r.what, r.days_left) for r in rows] == [("ZW-2", "answer", 1), ("ZW-1", "refund", 8)]


# --- the carrier's delivery estimate (AfterShip) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("msg", "expected"),
    [
        (
            {
                "latest_estimated_delivery": {
                    "type": "specific",
                    "source": "Carrier EDD",
                    "datetime": "2026-12-04",
                }
            },
            "2026-12-04",
        ),
        (
            {
                "latest_estimated_delivery": {
                    "type": "range",
                    "datetime": None,
                    "datetime_min": "2026-12-03",
                    "datetime_max": "2026-12-05T18:00:00+01:00",
                }
            },
            "2026-12-05",
        ),
        ({"expected_delivery": "2026-12-06T00:00:00"}, "2026-12-06"),
        ({"latest_estimated_delivery": {"datetime": "soon"}}, None),
        ({}, None),
    ],
)
def test_aftership_estimate_becomes_the_expected_delivery_day(msg, expected):
    from tests.factories import aftership_body
    from zwrotnica.providers import aftership

    doc = aftership_body("delivered.json", tag="InTransit", subtag="InTransit_001", **msg)
    event = aftership.parse(json.dumps(doc).encode())
    assert event is not None
    assert (event.expected_delivery.isoformat() if event.expected_delivery else None) == expected
