"""Sending the outbox: at once after the commit that wrote the messages, and again from the sweeper
until they go. A message given up after its last try becomes a ticket (a command, stored with the
failure), so a human looks at the customer's contact data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from botocore.exceptions import BotoCoreError, ClientError

from zwrotnica.effect import Effect, Guard
from zwrotnica.errors import ZwrotnicaError
from zwrotnica.messages import policy
from zwrotnica.messages.polish import count
from zwrotnica.models.command import Command, open_ticket
from zwrotnica.models.outbox import Channel, MessageKind, OutboxMessage
from zwrotnica.models.ticket import TicketCategory, TicketRequest
from zwrotnica.notify import sender
from zwrotnica.observability import logger, metrics
from zwrotnica.store import consent as consent_store
from zwrotnica.store import outbox as outbox_store
from zwrotnica.store import unit_of_work
from zwrotnica.store.table import write_one
from zwrotnica.store.unit_of_work import Committed

LEASE = timedelta(minutes=2)
CHANNEL_GENITIVE_PL = {Channel.EMAIL: "e-maila", Channel.SMS: "SMS-a"}  # "nie udało się wysłać e-maila"


@dataclass
class DispatchResult:
    sent: int = 0
    failed: int = 0
    given_up: int = 0
    deferred: int = 0
    withdrawn: int = 0  # marketing not sent: the recipient withdrew the consent
    follow_ups: list[Command] = field(default_factory=list)  # stored with a give-up: run them next


def deliver(messages: Iterable[OutboxMessage], now: datetime) -> DispatchResult:
    """Send what is due now (an SMS in quiet hours stays pending until 8:00); never raises."""
    result = DispatchResult()
    for message in messages:
        if message.due_at is None or message.due_at > now:
            result.deferred += 1
            continue
        _attempt(message, now, result)
    return result


def retry_due(now: datetime, budget: int) -> tuple[DispatchResult, bool]:
    """Sweeper step: claim and send due messages, at most `budget`. Returns (result, more_left)."""
    result = DispatchResult()
    messages, more = outbox_store.due(now, limit=budget)
    for message in messages:
        if outbox_store.claim(message, now + LEASE):
            _attempt(message, now, result)
    return result, more


def _attempt(message: OutboxMessage, now: datetime, result: DispatchResult) -> None:
    log = {"message_id": message.message_id, "template": message.template, "channel": message.channel.value}
    try:
        if message.kind is MessageKind.MARKETING and consent_store.withdrawn_at(message.recipient):
            # The consent was withdrawn after the message was written (a review request waits 3 days,
            # another order of the same address): it is never sent. A failed read is a failed try.
            write_one(outbox_store.withdrawn(message, now))
            result.withdrawn += 1
            logger.info("marketing message withdrawn: no consent", extra=log)
            return
        provider_id = sender.send(message)
    except (ClientError, BotoCoreError) as exc:
        attempts = message.attempts + 1
        next_due = policy.next_retry(attempts, now)
        try:
            result.follow_ups += _record_failure(message, type(exc).__name__ + ": " + str(exc), next_due, now)
        except (ClientError, BotoCoreError, ZwrotnicaError):
            # Not even recorded: the message keeps its due time and the sweeper tries it again.
            logger.exception("message failure not recorded", extra=log)
        if next_due is None:
            result.given_up += 1
            logger.warning("message given up", extra=log | {"attempts": attempts})
        else:
            result.failed += 1
            logger.info("message send failed, will retry", extra=log | {"attempts": attempts})
        metrics.add_metric(name="MessageSendFailed", unit="Count", value=1)
        return
    try:
        outbox_store.mark_sent(message, now, provider_id)
    except (ClientError, BotoCoreError):
        # Sent but not marked: the sweeper may send it again. At-least-once is the honest promise.
        logger.exception("message sent but not marked", extra=log)
    result.sent += 1
    metrics.add_metric(name="MessageSent", unit="Count", value=1)
    logger.info("message sent", extra=log)


def _record_failure(
    message: OutboxMessage, error: str, next_due: datetime | None, now: datetime
) -> list[Command]:
    """A failed try; after the last one the message leaves the queue and a ticket is opened for it,
    both in one commit (the ticket is a command: it cannot be lost between the two). Returns the
    commands stored, for the caller to run (or the sweeper, after INLINE_GRACE)."""
    if next_due is not None:
        outbox_store.record_failure(message, error, next_due)
        return []
    ticket = undelivered_ticket(message, now)
    effect = Effect("given_up").write(outbox_store.failure(message, error, None), Guard.DUPLICATE)
    result = unit_of_work.commit(effect.follow(ticket))
    return [ticket] if result.status is Committed.WRITTEN else []


def undelivered_ticket(message: OutboxMessage, now: datetime) -> Command:
    from zwrotnica.messages.report_templates import label  # lazy: the report's module, rarely needed

    return open_ticket(
        TicketRequest(
            order_number=message.order_number,
            category=TicketCategory.OTHER,
            subject=f"Nie udało się wysłać {CHANNEL_GENITIVE_PL[message.channel]} do klienta",
            note=f"Wiadomość „{label('template', message.template)}”: "
            f"{count(message.attempts + 1, 'próba', 'próby', 'prób')} bez powodzenia. "
            "Sprawdź dane kontaktowe klienta.",
            source_ref=f"undelivered:{message.message_id}",
            at=now,
        )
    )
