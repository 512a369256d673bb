"""Satisfaction: the customer rates a solved ticket with one click (CSAT, signed link), may add a comment,
and a low score opens a follow-up for the ticket's team (a command). The survey itself is sent by the
tickets use case when a person's ticket is solved (one per ticket, never twice)."""

from __future__ import annotations

from zwrotnica.context import Context
from zwrotnica.domain import satisfaction
from zwrotnica.domain.satisfaction import LinkProblem
from zwrotnica.effect import Effect, Guard
from zwrotnica.models.command import open_ticket
from zwrotnica.models.ticket import Contact, TicketCategory, TicketPriority, TicketRequest
from zwrotnica.store import tickets as ticket_store

__all__ = ["LinkProblem", "comment", "rate"]


def _checked(ticket_id: str, token: str, ctx: Context) -> dict:
    satisfaction.check(ctx.link_key, f"csat:{ticket_id}", token, ctx.now)
    ticket = ticket_store.get(ticket_id)
    if ticket is None or not ticket.get("csat_sent"):
        raise LinkProblem("unknown")
    return ticket


def rate(ticket_id: str, score: int, token: str, ctx: Context, fresh: bool = False) -> Effect:
    """One click: the score (outcome "duplicate" when this very score was recorded before)."""
    if score not in satisfaction.CSAT_SCORES:
        raise ValueError("a CSAT score is 1 to 5")
    ticket = _checked(ticket_id, token, ctx)
    effect = Effect(
        "rated", data={"ticket_id": ticket_id, "score": score, "previous": ticket.get("csat_score")}
    )
    effect.write(ticket_store.rated(ticket_id, score, ctx.now), Guard.DUPLICATE)
    if satisfaction.low(score):
        contact = ticket.get("contact") or {}
        follow_up = TicketRequest(
            order_number=ticket.get("order_number"),
            category=TicketCategory(ticket.get("category", "other")),
            priority=TicketPriority.HIGH,
            subject=f"Niska ocena obsługi ({score}/5): {ticket.get('subject', '')}"[:200],
            note=f"Zgłoszenie {ticket_id} oceniono na {score}/5: skontaktuj się z klientem.",
            source_ref=f"csat-low:{ticket_id}",  # one follow-up per ticket, however often it is rated
            at=ctx.now,
            contact=Contact.model_validate(contact) if contact else None,
        )
        effect.follow(open_ticket(follow_up))
    return effect


def comment(ticket_id: str, score: int, token: str, text: str, ctx: Context, fresh: bool = False) -> Effect:
    """The optional comment after a rating (the same signed link)."""
    _checked(ticket_id, token, ctx)
    cleaned = " ".join(text.split())[:1000]
    effect = Effect("commented", data={"ticket_id": ticket_id, "score": score})
    return effect.write(ticket_store.commented(ticket_id, cleaned, ctx.now)) if cleaned else effect
