"""What the team gets by e-mail: the dashboard's sign-in link, and a ticket's new message with the
conversation's context (Polish, through the one e-mail layout)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zwrotnica.messages.templates import Email, email_from_blocks

CATEGORY_PL = {
    "delivery": "dostawa",
    "payment": "płatność",
    "return": "zwrot",
    "complaint": "reklamacja",
    "product_question": "pytanie o produkt",
    "other": "inne",
}
PRIORITY_PL = {"urgent": "pilny", "high": "wysoki", "normal": "normalny", "low": "niski"}
CHANNEL_PL = {"email": "e-mail", "chat": "czat", "phone": "telefon", "social": "media społecznościowe",
              "form": "formularz", "system": "system"}  # fmt: skip
NOTE_PREFIX = "#notatka"


@dataclass(frozen=True)
class TicketBrief:
    """What the team needs to answer without opening anything: the ticket, whom, about which order."""

    ticket_id: str
    subject: str
    category: str
    priority: str
    channel: str
    contact: str  # "Anna Kowalska <anna@example.pl>"
    order_lines: Sequence[str]  # "Zamówienie 1001", "Przesyłka InPost 6026…: w drodze"
    legal_deadline: str | None  # "21 grudnia 2026 r." for a complaint in law
    answered_automatically: str | None  # what the customer got from us already (a subject)


def login_link(*, url: str, minutes: int, shop_name: str) -> Email:
    return email_from_blocks(
        f"{shop_name}: link do panelu zespołu",
        [
            "Dzień dobry,",
            f"ktoś (prawdopodobnie Ty) poprosił o zalogowanie się do panelu zespołu sklepu {shop_name}. "
            f"Link działa {minutes} min i tylko raz:",
            ("Zaloguj się do panelu", url),
            "Jeśli to nie Ty, zignoruj tę wiadomość: bez tego linku nikt się nie zaloguje.",
        ],
    )


def ticket_notification(
    *, brief: TicketBrief, new: bool, text: str, attachments: Sequence[str], reasons: Sequence[str]
) -> Email:
    """A ticket's new message for the team: answer it by replying (the reply goes to the customer), or
    start the reply with #notatka for an internal note."""
    what = "Nowe zgłoszenie" if new else "Nowa wiadomość klienta"
    category = CATEGORY_PL.get(brief.category, brief.category)
    priority = PRIORITY_PL.get(brief.priority, brief.priority)
    channel = CHANNEL_PL.get(brief.channel, brief.channel)
    blocks: list[str | tuple[str, str]] = [
        f"{what} {brief.ticket_id} ({category}, priorytet {priority}, kanał: {channel}).",
        f"Klient: {brief.contact}",
        *brief.order_lines,
    ]
    if brief.legal_deadline:
        blocks.append(
            f"Reklamacja w rozumieniu ustawy: odpowiedź najpóźniej {brief.legal_deadline} "
            "Potwierdź, że to reklamacja."
        )
    if brief.answered_automatically:
        blocks.append(f"Automatycznie odpowiedzieliśmy: „{brief.answered_automatically}”.")
    blocks.append(
        "Wiadomość klienta:\n" + ("\n".join(f"> {line}" for line in text.strip().splitlines()) or "> (pusta)")
    )
    if attachments:
        blocks.append("Załączniki: " + ", ".join(attachments) + " (tickets show " + brief.ticket_id + ").")
    if reasons:
        blocks.append("Rozpoznane: " + ", ".join(reasons) + ".")
    blocks.append(
        "Odpowiedz na tę wiadomość, a odpowiedź trafi do klienta w tym samym wątku. Zacznij od "
        f"{NOTE_PREFIX}, aby dodać notatkę wewnętrzną: klient jej nie zobaczy."
    )
    return email_from_blocks(f"[{brief.ticket_id}] {what}: {brief.subject}"[:200], blocks)


UNDELIVERED_PL = {
    "no_address": "zgłoszenie nie ma zamówienia ani adresu klienta, więc nie ma dokąd jej wysłać",
    "no_order_email": "zamówienie nie ma adresu e-mail klienta",
    "rules": "reguły wysyłki na to nie pozwalają (np. adres klienta jest nieprawidłowy)",
    "sms_too_long": (
        "klient zostawił tylko telefon, a odpowiedź nie mieści się w 2 SMS-ach: skróć ją albo zadzwoń"
    ),
    "not_mobile": "klient zostawił tylko telefon, a to nie jest polski numer komórkowy: zadzwoń do klienta",
}


def reply_undelivered(*, ticket_id: str, subject: str, reason: str) -> Email:
    """A team member's e-mailed answer was recorded on the ticket but reached no customer: why, and what
    to do (the answer itself stays on the ticket: tickets show)."""
    why = UNDELIVERED_PL.get(reason, UNDELIVERED_PL["rules"])
    return email_from_blocks(
        f"[{ticket_id}] Odpowiedź nie została wysłana: {subject}"[:200],
        [
            f"Twoja odpowiedź w zgłoszeniu {ticket_id} jest w nim zapisana, "
            f"ale nie trafiła do klienta: {why}.",
            "Skontaktuj się z klientem w inny sposób (dane zamówienia: tickets show " + ticket_id + ").",
        ],
    )
