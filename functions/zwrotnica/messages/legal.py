"""Legal wording the customer (or the finance team) reads, in Polish: pure functions, no I/O.

Statute references follow docs/polish-style.md: "art. 38 ust. 1 pkt 5 ustawy o prawach konsumenta" in
full in customer text. Where polish-law.md marks a paragraph number UNCONFIRMED (art. 32 ust. 3 on holding
a refund back), the text names the article only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from zwrotnica.messages.polish import date_pl, money, money_sms, on_date, sentence

UPK = "ustawy o prawach konsumenta"


class Art38(StrEnum):
    """UPK art. 38 ust. 1 exclusions that a goods shop meets; the value is the point ("pkt") number."""

    CUSTOM_MADE = "3"
    PERISHABLE = "4"
    SEALED_HEALTH_HYGIENE = "5"
    MIXED_AFTER_DELIVERY = "6"
    SEALED_RECORDINGS = "9"


# The statute's own words after "umowy, w której przedmiotem świadczenia …" (pkt 3-6: polish-law.md 1.15,
# CONFIRMED-STATUTE; pkt 9: UOKiK's quotation of the statute, ezakupy.uokik.gov.pl).
ART38_PL: dict[Art38, str] = {
    Art38.CUSTOM_MADE: (
        "jest towar nieprefabrykowany, wyprodukowany według specyfikacji konsumenta lub służący "
        "zaspokojeniu jego zindywidualizowanych potrzeb"
    ),
    Art38.PERISHABLE: (
        "jest towar ulegający szybkiemu zepsuciu lub mający krótki termin przydatności do użycia"
    ),
    Art38.SEALED_HEALTH_HYGIENE: (
        "jest towar dostarczany w zapieczętowanym opakowaniu, którego po otwarciu opakowania nie można "
        "zwrócić ze względu na ochronę zdrowia lub ze względów higienicznych, jeżeli opakowanie zostało "
        "otwarte po dostarczeniu"
    ),
    Art38.MIXED_AFTER_DELIVERY: (
        "są towary, które po dostarczeniu, ze względu na swój charakter, zostają nierozłącznie połączone "
        "z innymi rzeczami"
    ),
    Art38.SEALED_RECORDINGS: (
        "są nagrania dźwiękowe lub wizualne albo programy komputerowe dostarczane w zapieczętowanym "
        "opakowaniu, jeżeli opakowanie zostało otwarte po dostarczeniu"
    ),
}


def withdrawal_excluded_text(category: Art38 | None = None) -> str:
    """Why a product cannot be withdrawn from, in the statute's categories, and what the customer can do.
    Without a known category (the shop only flags the product) the two categories a shop meets most."""
    if category is None:
        basis = (
            f"art. 38 ust. 1 {UPK} wyłącza to prawo między innymi wtedy, gdy przedmiotem umowy "
            f"{ART38_PL[Art38.CUSTOM_MADE]} albo {ART38_PL[Art38.SEALED_HEALTH_HYGIENE]}"
        )
    else:
        basis = (
            f"art. 38 ust. 1 pkt {category.value} {UPK} wyłącza to prawo, gdy przedmiotem umowy "
            f"{ART38_PL[category]}"
        )
    return (
        f"Tego produktu nie można zwrócić w ramach odstąpienia od umowy: {basis}. "
        "Jeśli produkt jest wadliwy lub niezgodny z umową, możesz złożyć reklamację."
    )


# UPK art. 34 ust. 4 (paragraph number as the issue and the shops' regulamins give it; polish-law.md 1.14).
ART34_4_PL = (
    f"Zgodnie z art. 34 ust. 4 {UPK} konsument odpowiada za zmniejszenie wartości towaru będące wynikiem "
    "korzystania z niego w sposób wykraczający poza konieczny do stwierdzenia charakteru, cech "
    "i funkcjonowania towaru."
)


def complaint_limit_text(delivered_on: date, limit: date, contact_email: str) -> str:
    """Past two years from delivery (UPK art. 43c): when they ended, and that a defect that showed
    within them can still be reported, with the route. Replaces "reklamacja nie jest już możliwa"."""
    return (
        "Odpowiadamy za niezgodność towaru z umową, która ujawniła się w ciągu dwóch lat od jego "
        f"dostarczenia (art. 43c {UPK}). Towar został dostarczony {date_pl(delivered_on)}, więc ten okres "
        f"upłynął {date_pl(limit)} Jeśli wada ujawniła się do {date_pl(limit)}, nadal możesz ją zgłosić: "
        f"napisz do nas na adres {contact_email}, opisz wadę i podaj, kiedy się ujawniła."
    )


def cod_line(amount: int, currency: str = "PLN") -> str:
    """A cash-on-delivery order's shipping e-mail: how much to have ready."""
    return f"Płatność przy odbiorze: przygotuj {money(amount, currency)}."


def cod_sms(amount: int, currency: str = "PLN") -> str:
    """The same for an SMS, in GSM-7 ("PLN", plain spaces)."""
    return f"Pobranie: przygotuj {money_sms(amount, currency)}."


def marketing_footer(unsubscribe_url: str) -> list[str | tuple[str, str]]:
    """Blocks that close every marketing e-mail: why it came and a one-click way to stop it (PKE art. 398,
    RODO art. 7 ust. 3). The link must record the withdrawal by itself: no reply, no login."""
    return [
        "Tę wiadomość wysyłamy na podstawie Twojej zgody na otrzymywanie informacji handlowych. Możesz ją "
        "wycofać jednym kliknięciem – od tej chwili nie wyślemy Ci już żadnej informacji handlowej:",
        ("Wypisz mnie z informacji handlowych", unsubscribe_url),
    ]


@dataclass(frozen=True)
class TicketText:
    subject: str
    note: str


def refund_deadline_ticket(
    *,
    rma: str,
    order_number: str,
    amount: int,
    statement_received: date,
    due: date,
    proof_of_sending: date | None = None,
    goods_received: date | None = None,
    cod: bool = False,
) -> TicketText:
    """The finance team's ticket for the refund clock (UPK art. 32): 14 days from the withdrawal statement.
    The refund may be held back only until the goods are back or the customer shows proof of sending them,
    whichever comes first; the courier's first scan of the return parcel is that proof. No personal data."""
    lines = [
        f"Zwróć {money(amount)} za zgłoszenie {rma} (zamówienie {order_number}) najpóźniej "
        f"{on_date(due)} Termin: 14 dni od otrzymania oświadczenia o odstąpieniu od umowy "
        f"({date_pl(statement_received)}), art. 32 ust. 1 {UPK}."
    ]
    if goods_received:
        lines.append(f"Towar wrócił do nas {date_pl(goods_received)}: nie wolno już wstrzymywać zwrotu.")
    elif proof_of_sending:
        lines.append(
            f"Klient nadał towar {date_pl(proof_of_sending)} (pierwszy skan przewoźnika to dowód nadania): "
            "od tej chwili nie wolno już wstrzymywać zwrotu."
        )
    else:
        lines.append(
            "Nie mamy jeszcze ani towaru, ani dowodu jego nadania. Do chwili, gdy otrzymamy jedno z nich "
            f"(co nastąpi wcześniej), zwrot można wstrzymać (art. 32 {UPK}); termin biegnie jednak dalej."
        )
    if cod:
        lines.append(
            "Zamówienie było płatne przy odbiorze: przelej pieniądze na konto podane w zgłoszeniu "
            "i potwierdź w zgłoszeniu przelew z jego datą."
        )
    else:
        lines.append(f"Zleć zwrot tą samą metodą płatności, której użył klient (art. 32 ust. 2 {UPK}).")
    return TicketText(f"Zwrot pieniędzy {rma}: termin {date_pl(due)}", " ".join(lines))


def transfer_confirmation_hint(rma: str) -> str:
    """How finance confirms a bank transfer it made (the operator CLI; the signed decision endpoint)."""
    return f"Po przelewie potwierdź go z datą: zwrotnica cases transfer {rma} --on RRRR-MM-DD."


def complaint_refund_ticket(
    *, rma: str, order_number: str, amount: int, due: date, cod: bool = False
) -> TicketText:
    """Finance's ticket for the refund of an accepted complaint (a price reduction, or the money back
    after withdrawing for a non-conformity, UPK art. 43e): we promised it by `due`. No personal data."""
    how = (
        "Zamówienie było płatne przy odbiorze: przelej pieniądze na konto podane w zgłoszeniu. "
        + transfer_confirmation_hint(rma)
        if cod
        else "Zleć zwrot tą samą metodą płatności, której użył klient, albo przelej pieniądze i potwierdź "
        "przelew. " + transfer_confirmation_hint(rma)
    )
    note = (
        f"Reklamacja {rma} (zamówienie {order_number}) uznana: zwróć {money(amount)} najpóźniej "
        f"{on_date(due)} {how}"
    )
    return TicketText(f"Zwrot pieniędzy {rma}: termin {date_pl(due)}", note)


def refund_ordered_note(amount: int, provider: str) -> str:
    """The refund went to the payment provider: the refund clock is kept."""
    return f"Zwrot {money(amount)} zlecony przez {provider}: termin ustawowy dotrzymany."


def refund_transferred_note(amount: int, transferred_on: date) -> str:
    """Finance confirmed its bank transfer: the refund clock is kept."""
    return sentence(f"Przelew {money(amount)} potwierdzony, zlecony {date_pl(transferred_on)}")


def refund_failed_note(error: str, rma: str) -> str:
    return (
        f"Zwrot przez operatora płatności nie powiódł się ({error}). Ponów go w panelu operatora albo "
        f"przelej pieniądze na konto klienta. {transfer_confirmation_hint(rma)}"
    )


def complaint_goods_requested_note(requested_on: date, answer_due: date) -> str:
    """The complaint ticket's note when the team asked for the goods: the answer clock runs on."""
    return (
        f"Poprosiliśmy klienta o odesłanie towaru ({date_pl(requested_on)}). Ta prośba nie wstrzymuje "
        f"ustawowego terminu odpowiedzi (art. 7a {UPK}): odpowiedz najpóźniej {on_date(answer_due)} "
        "Bez odpowiedzi w terminie reklamację uważa się za uznaną."
    )


def complaint_answered_note(verdict: str, answered_on: date) -> str:
    """The complaint ticket's note once the customer has our answer on the merits (`verdict` in Polish:
    "uznana (naprawa)", "nieuznana"): the legal clock is kept."""
    return f"Odpowiedź na reklamację wysłana {date_pl(answered_on)}: {verdict}. Termin ustawowy dotrzymany."


def complaint_deemed_accepted_note(answer_due: date, demand_pl: str | None) -> str:
    """The complaint ticket's note when its deadline passed unanswered (art. 7a ust. 2)."""
    wanted = f" Zrealizuj żądanie klienta: {demand_pl}." if demand_pl else " Ustal z klientem, co dalej."
    return (
        f"Termin odpowiedzi minął {date_pl(answer_due)} bez odpowiedzi: reklamację uważa się za uznaną "
        f"(art. 7a ust. 2 {UPK}). Klient dostał o tym e-mail.{wanted}"
    )


# What the team's SLA digest says about a legal deadline, by the ticket's category.
LEGAL_DEADLINE_PL = {
    "complaint": "ustawowy termin odpowiedzi na reklamację",
    "payment": "ustawowy termin zwrotu pieniędzy",
}
LEGAL_STEP_PL = {
    "warn": "75% czasu minęło",
    "final": "ostatni dzień",
    "breach": "termin minął",
}
# The consequence, said loudly on the last day.
LEGAL_CONSEQUENCE_PL = {
    "complaint": "bez odpowiedzi do końca dnia reklamację uważa się za uznaną (art. 7a ust. 2 {upk})",
    "payment": "zwrot musi być zlecony do końca dnia (art. 32 ust. 1 {upk})",
}


def legal_step_text(category: str, step: str) -> str:
    """The digest's words for a legal deadline's step: "ustawowy termin odpowiedzi na reklamację:
    ostatni dzień – bez odpowiedzi do końca dnia reklamację uważa się za uznaną (…)"."""
    what = LEGAL_DEADLINE_PL.get(category, "termin ustawowy")
    text = f"{what}: {LEGAL_STEP_PL[step]}"
    if step == "final" and category in LEGAL_CONSEQUENCE_PL:
        text += " – " + LEGAL_CONSEQUENCE_PL[category].format(upk=UPK)
    return text
