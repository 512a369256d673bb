"""Which order a mail is about: order and tracking number candidates, and who may see the order."""

from __future__ import annotations

import re

import pytest

from zwrotnica.domain.mail_matching import (
    MAX_CANDIDATES,
    Disclosure,
    Source,
    disclosure,
    order_candidates,
    same_mailbox,
    tracking_candidates,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dzień dobry, gdzie jest moja paczka? Zamówienie 1001", ["1001"]),
        ("zamówienie 1001", ["1001"]),
        ("zam. nr 1001 z dnia 12.03.2026", ["1001"]),
        ("zam nr. 1001", ["1001"]),
        ("#1001", ["1001"]),
        ("# 1001 nie doszło", ["1001"]),
        ("nr zamówienia: 1001", ["1001"]),
        ("numer zamowienia 1001", ["1001"]),
        ("w sprawie zamówienia o numerze 778899", ["778899"]),
        ("order #A-77/B", ["A-77/B"]),
        ("nr zamówienia: ZAM/2026/52020, kwota 120 zł", ["ZAM/2026/52020"]),
        ("ZAM/2026/52020 gdzie jest?", ["ZAM/2026/52020"]),
        ("zamówienie 2026/11/0042", ["2026/11/0042"]),
        ("Zamowienie nr 12.345", ["12.345"]),
        ("numer zamowienia WWW-ŁÓDŹ-77", ["WWW-ŁÓDŹ-77"]),
        ("ZW1001 gdzie?", ["ZW1001"]),
        ("zamówienie PL-1001-A.", ["PL-1001-A"]),
        ("nr 5566", ["5566"]),
    ],
)
def test_order_numbers_in_the_shapes_shops_use(text, expected):
    assert [c.number for c in order_candidates("", text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Zapłaciłam 1001 zł za zamówienie",  # an amount
        "kod 00-950 Warszawa",  # a postcode
        "zamówiłem 12.03.2026",  # a date
        "zamówienie z 2026",  # a year
        "tel. 600 100 200",
        "Zamówiłem 3 sztuki",
        "paczka 602677439331630337653846",  # a tracking number is not an order number
        "zamówienie 602677439331630337653846",
        "gdzie jest moja paczka?",
    ],
)
def test_numbers_that_are_not_order_numbers(text):
    assert order_candidates("", text) == []


def test_subject_first_strongest_first_at_most_three():
    found = order_candidates("Zamówienie 1001", "nr 7, #2002, zamówienie 3003, zamówienie 4004, #5005")
    assert len(found) == MAX_CANDIDATES
    assert (found[0].number, found[0].source, found[0].strength) == ("1001", Source.SUBJECT, 3)
    assert [c.number for c in found[1:]] == ["3003", "4004"]


def test_the_shops_own_format_filters_candidates():
    fmt = re.compile(r"ZAM/\d{4}/\d+")
    assert [c.number for c in order_candidates("", "zamówienie 1001 i ZAM/2026/52020", fmt)] == [
        "ZAM/2026/52020"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("paczka 602677439331630337653846 stoi", [("inpost", "602677439331630337653846")]),
        ("nr 6026 7743 9331 6303 3765 3846", [("inpost", "602677439331630337653846")]),
        (
            "https://inpost.pl/sledzenie-przesylek?number=523000015611700083038270",
            [("inpost", "523000015611700083038270")],
        ),
        ("DPD 1000635967411U", [("dpd", "1000635967411U")]),
        ("list 1000635967411u", [("dpd", "1000635967411U")]),
        ("Pocztex 00659007734212345678", [("poczta_polska", "00659007734212345678")]),
        ("polecony RR123456789PL", [("poczta_polska", "RR123456789PL")]),
        ("przesyłka PX1234567890", [("poczta_polska", "PX1234567890")]),
        ("DHL JJD000390007880123456", [("dhl", "JJD000390007880123456")]),
        ("kurier DHL, numer 12345678901", [("dhl", "12345678901")]),
        ("ORLEN Paczka 9999999999999", [("orlen", "9999999999999")]),
        ("mój PESEL 12345678901", []),  # 11 digits without the word DHL are no tracking number
        ("zamówienie 1001", []),
    ],
)
def test_tracking_numbers_per_carrier(text, expected):
    assert [(c.carrier, c.number) for c in tracking_candidates(text)] == expected


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("anna@example.pl", "Anna@Example.PL", True),
        ("anna+sklep@example.pl", "anna@example.pl", True),
        ("anna.kowalska@gmail.com", "annakowalska@gmail.com", False),  # no provider folding
        ("anna@example.pl", "anna@example.com", False),
        (None, "anna@example.pl", False),
        ("", "", False),
    ],
)
def test_same_mailbox(a, b, same):
    assert same_mailbox(a, b) is same


@pytest.mark.parametrize(
    ("given", "order_email", "sender", "trusted", "expected"),
    [
        (True, "anna@example.pl", "anna@example.pl", True, Disclosure.ORDER),
        (False, "anna@example.pl", "anna@example.pl", True, Disclosure.ORDER),  # found by the sender
        (True, "anna@example.pl", "eve@example.pl", True, Disclosure.NOTHING),  # a stranger's order
        (True, None, "eve@example.pl", True, Disclosure.NOTHING),  # no such order: the same answer
        (True, "anna@example.pl", "anna@example.pl", False, Disclosure.NOTHING),  # spoofed (DMARC fail)
        (False, None, "eve@example.pl", True, Disclosure.NO_ORDER),
        (False, "anna@example.pl", "anna@example.pl", False, Disclosure.NO_ORDER),
    ],
)
def test_a_matched_order_is_shown_only_to_its_trusted_customer(given, order_email, sender, trusted, expected):
    assert disclosure(given, order_email, sender, trusted) is expected
