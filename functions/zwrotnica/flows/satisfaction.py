"""Satisfaction: the customer rates a solved ticket with one click (CSAT, signed link), may add a comment,
and a low score opens a follow-up for the ticket's team (a command). The survey itself is sent by the
tickets use case when a person's ticket is solved (one per ticket, never twice)."""

from __future__ import annotations

from zwrotnica.context import Context
from zwrotnica.domain import order_numbers, satisfaction
from zwrotnica.domain.satisfaction import LinkProblem
from zwrotnica.effect import Effect, Guard
from zwrotnica.messages import compose, survey_templates
from zwrotnica.models.command import Command, open_ticket
from zwrotnica.models.outbox import MessageKind
from zwrotnica.models.ticket import Contact, TicketCategory, TicketPriority, TicketRequest
from zwrotnica.store import orders as order_store
from zwrotnica.store import satisfaction as satisfaction_store
from zwrotnica.store import tickets as ticket_store

__all__ = ["LinkProblem", "comment", "rate", "rate_nps", "send_nps"]


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
    return _low_score_follow_up(effect, ticket, score, ctx)


def _low_score_follow_up(effect: Effect, ticket: dict, score: int, ctx: Context) -> Effect:
    """A low score opens a follow-up for the ticket's team (one per ticket, however often it is rated)."""
    if satisfaction.low(score):
        contact = ticket.get("contact") or {}
        follow_up = TicketRequest(
            order_number=ticket.get("order_number"),
            category=TicketCategory(ticket.get("category", "other")),
            priority=TicketPriority.HIGH,
            subject=f"Niska ocena obsługi ({score}/5): {ticket.get('subject', '')}"[:200],
            note=f"Zgłoszenie {ticket['ticket_id']} oceniono na {score}/5: skontaktuj się z klientem.",
            source_ref=f"csat-low:{ticket['ticket_id']}",
            at=ctx.now,
            contact=Contact.model_validate(contact) if contact else None,
        )
        effect.follow(open_ticket(follow_up))
    return effect


def comment(ticket_id: str, score: int, token: str, text: str, ctx: Context, fresh: bool = False) -> Effect:
    """The optional comment after a rating (the same signed link). A comment form sent before any click
    was recorded (not the page's own path: it opens after one) records the form's score with it, and a
    low one opens the follow-up as a click would."""
    if score not in satisfaction.CSAT_SCORES:
        raise ValueError("a CSAT score is 1 to 5")
    ticket = _checked(ticket_id, token, ctx)
    cleaned = " ".join(text.split())[:1000]
    effect = Effect("commented", data={"ticket_id": ticket_id, "score": score})
    if ticket.get("csat_score") is None:
        effect.write(ticket_store.commented(ticket_id, cleaned, ctx.now, score), Guard.CONFLICT)
        return _low_score_follow_up(effect, ticket, score, ctx)
    return effect.write(ticket_store.commented(ticket_id, cleaned, ctx.now)) if cleaned else effect


def send_nps(command: Command, ctx: Context, fresh: bool) -> Effect:
    """Some days after delivery: the NPS survey, only with the order's marketing consent (compose refuses
    it otherwise), once per order whichever parcel's command runs first."""
    number = command.payload["order_number"]
    view = order_store.load_view(number)
    order = view.order if view else {}
    if not order or order.get("nps_sent") or not (ctx.base_url and ctx.link_key):
        return Effect("not_sent")
    token = satisfaction.nps_token(ctx.link_key, number, ctx.now)
    base = f"{ctx.base_url.rstrip('/')}/nps/{order_numbers.encode(number)}"
    links = {score: f"{base}?s={score}&t={token}" for score in satisfaction.NPS_SCORES}
    unsubscribe_url = ctx.unsubscribe_url(number) or ""
    content = survey_templates.nps_request(
        order_number=number, links=links, shop_name=ctx.shop_name, unsubscribe_url=unsubscribe_url
    )
    message = compose.email(
        dedup_key=f"nps:{number}",
        order_number=number,
        recipient=order.get("email") or "",
        template="nps_request",
        content=content,
        now=ctx.now,
        kind=MessageKind.MARKETING,
        # the consent given with the order and not withdrawn since (the sender checks the address again)
        marketing_consent=bool(order.get("marketing_consent")) and not order.get("marketing_withdrawn_at"),
        unsubscribe_url=unsubscribe_url,
    )
    if message is None:
        return Effect("not_sent")
    effect = Effect("nps_sent", data={"order_number": number})
    return effect.write(satisfaction_store.nps_sent(number, ctx.now), Guard.DUPLICATE).send([message])


def rate_nps(order_number: str, score: int, token: str, ctx: Context, fresh: bool = False) -> Effect:
    """One click in the NPS e-mail (0-10); outcome "duplicate" for the same score again."""
    if score not in satisfaction.NPS_SCORES:
        raise ValueError("an NPS score is 0 to 10")
    satisfaction.check(ctx.link_key, f"nps:{order_number}", token, ctx.now)
    effect = Effect("rated", data={"order_number": order_number, "score": score})
    return effect.write(satisfaction_store.nps_answer(order_number, score, ctx.now), Guard.DUPLICATE)
