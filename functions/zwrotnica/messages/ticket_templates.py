"""The team's answer to a ticket, as the customer reads it (Polish)."""

from __future__ import annotations

from zwrotnica.messages.inbound_templates import reply_subject
from zwrotnica.messages.templates import Email, email_from_blocks


def ticket_reply(
    *,
    ticket_id: str,
    order_number: str,
    text: str,
    shop_name: str,
    status_url: str = "",
    subject: str | None = None,
) -> Email:
    """The agent's own words, one paragraph per blank-line-separated block, framed by a greeting. An
    answer in a customer's conversation keeps their subject (`Re: ...`), so it threads in their mailbox."""
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    blocks: list[str | tuple[str, str]] = ["Dzień dobry,", *paragraphs]
    if status_url:
        blocks.append(("Status zamówienia", status_url))
    blocks += [
        "Jeśli masz pytania, odpowiedz na tę wiadomość.",
        f"Pozdrawiamy,\n{shop_name}",
    ]
    if subject is not None:
        fallback = f"Odpowiedź na Twoją wiadomość ({ticket_id})"
        return email_from_blocks(reply_subject(subject, fallback), blocks)
    return email_from_blocks(f"Odpowiedź w sprawie zamówienia nr {order_number} ({ticket_id})", blocks)
