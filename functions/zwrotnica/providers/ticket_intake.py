"""Tickets from outside (contact form, chatbot handoff, social media tool, a helpdesk): signed (Standard
Webhooks), idempotent on the message id.

Without `message` a ticket is opened as it always was (a subject and a category). With one, the customer's
words, their contact and the tool's thread reference make it a conversation: the same loop as an e-mail
(flows/conversations.py: intent, order, automatic answer by e-mail to the contact, deflection), and the
tool's next message with the same `thread_ref` lands on the same ticket.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from zwrotnica.errors import InvalidPayload, InvalidSignature
from zwrotnica.models.common import CleanText, OneLine
from zwrotnica.models.order import EMAIL_PATTERN, OrderNumber
from zwrotnica.models.ticket import TicketCategory, TicketChannel, TicketPriority, TicketRequest
from zwrotnica.providers import standard_webhooks
from zwrotnica.secrets import Secrets
from zwrotnica.strict import json_body

if TYPE_CHECKING:  # imported where used: the sweeper's cold start does not pay for the inbound models
    from zwrotnica.domain.mail_safety import SafetyAssessment
    from zwrotnica.models.inbound import CustomerMessage


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    email: str | None = Field(default=None, max_length=254, pattern=EMAIL_PATTERN)
    name: OneLine = Field(default="", max_length=200)
    phone: str | None = Field(default=None, max_length=32, pattern=r"^\+?[0-9 ()-]{6,31}$")


class TicketIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    channel: TicketChannel
    category: TicketCategory | None = None  # with a message, the rules decide it
    priority: TicketPriority = TicketPriority.NORMAL
    subject: OneLine = Field(default="", max_length=200)  # no control, bidi or zero-width characters
    order_number: OrderNumber | None = None  # as the shop numbers it: slashes, dots, Polish letters
    # A conversation (the customer's own words): the same loop as an e-mail
    # no control, bidi or zero-width characters; line breaks kept
    message: CleanText | None = Field(default=None, min_length=1, max_length=20_000)
    contact: ContactIn | None = None
    thread_ref: str | None = Field(default=None, min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$")

    @model_validator(mode="after")
    def _something_to_open(self) -> TicketIn:
        if not self.message and not (self.subject.strip() and self.category):
            raise ValueError("a message, or a subject and a category")
        return self


def signed_tool() -> SafetyAssessment:
    """The tool signed the request: its contact data is what the customer gave it. Order data still goes
    only to the order's own address (domain.mail_matching.disclosure), never back in the HTTP answer."""
    from zwrotnica.domain.mail_safety import Disposition, SafetyAssessment

    return SafetyAssessment(disposition=Disposition.ACCEPT, trusted=True, automatic=())


def _parsed(headers: Mapping[str, str], body: bytes, secrets: Secrets, now: datetime) -> tuple[str, TicketIn]:
    msg_id = standard_webhooks.verify(secrets.standard_webhooks_secrets, headers, body, now.timestamp())
    if msg_id is None:
        raise InvalidSignature()
    payload = json_body(body)
    try:
        return msg_id, TicketIn.model_validate(payload)
    except ValidationError as exc:
        where = sorted({".".join(str(p) for p in e["loc"]) or "body" for e in exc.errors()})
        raise InvalidPayload("invalid fields: " + ", ".join(where)) from exc


def verify_and_parse(
    headers: Mapping[str, str], body: bytes, secrets: Secrets, now: datetime
) -> TicketRequest | CustomerMessage:
    """A signed ticket from outside: a TicketRequest (subject only), or the customer's message."""
    msg_id, ticket = _parsed(headers, body, secrets, now)
    if ticket.message:
        from zwrotnica.domain.reply_text import new_text
        from zwrotnica.models.inbound import CustomerMessage

        contact = ticket.contact or ContactIn()
        subject = " ".join(ticket.subject.split())
        if ticket.order_number and ticket.order_number not in f"{subject} {ticket.message}":
            subject = f"{subject} (zamówienie {ticket.order_number})".strip()
        return CustomerMessage(
            key=f"api:{msg_id}",
            channel=ticket.channel,
            received_at=now,
            sender=contact.email,
            sender_name=contact.name,
            phone=contact.phone,
            subject=subject,
            text=ticket.message,
            new_text=new_text(ticket.message),
            thread_ref=ticket.thread_ref,
            order_number=ticket.order_number,
        )
    assert ticket.category is not None  # checked by the model
    return TicketRequest(
        order_number=ticket.order_number,
        channel=ticket.channel,
        category=ticket.category,
        priority=ticket.priority,
        subject=ticket.subject,
        note=f"Zgłoszenie z zewnątrz (kanał: {_channel_pl(ticket.channel.value)}).",
        source_ref=f"api:{msg_id}",
        at=now,
    )


def _channel_pl(channel: str) -> str:
    from zwrotnica.messages.report_templates import label  # lazy: the report's module

    return label("channel", channel)
