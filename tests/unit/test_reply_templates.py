"""The team's ready answers: the data is checked when it is read, every variable is filled with the
Polish forms every message uses, and a template is refused rather than sent with a hole in it."""

from __future__ import annotations

import pytest

from zwrotnica.messages import reply_templates
from zwrotnica.messages.reply_templates import MissingFacts, ReplyTemplate, UnknownTemplate

NBSP = "\u00a0"


def test_the_shipped_templates_cover_the_top_situations_of_a_polish_shop():
    names = set(reply_templates.templates())
    assert len(names) >= 20
    for situation in (
        "opoznienie",
        "zaginiecie",
        "uszkodzenie",
        "brak_produktu",
        "status_zwrotu",
        "status_zwrotu_pieniedzy",
        "platnosc_niewidoczna",
        "faktura",
        "zmiana_adresu",
        "anulowanie",
    ):
        assert situation in names


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        (
            {"templates": {"x1": {"title": "T", "text": "zamówienie {numer_zamowienia} {nieznana}"}}},
            "nieznana",
        ),
        ({"templates": {"Zła Nazwa": {"title": "T", "text": "tekst"}}}, "name"),
        ({"templates": {"pusty": {"title": "T", "text": " "}}}, "pusty"),
    ],
)
def test_a_template_with_an_unknown_variable_or_a_bad_name_is_refused_when_read(config, problem):
    with pytest.raises(ValueError, match=problem):
        reply_templates.parse(config)


def test_values_come_in_the_polish_forms_of_every_message():
    values = reply_templates.facts(
        order={
            "number": "ZAM/2026/7",
            "customer_name": "Zofia Żaczek",
            "total": 123450,
            "created_at": "2026-11-20T23:30:00.000000Z",
        },
        parcel={
            "carrier": "poczta_polska",
            "tracking_number": "00659007734201234567",
            "pickup_deadline": "2026-12-09T12:11:05.000000Z",
            "point_id": "WAW-1",
        },
        case={
            "case_id": "ZW-2026-000123",
            "refund_amount": 2250,
            "refund_due": "2026-12-21",
            "answer_due": "2026-12-22",
        },
        status_url="https://s.pl/orders/x/status?t=1",
        return_address="Sklep, ul. Magazynowa 5, 30-001 Kraków",
    )
    assert values["imie"] == "Zofia" and values["numer_zamowienia"] == "ZAM/2026/7"
    assert values["data_zamowienia"] == "21 listopada 2026 r."  # 23:30 UTC is the next day in Warsaw
    assert (
        values["kwota_zamowienia"] == f"1{NBSP}234,50{NBSP}zł" and values["kwota_zwrotu"] == f"22,50{NBSP}zł"
    )
    assert (values["przewoznik"], values["przewoznika"]) == ("Poczta Polska", "Poczty Polskiej")
    assert values["termin_odbioru"] == "do środy, 9 grudnia, godz. 13:11"
    assert values["punkt_odbioru"] == "punkcie odbioru WAW-1"
    assert values["termin_zwrotu_pieniedzy"] == "w poniedziałek, 21 grudnia 2026 r."
    assert values["termin_odpowiedzi_na_reklamacje"] == "we wtorek, 22 grudnia 2026 r."
    assert (
        values["link_sledzenia"].startswith("https://") and "00659007734201234567" in values["link_sledzenia"]
    )


def test_an_erased_name_is_no_first_name_and_a_missing_value_refuses_the_template():
    values = reply_templates.facts(
        order={"number": "1001", "customer_name": "[usunięto]"},
        parcel=None,
        case=None,
        status_url=None,
        return_address="",
    )
    assert "imie" not in values and "link_statusu" not in values and "adres_zwrotu" not in values
    with pytest.raises(MissingFacts) as refused:
        reply_templates.render(reply_templates.get("opoznienie"), values)
    assert refused.value.missing == ["przewoznik", "numer_przesylki", "link_sledzenia"]
    with pytest.raises(UnknownTemplate):
        reply_templates.get("nie_ma_takiego")


def test_render_fills_every_variable_once_and_leaves_other_braces_alone():
    template = ReplyTemplate("t", "T", "zamówienie nr {numer_zamowienia}, znowu {numer_zamowienia}")
    assert template.variables == ["numer_zamowienia"]
    assert reply_templates.render(template, {"numer_zamowienia": "1001"}) == "zamówienie nr 1001, znowu 1001"
