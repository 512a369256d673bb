"""Build outbox messages. Every flow goes through here, so every message obeys the same rules:
a dedup key, consent for anything promotional, a phone to text, SMS length, quiet hours."""

from __future__ import annotations

from datetime import datetime

from zwrotnica.messages import policy
from zwrotnica.messages.sms import check_sms
from zwrotnica.messages.templates import Email
from zwrotnica.models.outbox import Channel, MessageKind, OutboxMessage


def email(
    *,
    dedup_key: str,
    order_number: str,
    recipient: str,
    template: str,
    content: Email,
    now: datetime,
    kind: MessageKind = MessageKind.TRANSACTIONAL,
    marketing_consent: bool = False,
    not_before: datetime | None = None,
) -> OutboxMessage | None:
    """An e-mail for the outbox, or None when the rules forbid it (marketing without consent).
    `not_before` schedules it later (the sweeper sends it when it falls due)."""
    if not recipient or not policy.may_send(kind, marketing_consent):
        return None
    return OutboxMessage(
        dedup_key=f"{dedup_key}:email",
        order_number=order_number,
        channel=Channel.EMAIL,
        kind=kind,
        template=template,
        recipient=recipient,
        subject=content.subject,
        text=content.text,
        html=content.html,
        created_at=now,
        due_at=max(policy.earliest_send(Channel.EMAIL, now), not_before or now),
    )


def sms(
    *,
    dedup_key: str,
    order_number: str,
    phone: str | None,
    template: str,
    text: str,
    now: datetime,
    kind: MessageKind = MessageKind.TRANSACTIONAL,
    marketing_consent: bool = False,
) -> OutboxMessage | None:
    """An SMS (at most 2 segments, held through quiet hours), or None without a phone or consent."""
    if not phone or not policy.may_send(kind, marketing_consent):
        return None
    return OutboxMessage(
        dedup_key=f"{dedup_key}:sms",
        order_number=order_number,
        channel=Channel.SMS,
        kind=kind,
        template=template,
        recipient=phone,
        text=check_sms(text),
        created_at=now,
        due_at=policy.earliest_send(Channel.SMS, now),
    )
