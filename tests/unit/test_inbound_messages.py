"""The answers a customer's e-mail gets, in Polish (messages.inbound_templates)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from zwrotnica.domain.inbound import Action, OrderFacts, answer_by, decide
from zwrotnica.domain.intent import classify
from zwrotnica.domain.mail_safety import Disposition, SafetyAssessment
from zwrotnica.domain.shipment_status import ShipmentStatus
from zwrotnica.domain.sla_policy import default_policy
from zwrotnica.messages import inbound_templates as t
from zwrotnica.messages.shipping_templates import ShippingContext
from zwrotnica.models.ticket import TicketCategory

S = ShipmentStatus
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)  # Friday
DUE = datetime(2026, 12, 7, 11, 0, tzinfo=UTC)  # Monday 12:00 in Warsaw
CTX = ShippingContext(
    order_number="1001",
    carrier="inpost",
    tracking_number="602677439331630337653846",
    shop_name="Zwrotnica",
    tracking_url="https://inpost.pl/sledzenie-przesylek?number=602677439331630337653846",
    status_url="https://api.example/orders/1001/status?t=1.abc",
    paczkomat=True,
    point_id="KRA010",
    point_address="ul. Długa 1, 30-001 Kraków",
    pickup_deadline=datetime(2026, 12, 9, 13, 0, tzinfo=UTC),
)


def test_the_acknowledgement_promises_a_polish_date_and_hour():
    email = t.acknowledgement(subject="Pytanie", shop_name="Zwrotnica", answer_due=DUE, now=NOW)
    assert "Odpowiemy najpóźniej w poniedziałek, 7 grudnia, do godz. 12:00." in email.text
    assert email.subject == "Re: Pytanie"
    assert "numer" not in email.text  # no order-number request unless asked


def test_the_promise_names_the_year_only_when_it_is_another_year():
    assert (
        t.promise(datetime(2027, 1, 4, 7, 0, tzinfo=UTC), NOW)
        == "w poniedziałek, 4 stycznia 2027, do godz. 08:00"
    )
    assert t.promise(datetime(2026, 12, 8, 7, 0, tzinfo=UTC), NOW) == "we wtorek, 8 grudnia, do godz. 08:00"


def test_the_acknowledgement_asks_for_the_order_number_when_none_was_found():
    email = t.acknowledgement(
        subject="", shop_name="Zwrotnica", answer_due=DUE, now=NOW, ask_order_number=True
    )
    assert "odpisz proszę z jego numerem" in email.text
    assert email.subject == "Otrzymaliśmy Twoją wiadomość"


def test_the_acknowledgement_of_a_complaint_names_the_legal_date():
    email = t.acknowledgement(
        subject="x", shop_name="Zwrotnica", answer_due=DUE, now=NOW, complaint_deadline=date(2026, 12, 18)
    )
    assert (
        "zarejestrowaliśmy jako reklamację; odpowiemy na nią najpóźniej w piątek, 18 grudnia 2026 r."
        in email.text
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (S.LABEL_CREATED, "jest spakowana i czeka na kuriera InPost"),
        (S.IN_TRANSIT, "jest w drodze – wiezie ją InPost. Trafi do Paczkomatu KRA010."),
        (S.OUT_FOR_DELIVERY, "jest już u kuriera InPost, który właśnie dostarczy ją do Paczkomatu KRA010"),
        (S.READY_FOR_PICKUP, "czeka na Ciebie w Paczkomacie KRA010"),
        (S.DELAYED, "InPost zgłosił opóźnienie"),
    ],
)
def test_the_parcel_answer_says_what_and_where(status, expected):
    email = t.parcel_answer(status=status, ctx=CTX, subject="Gdzie paczka?")
    assert expected in email.text
    assert "Numer przesyłki: 602677439331630337653846 (InPost)." in email.text
    assert CTX.tracking_url in email.text and CTX.status_url in email.text
    assert f'href="{CTX.status_url}"' in email.html
    assert email.subject == "Re: Gdzie paczka?"
    assert t.AUTOMATIC_NOTE in email.text


def test_the_parcel_answer_at_a_pickup_point_gives_the_address_and_the_deadline():
    email = t.parcel_answer(status=S.READY_FOR_PICKUP, ctx=CTX, subject="x")
    assert "Adres: ul. Długa 1, 30-001 Kraków." in email.text
    assert "Odbierz ją do środy, 9 grudnia, godz. 14:00, inaczej wróci do nas." in email.text
    assert "SMS-em, e-mailem lub w aplikacji InPost Mobile" in email.text


def test_the_parcel_answer_gives_the_expected_delivery_and_the_last_update():
    email = t.parcel_answer(
        status=S.IN_TRANSIT,
        ctx=CTX,
        subject="x",
        last_update=datetime(2026, 12, 4, 6, 5, tzinfo=UTC),
        expected_delivery=date(2026, 12, 7),
    )
    assert "Przewidywane doręczenie: w poniedziałek, 7 grudnia (szacunkowo)." in email.text
    assert "Ostatnia informacja od przewoźnika: 4.12, godz. 07:05." in email.text


def test_return_and_complaint_answers_link_the_signed_form():
    form = "https://api.example/returns?order=1001&t=1.abc"
    withdrawal = t.return_form_answer(
        complaint=False,
        order_number="1001",
        form_url=form,
        status_url=CTX.status_url,
        subject="Zwrot",
        shop_name="Zwrotnica",
        answer_due=DUE,
        now=NOW,
    )
    assert "Zwrot (odstąpienie od umowy) zgłosisz w formularzu" in withdrawal.text
    assert f"Zgłoś zwrot: {form}" in withdrawal.text and "&amp;t=" in withdrawal.html
    complaint = t.return_form_answer(
        complaint=True,
        order_number="1001",
        form_url=form + "&kind=complaint",
        status_url=CTX.status_url,
        subject="Reklamacja",
        shop_name="Zwrotnica",
        answer_due=DUE,
        now=NOW,
        legal_deadline=date(2026, 12, 18),
    )
    assert "Zarejestrowaliśmy ją jako reklamację do zamówienia nr 1001." in complaint.text
    assert "Odpowiemy na reklamację najpóźniej w piątek, 18 grudnia 2026 r." in complaint.text
    assert "Uzupełnij reklamację" in complaint.text


def test_reveal_nothing_is_word_for_word_the_same_for_a_strangers_order_and_an_unknown_one():
    # Given the same mail, once naming someone else's order and once an order that does not exist
    classification = classify("Gdzie paczka 1001?", "Gdzie jest paczka z zamówienia 1001?")
    safety = SafetyAssessment(Disposition.ACCEPT, trusted=True, automatic=())
    answers = []
    for order in (OrderFacts("1001", "anna@example.pl", S.IN_TRANSIT), None):
        decision = decide(
            safety=safety,
            classification=classification,
            received_at=NOW,
            candidate_given=True,
            order=order,
            sender="eve@example.pl",
        )
        assert decision.action is Action.REVEAL_NOTHING
        due = answer_by(NOW, decision.category, default_policy(), decision.priority)
        answers.append(
            t.reveal_nothing(subject="Gdzie paczka 1001?", shop_name="Zwrotnica", answer_due=due, now=NOW)
        )
    # Then the two answers are byte for byte alike and tell nothing about the order
    assert answers[0] == answers[1]
    assert "W drodze" not in answers[0].text and "InPost" not in answers[0].text
    assert t.SECURITY_NOTE in answers[0].text


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("Gdzie paczka?", "Re: Gdzie paczka?"),
        ("RE: Zamówienie 1001", "RE: Zamówienie 1001"),
        ("Odp: x", "Odp: x"),
        ("", "fallback"),
        ("Linia\r\nBcc: eve@example.pl", "Re: Linia Bcc: eve@example.pl"),  # never a second header
    ],
)
def test_reply_subject(original, expected):
    assert t.reply_subject(original, "fallback") == expected


def test_customer_text_in_the_subject_stays_text_in_the_html():
    email = t.acknowledgement(
        subject="<script>alert(1)</script>", shop_name="Zwrotnica", answer_due=DUE, now=NOW
    )
    assert "<script>" not in email.html and "&lt;script&gt;" in email.html


def test_acknowledgement_time_for_a_delivery_question_uses_the_category_factor():
    due = answer_by(NOW, TicketCategory.DELIVERY, default_policy())
    text = t.acknowledgement(subject="x", shop_name="Z", answer_due=due, now=NOW).text
    # Friday 11:00 Warsaw + 0.5 x 8 business hours = 4 h -> Friday 15:00
    assert "w piątek, 4 grudnia, do godz. 15:00" in text
