"""Messages about return and complaint cases, in Polish."""

from __future__ import annotations

from datetime import date

from zwrotnica.messages.polish import count, date_long, money
from zwrotnica.messages.templates import Email, email_from_blocks
from zwrotnica.models.case import CASE_STATUS_PL, CaseKind, CaseStatus

KIND_PL = {CaseKind.WITHDRAWAL: "zwrot (odstąpienie od umowy)", CaseKind.COMPLAINT: "reklamację"}


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
) -> Email:
    blocks: list[str | tuple[str, str]] = [
        "Dzień dobry,",
        f"przyjęliśmy Twoje zgłoszenie nr {rma}: {KIND_PL[kind]}, "
        f"{count(pieces, 'produkt', 'produkty', 'produktów')}.",
    ]
    if kind is CaseKind.WITHDRAWAL:
        if send_back_by:
            blocks.append(f"Odeślij towar najpóźniej {date_long(send_back_by)}.")
        if refund is not None and refund_due:
            blocks.append(
                f"Zwrócimy {money(refund)} tą samą metodą, którą zapłacono, "
                f"najpóźniej {date_long(refund_due)}. "
                "Możemy wstrzymać zwrot do czasu otrzymania towaru lub dowodu jego odesłania."
            )
    elif answer_due:
        blocks.append(f"Odpowiemy na reklamację najpóźniej {date_long(answer_due)}.")
    if label_url:
        blocks += ["Etykieta zwrotna (link ważny 7 dni):", ("Pobierz etykietę", label_url)]
    blocks += [
        "Status zgłoszenia sprawdzisz tutaj:",
        ("Status zamówienia i zgłoszenia", status_url),
        f"Pozdrawiamy,\n{shop_name}",
    ]
    return email_from_blocks(f"Zgłoszenie {rma} przyjęte", blocks)


def case_moved(
    *,
    rma: str,
    status: CaseStatus,
    status_url: str,
    shop_name: str,
    reason: str | None = None,
    refund: int | None = None,
    label_url: str | None = None,
) -> Email:
    label = CASE_STATUS_PL[status]
    blocks: list[str | tuple[str, str]] = ["Dzień dobry,", f"zgłoszenie {rma}: {label}."]
    if status is CaseStatus.REJECTED and reason:
        blocks.append(f"Powód: {reason}")
    if status is CaseStatus.REFUND_ORDERED and refund is not None:
        blocks.append(
            f"Zleciliśmy zwrot {money(refund)}. Pieniądze zwykle docierają w ciągu 1–3 dni roboczych."
        )
    if status is CaseStatus.LABEL_SENT and label_url:
        blocks += [
            "Wydrukuj list zwrotny, włóż go do paczki i nadaj ją. Link jest ważny 7 dni:",
            ("Pobierz list zwrotny (PDF)", label_url),
        ]
    blocks += [("Status zgłoszenia", status_url), f"Pozdrawiamy,\n{shop_name}"]
    return email_from_blocks(f"Zgłoszenie {rma}: {label}", blocks)
