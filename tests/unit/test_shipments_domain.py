"""Shipment rules (precedence with event time, triggers, silent parcels) and the Polish shipping messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from zwrotnica.domain import shipment_notices
from zwrotnica.domain.shipment_status import ShipmentStatus
from zwrotnica.domain.shipments import (
    Action,
    ShipmentState,
    Trigger,
    channels,
    decide,
    silent_clock,
    silent_due,
)
from zwrotnica.messages import shipping_templates
from zwrotnica.messages.shipping_templates import ShippingContext
from zwrotnica.messages.sms import segments
from zwrotnica.models.tracking import TrackingEvent

S = ShipmentStatus
W = ZoneInfo("Europe/Warsaw")
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


def state(status: S | None = None, last: datetime | None = None, **kw) -> ShipmentState:
    return ShipmentState("1001", "inpost", "602677439331630337653846", status, last, **kw)


def event(status: S, at: datetime, code: str | None = None, **kw) -> TrackingEvent:
    return TrackingEvent(
        source="inpost",
        carrier="inpost",
        tracking_number="602677439331630337653846",
        status=status,
        raw_code=code or status.value.lower(),
        occurred_at=at,
        **kw,
    )


@pytest.mark.parametrize(
    ("current", "last", "new", "at", "code", "action", "trigger"),
    [
        (None, None, S.LABEL_CREATED, T0, "confirmed", Action.APPLY, Trigger.SHIPPED),
        (None, None, S.IN_TRANSIT, T0, "taken_by_courier", Action.APPLY, Trigger.SHIPPED),
        (S.LABEL_CREATED, T0, S.IN_TRANSIT, T0 + H, "taken_by_courier", Action.APPLY, None),  # told once
        (S.IN_TRANSIT, T0, S.IN_TRANSIT, T0 + H, "adopted_at_sorting_center", Action.REFRESH, None),
        (S.IN_TRANSIT, T0, S.OUT_FOR_DELIVERY, T0 + H, None, Action.APPLY, Trigger.OUT_FOR_DELIVERY),
        (
            S.IN_TRANSIT,
            T0,
            S.OUT_FOR_DELIVERY,
            T0,
            None,
            Action.APPLY,
            Trigger.OUT_FOR_DELIVERY,
        ),  # same second
        (S.OUT_FOR_DELIVERY, T0, S.IN_TRANSIT, T0 + H, None, Action.RECORD, None),  # never backwards
        (S.OUT_FOR_DELIVERY, T0, S.DELIVERED, T0 - H, None, Action.RECORD, None),  # older than what we hold
        (S.OUT_FOR_DELIVERY, T0, S.READY_FOR_PICKUP, T0 + H, None, Action.APPLY, Trigger.READY_FOR_PICKUP),
        (
            S.READY_FOR_PICKUP,
            T0,
            S.READY_FOR_PICKUP,
            T0 + H,
            "pickup_reminder_sent",
            Action.REFRESH,
            "reminder",
        ),
        (S.READY_FOR_PICKUP, T0, S.READY_FOR_PICKUP, T0, "ready_to_pickup", Action.RECORD, None),  # duplicate
        (S.OUT_FOR_DELIVERY, T0, S.DELIVERY_FAILED, T0 + H, None, Action.APPLY, Trigger.PROBLEM),
        (S.DELIVERY_FAILED, T0, S.OUT_FOR_DELIVERY, T0 + H, None, Action.APPLY, Trigger.OUT_FOR_DELIVERY),
        (S.IN_TRANSIT, T0, S.DELAYED, T0 + H, None, Action.APPLY, Trigger.PROBLEM),
        (S.IN_TRANSIT, T0, S.EXCEPTION, T0 + H, "claimed", Action.APPLY, Trigger.PROBLEM),
        (S.DELIVERY_FAILED, T0, S.RETURNING_TO_SENDER, T0 + H, None, Action.APPLY, Trigger.PROBLEM),
        (S.READY_FOR_PICKUP, T0, S.DELIVERED, T0 + H, None, Action.APPLY, Trigger.DELIVERED),
        (S.DELIVERED, T0, S.DELIVERED, T0 + H, "return_pickup_confirmation_to_sender", Action.REFRESH, None),
        (S.DELIVERED, T0, S.EXCEPTION, T0 + H, "claimed", Action.RECORD, None),  # terminal stays
        (S.LABEL_CREATED, T0, S.CANCELLED, T0 + H, "canceled", Action.APPLY, None),
        (S.IN_TRANSIT, T0, S.UNKNOWN, T0 + H, "other", Action.RECORD, None),
        (S.UNKNOWN, T0, S.IN_TRANSIT, T0 + H, None, Action.APPLY, Trigger.SHIPPED),
    ],
)
def test_decide(current, last, new, at, code, action, trigger):
    decision = decide(state(current, last), event(new, at, code))
    expected = Trigger.PICKUP_REMINDER if trigger == "reminder" else trigger
    assert (decision.action, decision.trigger) == (action, expected)


def test_possession_and_pickup_deadline():
    delivered = decide(state(S.READY_FOR_PICKUP, T0), event(S.DELIVERED, T0 + H))
    assert delivered.possession and delivered.status is S.DELIVERED
    ready = decide(state(S.IN_TRANSIT, T0), event(S.READY_FOR_PICKUP, T0 + H))
    assert ready.pickup_deadline == T0 + 49 * H  # InPost keeps it about 48 h
    reminder = decide(
        state(S.READY_FOR_PICKUP, T0 + H, pickup_deadline=T0 + 49 * H),
        event(S.READY_FOR_PICKUP, T0 + 25 * H, "pickup_reminder_sent"),
    )
    assert reminder.pickup_deadline == T0 + 49 * H


def test_return_parcels_are_never_the_customers_possession_and_say_nothing():
    back = decide(state(S.IN_TRANSIT, T0, is_return=True, origin="zdn"), event(S.DELIVERED, T0 + H))
    assert (back.action, back.status, back.trigger, back.possession) == (
        Action.APPLY,
        S.RETURNED,
        None,
        False,
    )


@pytest.mark.parametrize(
    ("status", "last_local", "due_local"),
    [
        (S.IN_TRANSIT, datetime(2025, 3, 3, 10, 0), datetime(2025, 3, 5, 10, 0)),  # Monday -> Wednesday
        (S.IN_TRANSIT, datetime(2025, 3, 7, 16, 0), datetime(2025, 3, 11, 16, 0)),  # Friday -> Tuesday
        (
            S.IN_TRANSIT,
            datetime(2025, 3, 8, 12, 0),
            datetime(2025, 3, 12, 0, 0),
        ),  # Saturday: from Monday 0:00
        (S.OUT_FOR_DELIVERY, datetime(2025, 11, 10, 10, 0), datetime(2025, 11, 13, 10, 0)),  # 11 Nov holiday
        # 24-26 December are public holidays (Wigilia since 2025)
        (S.READY_FOR_PICKUP, datetime(2025, 12, 23, 9, 0), datetime(2025, 12, 30, 9, 0)),
        (S.LABEL_CREATED, datetime(2025, 3, 7, 16, 0), datetime(2025, 3, 8, 16, 0)),  # 24 h, any day
    ],
)
def test_silent_due(status, last_local, due_local):
    due = silent_due(status, last_local.replace(tzinfo=W))
    assert due.astimezone(W).replace(tzinfo=None) == due_local


@pytest.mark.parametrize("status", [S.DELIVERED, S.RETURNED, S.CANCELLED, None])
def test_finished_parcels_never_go_silent(status):
    assert silent_due(status, T0) is None


MONDAY_10 = datetime(2025, 3, 3, 10, 0, tzinfo=W)


def test_silent_clock_is_set_once_per_rule_and_not_moved_by_later_transit_events():
    first = silent_clock(None, S.IN_TRANSIT, MONDAY_10, None)
    assert first == silent_due(S.IN_TRANSIT, MONDAY_10)  # Wednesday 10:00
    tuesday = MONDAY_10 + timedelta(days=1)
    assert silent_clock(S.IN_TRANSIT, S.OUT_FOR_DELIVERY, tuesday, first) == first  # kept: no index write
    assert silent_clock(S.IN_TRANSIT, S.IN_TRANSIT, tuesday, first) == first


def test_silent_clock_moves_when_the_rule_changes_silence_ends_or_an_older_event_is_due_sooner():
    label = silent_clock(None, S.LABEL_CREATED, MONDAY_10, None)
    assert label == MONDAY_10 + timedelta(hours=24)
    later = MONDAY_10 + timedelta(hours=5)
    # the first scan: the label's 24 hours give way to transit's 48 working hours
    assert silent_clock(S.LABEL_CREATED, S.IN_TRANSIT, later, label) == silent_due(S.IN_TRANSIT, later)
    assert silent_clock(S.IN_TRANSIT, S.DELIVERED, later, label) is None
    running = silent_due(S.IN_TRANSIT, MONDAY_10 + timedelta(days=2))
    assert silent_clock(S.IN_TRANSIT, S.IN_TRANSIT, MONDAY_10, running) == silent_due(S.IN_TRANSIT, MONDAY_10)


def test_channel_policy_and_overrides():
    assert channels(Trigger.READY_FOR_PICKUP) == ("sms", "email")
    assert channels(Trigger.OUT_FOR_DELIVERY, {"out_for_delivery": ["email", "fax"]}) == ("email",)
    assert channels(Trigger.DELIVERED, {"delivered": []}) == ()


def ctx(number: str = "ZW-2026-000123", **kw) -> ShippingContext:
    base = {
        "order_number": number,
        "carrier": "inpost",
        "tracking_number": "602677439331630337653846",
        "shop_name": "Sklep Testowy",
        "tracking_url": "https://inpost.pl/sledzenie-przesylek?number=602677439331630337653846",
        "status_url": f"https://sklep.example.com/api/orders/{number}/status?t=1803315697.j3tIl_RUhc5FkOadNdyIkMp2",
        "paczkomat": True,
        "point_id": "KRA010",
        "pickup_deadline": datetime(2025, 3, 5, 12, 11, tzinfo=UTC),
    }
    return ShippingContext(**(base | kw))


NOTICES = [
    ("shipped", S.LABEL_CREATED),
    ("shipped", S.IN_TRANSIT),
    ("out_for_delivery", S.OUT_FOR_DELIVERY),
    ("ready_for_pickup", S.READY_FOR_PICKUP),
    ("pickup_reminder", S.READY_FOR_PICKUP),
    ("delivered", S.DELIVERED),
    ("silent", S.IN_TRANSIT),
    ("problem", S.DELIVERY_FAILED),
    ("problem", S.DELAYED),
    ("problem", S.EXCEPTION),
    ("problem", S.RETURNING_TO_SENDER),
    ("problem", S.RETURNED),
]


@pytest.mark.parametrize(("trigger", "status"), NOTICES)
def test_every_sms_text_fits_two_segments_as_written(trigger, status):
    note = shipping_templates.notice(trigger, status, ctx())
    assert segments(note.sms) <= 2 and "ZW-2026-000123" in note.sms
    assert segments(shipping_templates.sms(note, ctx())) <= 2


@pytest.mark.parametrize(("trigger", "status"), NOTICES)
def test_extreme_values_still_make_a_valid_sms(trigger, status):
    long_ctx = ctx("A" * 40, carrier="some_carrier_with_a_long_id", point_name="Ż" * 200, paczkomat=False)
    assert (
        segments(shipping_templates.sms(shipping_templates.notice(trigger, status, long_ctx), long_ctx)) <= 2
    )


@pytest.mark.parametrize(("trigger", "status"), NOTICES)
def test_every_email_has_both_links_and_polish_letters(trigger, status):
    mail = shipping_templates.email(shipping_templates.notice(trigger, status, ctx()), ctx())
    assert mail.text.startswith("Dzień dobry,") and "Pozdrawiamy,\nSklep Testowy" in mail.text
    assert (
        "Śledź przesyłkę: https://inpost.pl/sledzenie-przesylek?number=602677439331630337653846" in mail.text
    )
    assert "Status zamówienia: https://sklep.example.com/api/orders/ZW-2026-000123/status?t=" in mail.text
    assert any(ch in mail.text for ch in "ąćęłńóśźż")


def test_sms_keeps_the_links_that_fit():
    note = shipping_templates.notice("out_for_delivery", S.OUT_FOR_DELIVERY, ctx())
    assert note.sms == "Paczka (zam. ZW-2026-000123) jest u kuriera i niebawem trafi do Paczkomatu KRA010."
    both = shipping_templates.sms(note, ctx())  # GSM-7 wording: both links fit two segments
    assert both == f"{note.sms} {ctx().status_url} {ctx().tracking_url}" and segments(both) == 2
    problem = shipping_templates.notice("problem", S.DELIVERY_FAILED, ctx())
    # The apologies are GSM-7 too now (they were UCS-2, two segments and no room for a link).
    assert shipping_templates.sms(problem, ctx()) == f"{problem.sms} {ctx().status_url} {ctx().tracking_url}"
    long_status = "https://sklep.example.com/" + "s" * 150
    assert (
        shipping_templates.sms(problem, ctx(status_url=long_status))
        == f"{problem.sms} {long_status}"  # both no longer fit: the status link alone
    )


def test_ready_for_pickup_texts():
    note = shipping_templates.notice(
        "ready_for_pickup", S.READY_FOR_PICKUP, ctx(point_address="ul. Zielona 5")
    )
    assert note.subject == "Paczka z zamówienia nr ZW-2026-000123 czeka na odbiór"
    assert "czeka na Ciebie w Paczkomacie KRA010." in note.lines[0]
    assert "Adres: ul. Zielona 5." in note.lines
    assert "Odbierz ją do środy, 5 marca, godz. 13:11, inaczej wróci do nas." in note.lines
    assert note.sms == "Paczka (zam. ZW-2026-000123) czeka w Paczkomacie KRA010 do 05.03, godz. 13:11."
    other = ctx(
        carrier="dhl", paczkomat=False, point_id=None, point_name="DHL POP Żabka", pickup_deadline=None
    )
    note = shipping_templates.notice("ready_for_pickup", S.READY_FOR_PICKUP, other)
    assert (
        "w punkcie odbioru DHL POP Żabka" in note.lines[0] and "Kod odbioru przekazuje DHL" in note.lines[-1]
    )


def test_messages_follow_the_policy_and_fall_back_to_email_without_a_phone():
    common = {"occurred_at": T0, "now": T0, "status_url": None, "shop_name": "Sklep"}
    with_phone = state(S.IN_TRANSIT, T0, email="a@example.com", phone="+48600100200")
    ready = shipment_notices.messages(Trigger.READY_FOR_PICKUP, S.READY_FOR_PICKUP, with_phone, **common)
    assert sorted(m.channel.value for m in ready) == ["email", "sms"]
    assert {m.dedup_key.rsplit(":", 1)[0] for m in ready} == {
        "ship:inpost:602677439331630337653846:ready_for_pickup:2025-03-03T09:00:00.000000Z"
    }
    no_phone = state(S.IN_TRANSIT, T0, email="a@example.com")
    [mail] = shipment_notices.messages(Trigger.OUT_FOR_DELIVERY, S.OUT_FOR_DELIVERY, no_phone, **common)
    assert mail.channel.value == "email" and mail.template == "shipment_out_for_delivery"
    assert (
        shipment_notices.messages(
            Trigger.DELIVERED, S.DELIVERED, with_phone, overrides={"delivered": []}, **common
        )
        == []
    )


@pytest.mark.parametrize(
    ("consent", "withdrawn", "unsubscribe", "expected"),
    [
        (True, False, "https://x/orders/1001/unsubscribe?t=1.x", 1),
        (False, False, "https://x/orders/1001/unsubscribe?t=1.x", 0),
        (True, True, "https://x/orders/1001/unsubscribe?t=1.x", 0),  # withdrawn since: wins
        (True, False, None, 0),  # no one-click link to withdraw it: no marketing at all
    ],
)
def test_goodwill_code_for_a_delay_only_with_marketing_consent(consent, withdrawn, unsubscribe, expected):
    from datetime import UTC, datetime

    from zwrotnica.domain import shipment_notices
    from zwrotnica.domain.shipment_status import ShipmentStatus
    from zwrotnica.domain.shipments import ShipmentState, Trigger

    state = ShipmentState(
        order_number="1001",
        carrier="inpost",
        tracking_number="602677439331630337653846",
        email="anna@example.com",
        marketing_consent=consent,
        marketing_withdrawn=withdrawn,
    )
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    out = shipment_notices.messages(
        Trigger.PROBLEM,
        ShipmentStatus.DELAYED,
        state,
        occurred_at=now,
        now=now,
        status_url="https://x/s",
        shop_name="Sklep",
        goodwill_code="PRZEPRASZAMY10",
        unsubscribe_url=unsubscribe,
    )
    codes = [m for m in out if m.template == "goodwill_code"]
    assert len(codes) == expected
    if codes:
        assert "PRZEPRASZAMY10" in codes[0].text and codes[0].kind == "marketing"
        assert codes[0].unsubscribe_url == unsubscribe and unsubscribe in codes[0].text
    # The apology itself is transactional and always goes
    assert any(m.template == "shipment_problem" for m in out)
