"""Satisfaction surveys as the customer reads them (Polish): CSAT after a ticket a person solved, NPS
after delivery. One click records the rating; the page that opens takes an optional comment."""

from __future__ import annotations

from collections.abc import Mapping

from zwrotnica.messages.inbound_templates import reply_subject
from zwrotnica.messages.legal import marketing_footer
from zwrotnica.messages.templates import Email, email_from_blocks

CSAT_LABELS = {5: "bardzo dobrze", 4: "dobrze", 3: "przeciętnie", 2: "źle", 1: "bardzo źle"}


def csat_request(
    *,
    ticket_id: str,
    subject: str,
    links: Mapping[int, str],
    shop_name: str,
    unsubscribe_url: str | None = None,
) -> Email:
    """The survey: five links, the best first (a one-click answer needs no form). Sent as marketing
    (CSAT_NEEDS_CONSENT), it ends with the one-click unsubscribe (`unsubscribe_url`) like every other."""
    about = " ".join(subject.split())[:120]
    blocks: list[str | tuple[str, str]] = [
        "Dzień dobry,",
        f"zamknęliśmy Twoje zgłoszenie „{about}”. Jak oceniasz naszą pomoc? Wystarczy jedno kliknięcie:"
        if about
        else "zamknęliśmy Twoje zgłoszenie. Jak oceniasz naszą pomoc? Wystarczy jedno kliknięcie:",
        *[(f"{score} – {CSAT_LABELS[score]}", links[score]) for score in sorted(links, reverse=True)],
        "Jeśli sprawa nie jest jeszcze załatwiona, po prostu odpisz na tę wiadomość – wrócimy do niej.",
        *(marketing_footer(unsubscribe_url) if unsubscribe_url else []),
        f"Pozdrawiamy,\n{shop_name}",
    ]
    return email_from_blocks(reply_subject(subject, f"Jak oceniasz naszą pomoc? ({ticket_id})"), blocks)


def nps_request(
    *, order_number: str, links: Mapping[int, str], shop_name: str, unsubscribe_url: str
) -> Email:
    """After delivery, only with marketing consent (domain.satisfaction): 0-10, one click; like every
    marketing e-mail it ends with the one-click unsubscribe."""
    blocks: list[str | tuple[str, str]] = [
        "Dzień dobry,",
        f"zamówienie nr {order_number} jest już u Ciebie. Jak bardzo prawdopodobne jest, że polecisz nas "
        "znajomym? Kliknij ocenę od 0 (wcale) do 10 (na pewno):",
        *[(f"{score}", links[score]) for score in sorted(links, reverse=True)],
        *marketing_footer(unsubscribe_url),
        f"Pozdrawiamy,\n{shop_name}",
    ]
    return email_from_blocks(f"Czy polecisz nas znajomym? (zamówienie nr {order_number})", blocks)
