"""Tickets from outside (contact form, chatbot handoff, a helpdesk): signed, idempotent on the message id."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from zwrotnica.errors import InvalidPayload, InvalidSignature
from zwrotnica.models.common import OneLine
from zwrotnica.models.order import OrderNumber
from zwrotnica.models.ticket import TicketCategory, TicketChannel, TicketPriority, TicketRequest
from zwrotnica.providers import standard_webhooks
from zwrotnica.secrets import Secrets
from zwrotnica.strict import json_body


class TicketIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    channel: TicketChannel
    category: TicketCategory
    priority: TicketPriority = TicketPriority.NORMAL
    subject: OneLine = Field(min_length=1, max_length=200)  # no control, bidi or zero-width characters
    order_number: OrderNumber | None = None  # as the shop numbers it: slashes, dots, Polish letters


def verify_and_parse(
    headers: Mapping[str, str], body: bytes, secrets: Secrets, now: datetime
) -> TicketRequest:
    """A signed ticket from outside (Standard Webhooks), idempotent on the message id."""
    msg_id = standard_webhooks.verify(secrets.standard_webhooks_secrets, headers, body, now.timestamp())
    if msg_id is None:
        raise InvalidSignature()
    payload = json_body(body)
    try:
        ticket = TicketIn.model_validate(payload)
    except ValidationError as exc:
        where = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        raise InvalidPayload("invalid fields: " + ", ".join(where)) from exc
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
