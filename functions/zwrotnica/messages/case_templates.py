"""Messages about return and complaint cases, in Polish.

Every sentence about a case comes from one table (`case_sentence`, `case_subject`, `case_label`): the
kind decides the noun and so the agreement ("Zwrot … został przyjęty", "Reklamacja … została uznana",
"Zgłoszenie … zostało rozpatrzone"), and no state reads like another ("Otrzymaliśmy Twoją reklamację"
when it is registered, "Reklamacja … uznana" when it is decided)."""

from __future__ import annotations

from datetime import date

from zwrotnica.messages.legal import ART34_4_PL
from zwrotnica.messages.payment_templates import REFUND_EXPECTED_PL
from zwrotnica.messages.polish import count, date_pl, money, on_date, sentence
from zwrotnica.messages.templates import Email, email_from_blocks
from zwrotnica.models.case import (
    CASE_STATUS_PL,
    COMPLAINT_DEMAND_PL,
    CaseKind,
    CaseStatus,
    ComplaintDemand,
)

W, C, S = CaseKind.WITHDRAWAL, CaseKind.COMPLAINT, CaseStatus
# The kind as a label (nominative): "Przyjęliśmy zgłoszenie ZW-…: reklamacja."
KIND_PL = {W: "zwrot (odstąpienie od umowy)", C: "reklamacja"}
_NOUN = {W: "zwrot", C: "reklamacja"}

# One full sentence per state, by kind; None: the kind is not known, a neutral sentence about the
# "zgłoszenie" (neuter). A state with only a None entry reads the same for both kinds.
SENTENCES: dict[CaseStatus, dict[CaseKind | None, str]] = {
    S.SUBMITTED: {
        W: "Otrzymaliśmy Twoje zgłoszenie zwrotu nr {rma}.",
        C: "Otrzymaliśmy Twoją reklamację nr {rma}.",
        None: "Otrzymaliśmy Twoje zgłoszenie nr {rma}.",
    },
    S.LABEL_SENT: {None: "Zgłoszenie nr {rma}: wysłaliśmy Ci e-mailem instrukcję odesłania paczki."},
    S.IN_TRANSIT: {None: "Zgłoszenie nr {rma}: paczka zwrotna jest w drodze do nas."},
    S.DELIVERED_TO_SHOP: {None: "Zgłoszenie nr {rma}: paczka zwrotna dotarła do nas, sprawdzamy towar."},
    S.ACCEPTED: {
        W: "Zwrot nr {rma} został przyjęty.",
        C: "Reklamacja nr {rma} została uznana.",
        None: "Zgłoszenie nr {rma} zostało rozpatrzone pozytywnie.",
    },
    S.REJECTED: {
        W: "Zwrot nr {rma} nie został przyjęty.",
        C: "Reklamacja nr {rma} nie została uznana.",
        None: "Zgłoszenie nr {rma} zostało rozpatrzone negatywnie.",
    },
    S.REFUND_ORDERED: {None: "Zgłoszenie nr {rma}: zleciliśmy zwrot pieniędzy."},
    S.CLOSED: {None: "Zgłoszenie nr {rma} zostało zamknięte."},
}
# Short labels for the status page ("ZW-2026-000123: reklamacja uznana"), lower case after the number.
LABELS: dict[CaseStatus, dict[CaseKind | None, str]] = {
    status: {None: label} for status, label in CASE_STATUS_PL.items()
}
LABELS[S.SUBMITTED] |= {W: "zwrot zgłoszony", C: "reklamacja zgłoszona"}
LABELS[S.ACCEPTED] |= {W: "zwrot przyjęty", C: "reklamacja uznana"}
LABELS[S.REJECTED] |= {W: "zwrot nieprzyjęty", C: "reklamacja nieuznana"}
LABELS[S.CLOSED] |= {W: "zwrot zakończony", C: "reklamacja zakończona"}


def _kind(kind: CaseKind | str | None) -> CaseKind | None:
    return CaseKind(kind) if kind in CaseKind._value2member_map_ else None


def case_sentence(kind: CaseKind | str | None, status: CaseStatus | str, rma: str) -> str:
    """The case's state as one sentence (timeline line, e-mail opening): "Reklamacja nr ZW-… została
    uznana." A kind of None (or one we do not know) gives the neutral sentence about the "zgłoszenie"."""
    forms = SENTENCES[CaseStatus(status)]
    return forms.get(_kind(kind), forms[None]).format(rma=rma)


# The e-mail that carries the return document cannot say "we sent you an e-mail": its own subject/opening.
_LABEL_SUBJECT = "Zgłoszenie nr {rma}: instrukcja odesłania paczki"
_LABEL_OPENING = "przesyłamy instrukcję odesłania paczki do zgłoszenia nr {rma}."


def case_subject(kind: CaseKind | str | None, status: CaseStatus | str, rma: str) -> str:
    """The e-mail subject: the sentence without its full stop."""
    if CaseStatus(status) is S.LABEL_SENT:
        return _LABEL_SUBJECT.format(rma=rma)
    return case_sentence(kind, status, rma).removesuffix(".")


def case_label(kind: CaseKind | str | None, status: CaseStatus | str) -> str:
    """A short label: "reklamacja uznana"; a step that reads the same for both kinds gets the kind in
    front ("reklamacja – paczka zwrotna w drodze") when it is known."""
    forms, known = LABELS[CaseStatus(status)], _kind(kind)
    if known is None:
        return forms[None]
    return forms.get(known) or f"{_NOUN[known]} – {forms[None]}"


def _opening(text: str) -> str:
    """The paragraph after "Dzień dobry," starts with a small letter."""
    return text[:1].lower() + text[1:]


def _refund_method(cod: bool | None) -> str:
    if cod is None:
        return (
            " (za zamówienie opłacone online – tą samą metodą płatności, za zamówienie płatne przy odbiorze "
            "– przelewem na konto podane w zgłoszeniu)"
        )
    return (
        " przelewem na konto podane w zgłoszeniu"
        if cod
        else " tą samą metodą, którą zapłacono za zamówienie,"
    )


def _refund_line(amount: int, due: date, cod: bool | None) -> str:
    return f"Zwrócimy Ci {money(amount)}{_refund_method(cod)} najpóźniej {on_date(due)}"


def _end(shop_name: str, status_url: str) -> list[str | tuple[str, str]]:
    return [("Status zamówienia i zgłoszenia", status_url), f"Pozdrawiamy,\n{shop_name}"]


def case_submitted(
    *,
    rma: str,
    kind: CaseKind,
    pieces: int,
    refund: int | None,
    refund_due: date | None,
    send_back_by: date | None,
    answer_due: date | None,
    status_url: str,
    shop_name: str,
    label_url: str | None = None,
    cod: bool | None = None,
) -> Email:
    """The durable-medium confirmation of a withdrawal statement (UPK art. 30 ust. 3) or a complaint.
    `cod`: True for a cash-on-delivery order (refund by transfer), False if paid online, None unknown."""
    products = count(pieces, "produkt", "produkty", "produktów")
    if kind is CaseKind.WITHDRAWAL:
        opening = (
            f"potwierdzamy, że otrzymaliśmy Twoje oświadczenie o odstąpieniu od umowy – zgłoszenie zwrotu "
            f"nr {rma}. Zgłoszenie obejmuje {products}."
        )
    else:
        opening = f"otrzymaliśmy Twoją reklamację nr {rma}. Reklamacja obejmuje {products}."
    blocks: list[str | tuple[str, str]] = ["Dzień dobry,", opening]
    if kind is CaseKind.WITHDRAWAL:
        if send_back_by:
            blocks.append(
                f"Odeślij towar najpóźniej {on_date(send_back_by)} Wystarczy, że nadasz paczkę przed "
                "końcem tego dnia."
            )
        if refund is not None and refund_due:
            blocks.append(
                sentence(_refund_line(refund, refund_due, cod))
                + " Możemy wstrzymać zwrot pieniędzy do chwili, gdy otrzymamy towar albo dowód jego "
                "odesłania – zależnie od tego, co nastąpi wcześniej."
            )
    elif answer_due:
        blocks.append(sentence(f"Odpowiemy na reklamację najpóźniej {on_date(answer_due)}"))
    if label_url:
        blocks += ["Dokument zwrotu do wydruku (link ważny 7 dni):", ("Pobierz dokument zwrotu", label_url)]
    blocks += ["Status zgłoszenia sprawdzisz tutaj:", *_end(shop_name, status_url)]
    return email_from_blocks(case_subject(kind, S.SUBMITTED, rma), blocks)


def _label_blocks(label_url: str, slip: bool | None) -> list[str | tuple[str, str]]:
    if slip is True:
        how = (
            "Wydrukuj kartę zwrotu, włóż ją do paczki i wyślij paczkę na adres podany na karcie. "
            "Link jest ważny 7 dni:"
        )
        return [how, ("Pobierz kartę zwrotu (PDF)", label_url)]
    if slip is False:
        how = (
            "Wydrukuj etykietę zwrotną, naklej ją na paczkę i nadaj paczkę w Paczkomacie InPost. "
            "Link jest ważny 7 dni:"
        )
        return [how, ("Pobierz etykietę zwrotną (PDF)", label_url)]
    how = (
        "Wydrukuj dokument zwrotu (link jest ważny 7 dni). Etykietę zwrotną przewoźnika naklej na paczkę; "
        "kartę zwrotu włóż do paczki i wyślij paczkę na adres podany na karcie."
    )
    return [how, ("Pobierz dokument zwrotu (PDF)", label_url)]


def case_moved(
    *,
    rma: str,
    status: CaseStatus,
    status_url: str,
    shop_name: str,
    reason: str | None = None,
    refund: int | None = None,
    label_url: str | None = None,
    kind: CaseKind | str | None = None,
    slip: bool | None = None,
    cod: bool | None = None,
) -> Email:
    """One step of the case. `kind` makes the decision sentences kind-specific ("Reklamacja … uznana");
    `slip`: True for our printable return slip, False for a carrier's return label, None unknown;
    `cod`: the refund goes by bank transfer (True), back the way it was paid (False), unknown (None)."""
    opening = _LABEL_OPENING if status is S.LABEL_SENT else _opening(case_sentence(kind, status, rma))
    blocks: list[str | tuple[str, str]] = ["Dzień dobry,", opening.format(rma=rma)]
    if status is CaseStatus.REJECTED and reason:
        label = "Powód" if _kind(kind) is CaseKind.WITHDRAWAL else "Uzasadnienie"
        blocks += [f"{label}: {sentence(reason)}", "Jeśli się z tym nie zgadzasz, odpowiedz na tę wiadomość."]
    if status is CaseStatus.REFUND_ORDERED and refund is not None:
        how = {
            True: "przelewem na konto podane w zgłoszeniu",
            False: "tą samą metodą, którą zapłacono za zamówienie",
            None: "tą samą metodą, którą zapłacono za zamówienie (przy płatności przy odbiorze – przelewem "
            "na konto podane w zgłoszeniu)",
        }[cod]
        blocks.append(
            f"Kwota {money(refund)} wraca do Ciebie {how}. "
            f"Pieniądze pojawią się na Twoim koncie {REFUND_EXPECTED_PL}."
        )
    if status is CaseStatus.LABEL_SENT and label_url:
        blocks += _label_blocks(label_url, slip)
    return email_from_blocks(case_subject(kind, status, rma), [*blocks, *_end(shop_name, status_url)])


# ---- Answers the team gives (UPK art. 7a, 34 ust. 4, 43d-43e); the flows call these once they exist. ----


def withdrawal_accepted_with_deduction(
    *,
    rma: str,
    refund: int,
    deduction: int,
    reason: str,
    refund_due: date,
    status_url: str,
    shop_name: str,
    cod: bool | None = None,
) -> Email:
    """A withdrawal is a right: the shop may only deduct the loss of value caused by handling the goods
    beyond what was needed (UPK art. 34 ust. 4), with the amount and the reason."""
    if not 0 < deduction <= refund:
        raise ValueError("a deduction is more than nothing and at most the refund")
    blocks: list[str | tuple[str, str]] = [
        "Dzień dobry,",
        f"przyjęliśmy Twój zwrot nr {rma}. Odesłany towar stracił jednak na wartości, dlatego potrącamy "
        f"{money(deduction)}: zwrócimy Ci {money(refund - deduction)} zamiast {money(refund)}.",
        f"Powód potrącenia: {sentence(reason)}",
        ART34_4_PL,
        sentence(_refund_line(refund - deduction, refund_due, cod)),
        "Jeśli się z tym nie zgadzasz, odpowiedz na tę wiadomość.",
        *_end(shop_name, status_url),
    ]
    return email_from_blocks(f"Zwrot nr {rma} przyjęty z potrąceniem {money(deduction)}", blocks)


REMEDY_PL: dict[ComplaintDemand, str] = {
    ComplaintDemand.REPAIR: "Naprawimy towar na nasz koszt; pokrywamy też koszt jego odesłania.",
    ComplaintDemand.REPLACEMENT: (
        "Wymienimy towar na nowy, zgodny z umową, na nasz koszt; pokrywamy też koszt odesłania wadliwego "
        "towaru."
    ),
}


def complaint_accepted(
    *,
    rma: str,
    remedy: ComplaintDemand,
    status_url: str,
    shop_name: str,
    amount: int | None = None,
    refund_due: date | None = None,
    cod: bool | None = None,
    details: str | None = None,
) -> Email:
    """The complaint is accepted, with its remedy: repair, replacement (UPK art. 43d), price reduction or
    withdrawal with a refund (art. 43e): the last two need the amount and the refund date."""
    if remedy in REMEDY_PL:
        what = REMEDY_PL[remedy]
    elif amount is None or refund_due is None:
        raise ValueError("a price reduction or a refund needs the amount and its date")
    elif remedy is ComplaintDemand.PRICE_REDUCTION:
        what = f"Obniżamy cenę o {money(amount)}. " + sentence(_refund_line(amount, refund_due, cod))
    else:
        what = "Przyjmujemy Twoje odstąpienie od umowy. " + sentence(_refund_line(amount, refund_due, cod))
    blocks: list[str | tuple[str, str]] = [
        "Dzień dobry,",
        f"uznajemy Twoją reklamację nr {rma}. {what}",
        *([sentence(details)] if details else []),
        *_end(shop_name, status_url),
    ]
    return email_from_blocks(case_subject(C, S.ACCEPTED, rma), blocks)


def complaint_rejected(*, rma: str, reasons: str, status_url: str, shop_name: str) -> Email:
    """A rejection states its reasons (on a durable medium, UPK art. 7a ust. 3) and the way to disagree.
    Never sent after the answer deadline: by then the complaint is deemed accepted (art. 7a ust. 2)."""
    blocks: list[str | tuple[str, str]] = [
        "Dzień dobry,",
        f"rozpatrzyliśmy Twoją reklamację nr {rma} i nie możemy jej uznać.",
        f"Uzasadnienie: {sentence(reasons)}",
        "Jeśli się z tym nie zgadzasz, odpowiedz na tę wiadomość. Bezpłatnie pomoże Ci też miejski lub "
        "powiatowy rzecznik konsumentów.",
        *_end(shop_name, status_url),
    ]
    return email_from_blocks(case_subject(C, S.REJECTED, rma), blocks)


def complaint_goods_requested(
    *, rma: str, answer_due: date, status_url: str, shop_name: str, label_url: str | None = None
) -> Email:
    """The team needs the goods to decide: asking for them does not stop the 14-day answer clock."""
    blocks: list[str | tuple[str, str]] = [
        "Dzień dobry,",
        f"aby rozpatrzyć Twoją reklamację nr {rma}, potrzebujemy reklamowanego towaru. Odeślij go, proszę, "
        "do nas.",
        f"Ta prośba nie przedłuża terminu na naszą odpowiedź: odpowiemy na reklamację najpóźniej "
        f"{on_date(answer_due)}",
    ]
    if label_url:
        blocks.append(("Pobierz dokument zwrotu (PDF)", label_url))
    blocks += _end(shop_name, status_url)
    return email_from_blocks(f"Reklamacja nr {rma}: prosimy o odesłanie towaru", blocks)


def complaint_deemed_accepted(
    *, rma: str, answer_due: date, demand: ComplaintDemand | None, status_url: str, shop_name: str
) -> Email:
    """No answer within 14 days: the complaint is deemed accepted (UPK art. 7a ust. 2)."""
    wanted = f"Zrealizujemy Twoje żądanie: {COMPLAINT_DEMAND_PL[demand]}." if demand else ""
    blocks: list[str | tuple[str, str]] = [
        "Dzień dobry,",
        f"nie odpowiedzieliśmy na Twoją reklamację nr {rma} w ustawowym terminie, który upłynął "
        f"{date_pl(answer_due)} Zgodnie z art. 7a ust. 2 ustawy o prawach konsumenta oznacza to, że "
        "reklamacja została uznana. Przepraszamy za zwłokę.",
        f"{wanted} Napiszemy do Ciebie, co dalej.".strip(),
        *_end(shop_name, status_url),
    ]
    return email_from_blocks(case_subject(C, S.ACCEPTED, rma), blocks)
