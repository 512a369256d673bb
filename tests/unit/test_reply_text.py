"""The customer's new text, cut from quoted history: one golden case per client (inbound-email.md §4)."""

from __future__ import annotations

import pytest

from zwrotnica.domain.reply_text import new_text, quote_start

NEW = "Gdzie jest moja paczka? Zamówienie 1001."


@pytest.mark.parametrize(
    "history",
    [
        # Gmail (pl, current): no "W dniu", weekday abbreviation
        "czw., 12 mar 2020 o 15:33 Gabriel Ravier <gabravier@gmail.com> napisał(a):\n> stary tekst",
        # Gmail (pl, current), wrapped before the verb
        "czw., 12 mar 2020 o 15:33 Sklep Zwrotnica <sklep@zwrotnica.example>\nnapisał(a):\n> stary tekst",
        # Gmail (pl, old)
        "W dniu 7 stycznia 2015 15:24 użytkownik Paweł Brzoski <pbrzoski91@gmail.com> napisał:\n> stary",
        # Gmail (pl, old), wrapped over two lines
        "W dniu 7 stycznia 2015 15:24 użytkownik Paweł\nBrzoski <pbrzoski91@gmail.com> napisał:\n> stary",
        # Thunderbird (pl): W dniu #2 o #3, #1 pisze:
        "W dniu 05.12.2026 o 14:30, Sklep Zwrotnica pisze:\n> stary tekst",
        # Apple Mail / iPhone (pl)
        "Wiadomość napisana przez Qu Wenruo <wqu@suse.com> w dniu 04.02.2023, o godz. 09:47:\n\n> stary",
        # iOS "Dnia"
        "Dnia 14 lip 2015 o godz. 00:25 Michael Downey <info@discourse.org> napisał(a):\n\n> stary",
        # Evolution (pl), with U+2236 in the time
        "W dniu wto, 03.03.2026 o godzinie 16\u223647 +0100, użytkownik Takashi Iwai napisał:\n> stary",
        # Zimbra-style webmail
        "----- 2 lip 2020 o 11:00, Roger Pau Monné roger.pau@citrix.com napisał(a):\n> stary",
        # KMail (pl)
        "Dnia niedziela 10 kwiecień 2011 o 18:00:14 Guennadi Liakhovetski napisał(a):\n> stary",
        # Polish webmail "Dnia … napisał(a):" (Onet/WP/o2 shape; unconfirmed per §4)
        'Dnia 3 grudnia 2026 12:40 "Sklep Zwrotnica" <sklep@zwrotnica.example> napisał(a):\n\n> stary',
        # Outlook (pl)
        "-----Wiadomość oryginalna-----\nOd: Sklep <sklep@zwrotnica.example>\nWysłano: 4 grudnia\nTemat: x",
        # Outlook without the separator, "Wysłane:" variant, bold labels from HTML
        "Od: Sklep Zwrotnica <sklep@zwrotnica.example>\nWysłane: piątek, 4 grudnia 10:00\nDo: ja\nTemat: x",
        "*Od:* Sklep Zwrotnica\n*Wysłano:* piątek\n*Temat:* x",
        # Outlook underscore rule followed by the header block
        "________________________________\nOd: Sklep Zwrotnica\nWysłane: piątek\nDo: ja",
        # Interia-like header copy, English Outlook, Gmail English
        "---- Wiadomość oryginalna ----\nOd: Sklep\nData: 2 grudnia 2026",
        "-----Original Message-----\nFrom: Shop\nSent: Monday",
        "On Thu, Dec 3, 2026 at 10:00 AM Sklep Zwrotnica <sklep@zwrotnica.example> wrote:\n> old",
        # forwards
        "---------- Forwarded message ---------\nOd: Sklep",
        "Początek przekazanej wiadomości:\n\nOd: Sklep",
        # plain > quoting without any attribution
        "> stary tekst\n> więcej",
    ],
)
def test_quoted_history_is_cut_for_every_client(history):
    assert new_text(f"{NEW}\n\n{history}") == NEW


@pytest.mark.parametrize(
    "signature",
    [
        "-- \nAnna Kowalska\ntel. 600 100 200",
        "Wysłane z iPhone'a",
        "Wysłano z aplikacji Poczta dla systemu Windows",
        "Sent from my Galaxy",
        "Pozdrawiam\nAnna Kowalska",
        "Z poważaniem,\nJan Nowak\nFirma Budmax sp. z o.o.\nul. Długa 1, 00-950 Warszawa",
        "Dziękuję i pozdrawiam\nEwa",
    ],
)
def test_signatures_are_not_part_of_the_new_text(signature):
    assert new_text(f"{NEW}\n\n{signature}") == NEW


def test_a_customer_line_that_starts_like_an_attribution_stays():
    text = (
        "W dniu 3 marca zamówiłam buty, gdzie są?\nW dniu 12.03.2024 o 10:15, Sklep <sklep@x.pl> pisze:\n> x"
    )
    assert new_text(text) == "W dniu 3 marca zamówiłam buty, gdzie są?"


def test_a_sentence_mentioning_who_wrote_what_is_not_an_attribution():
    text = "Kurier napisał, że będzie jutro.\nCzy to prawda?"
    assert new_text(text) == text


def test_a_farewell_in_the_middle_of_a_long_message_keeps_what_follows():
    lines = ["Gdzie paczka?", "Dziękuję", *[f"Linia {i}" for i in range(15)]]
    assert new_text("\n".join(lines)).endswith("Linia 14")


def test_a_message_of_only_quoted_history_has_no_new_text():
    assert new_text("> tylko cytat\n> nic więcej") == ""
    assert quote_start(["", "> a"]) == 1


def test_line_breaks_and_no_break_spaces_are_normalised():
    assert (
        new_text("Gdzie\u00a0paczka?\r\n\r\n\r\n\r\nZamówienie\u200b 1001")
        == "Gdzie paczka?\n\nZamówienie 1001"
    )
