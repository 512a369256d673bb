"""Polish plural forms, money, SMS segments and the sending rules: pure, table-driven."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from zwrotnica.messages import policy
from zwrotnica.messages.polish import (
    count,
    date_long,
    date_pl,
    date_range,
    money,
    money_sms,
    on_date,
    plural,
    sentence,
    until_date,
    until_moment,
    until_moment_short,
)
from zwrotnica.messages.sms import SmsTooLong, check_sms, is_gsm7, segments
from zwrotnica.models.outbox import Channel, MessageKind

WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0 paczek"),
        (1, "1 paczka"),
        (2, "2 paczki"),
        (4, "4 paczki"),
        (5, "5 paczek"),
        (11, "11 paczek"),
        (12, "12 paczek"),
        (13, "13 paczek"),
        (14, "14 paczek"),
        (21, "21 paczek"),
        (22, "22 paczki"),
        (23, "23 paczki"),
        (24, "24 paczki"),
        (25, "25 paczek"),
        (104, "104 paczki"),
        (112, "112 paczek"),
        (1001, "1001 paczek"),
    ],
)
def test_polish_plural(n, expected):
    assert count(n, "paczka", "paczki", "paczek") == expected


def test_plural_form_only():
    assert plural(3, "produkt", "produkty", "produktów") == "produkty"


@pytest.mark.parametrize(
    ("grosze", "expected"),
    [
        (0, "0,00\u00a0zł"),
        (5, "0,05\u00a0zł"),
        (26100, "261,00\u00a0zł"),
        (123456789, "1\u00a0234\u00a0567,89\u00a0zł"),
        (-1999, "-19,99\u00a0zł"),
    ],
)
def test_money_is_written_the_polish_way(grosze, expected):
    assert money(grosze) == expected


def test_money_in_another_currency_names_it():
    assert money(1000, "EUR") == "10,00\u00a0EUR"


def test_long_date_in_polish():
    # A date in legal text carries "r." and the weekday in the case its preposition needs (polish-style.md).
    assert date_long(datetime(2026, 11, 27)) == "piątek, 27 listopada 2026 r."
    assert date_pl(date(2026, 12, 28)) == "28 grudnia 2026 r."
    assert until_date(date(2026, 12, 28)) == "do poniedziałku, 28 grudnia 2026 r."
    assert on_date(date(2026, 12, 28)) == "w poniedziałek, 28 grudnia 2026 r."
    assert on_date(date(2026, 12, 29)) == "we wtorek, 29 grudnia 2026 r."
    assert on_date(date(2026, 12, 30)) == "w środę, 30 grudnia 2026 r."
    assert until_date(date(2027, 1, 2)) == "do soboty, 2 stycznia 2027 r."


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (date(2026, 11, 23), date(2026, 11, 29), "23–29 listopada 2026 r."),
        (date(2026, 11, 30), date(2026, 12, 6), "30 listopada – 6 grudnia 2026 r."),
        (date(2026, 12, 28), date(2027, 1, 3), "28 grudnia 2026 r. – 3 stycznia 2027 r."),
    ],
)
def test_date_range(first, last, expected):
    assert date_range(first, last) == expected


def test_a_sentence_ending_in_r_gets_no_second_full_stop():
    assert sentence(f"Odeślij towar najpóźniej {on_date(date(2026, 12, 28))}") == (
        "Odeślij towar najpóźniej w poniedziałek, 28 grudnia 2026 r."
    )
    assert sentence("Powód: ślady użytkowania") == "Powód: ślady użytkowania."
    assert sentence("Dziękujemy!") == "Dziękujemy!"


def test_short_term_deadline_has_the_hour_in_warsaw_time():
    moment = datetime(2025, 3, 5, 12, 11, tzinfo=UTC)  # 13:11 in Warsaw (CET)
    assert until_moment(moment) == "do środy, 5 marca, godz. 13:11"
    assert until_moment_short(moment) == "do 05.03, godz. 13:11"


def test_sms_money_stays_in_gsm7():
    assert money_sms(26100) == "261,00 PLN" and is_gsm7(money_sms(123456789))
    assert not is_gsm7(money(26100))  # "zł" and the no-break space would make the SMS UCS-2


@pytest.mark.parametrize(
    ("text", "gsm", "n"),
    [
        ("a" * 160, True, 1),
        ("a" * 161, True, 2),
        ("a" * 306, True, 2),
        ("a" * 307, True, 3),
        ("ą" * 70, False, 1),
        ("ą" * 71, False, 2),
        ("ą" * 134, False, 2),
        ("ą" * 135, False, 3),
        ("{" * 80, True, 1),
        ("{" * 81, True, 2),
    ],
)
def test_sms_segments_gsm7_and_ucs2(text, gsm, n):
    assert is_gsm7(text) is gsm
    assert segments(text) == n


def test_sms_over_two_segments_is_refused():
    check_sms("Paczka czeka w Paczkomacie KRA010 do piątku.")
    with pytest.raises(SmsTooLong):
        check_sms("ż" * 135)


@pytest.mark.parametrize(
    ("local", "expected_local"),
    [
        (datetime(2026, 11, 24, 7, 59), datetime(2026, 11, 24, 8, 0)),
        (datetime(2026, 11, 24, 8, 0), datetime(2026, 11, 24, 8, 0)),
        (datetime(2026, 11, 24, 20, 59), datetime(2026, 11, 24, 20, 59)),
        (datetime(2026, 11, 24, 21, 0), datetime(2026, 11, 25, 8, 0)),
        (datetime(2026, 11, 24, 23, 30), datetime(2026, 11, 25, 8, 0)),
        # The night the clocks go back (25 October 2026): still 8:00 local, not 7:00.
        (datetime(2026, 10, 24, 22, 0), datetime(2026, 10, 25, 8, 0)),
        (datetime(2026, 3, 28, 23, 0), datetime(2026, 3, 29, 8, 0)),
    ],
)
def test_sms_is_held_through_quiet_hours(local, expected_local):
    at = local.replace(tzinfo=WARSAW).astimezone(UTC)
    assert policy.earliest_send(Channel.SMS, at).astimezone(WARSAW).replace(tzinfo=None) == expected_local


def test_email_is_never_held():
    at = datetime(2026, 11, 24, 23, 30, tzinfo=WARSAW)
    assert policy.earliest_send(Channel.EMAIL, at) == at


def test_marketing_needs_consent_transactional_does_not():
    assert policy.may_send(MessageKind.TRANSACTIONAL, marketing_consent=False)
    assert not policy.may_send(MessageKind.MARKETING, marketing_consent=False)
    assert policy.may_send(MessageKind.MARKETING, marketing_consent=True)


def test_retry_backoff_then_give_up():
    at = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    delays = [policy.next_retry(n, at) - at for n in range(1, policy.MAX_ATTEMPTS)]
    assert delays == [
        timedelta(minutes=5),
        timedelta(minutes=15),
        timedelta(hours=1),
        timedelta(hours=4),
        timedelta(hours=12),
    ]
    assert policy.next_retry(policy.MAX_ATTEMPTS, at) is None


def test_compose_refuses_marketing_without_consent_and_sms_without_phone():
    from zwrotnica.messages import compose
    from zwrotnica.messages.templates import Email

    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    content = Email(subject="Rabat", text="Kod RABAT10", html="<p>Kod RABAT10</p>")
    common = {"dedup_key": "k", "order_number": "1", "template": "t", "now": now}
    unsubscribe = "https://sklep.example.com/api/orders/1/unsubscribe?t=1.x"
    marketing = {"recipient": "a@b.pl", "content": content, "kind": MessageKind.MARKETING} | common
    assert compose.email(**marketing, unsubscribe_url=unsubscribe) is None  # no consent
    # Consent, but no one-click way to withdraw it: not written either (RODO art. 7 ust. 3).
    assert compose.email(**marketing, marketing_consent=True) is None
    message = compose.email(**marketing, marketing_consent=True, unsubscribe_url=unsubscribe)
    assert message.dedup_key == "k:email" and message.unsubscribe_url == unsubscribe
    # A transactional message never carries the marketing unsubscribe (nor its headers).
    transactional = compose.email(recipient="a@b.pl", content=content, unsubscribe_url=unsubscribe, **common)
    assert transactional.unsubscribe_url is None
    assert compose.sms(phone=None, text="Paczka jest w drodze.", **common) is None
    assert compose.sms(phone="+48600100200", text="Paczka jest w drodze.", **common).channel is Channel.SMS
    with pytest.raises(SmsTooLong):
        compose.sms(phone="+48600100200", text="ż" * 200, **common)
