"""Build outbox messages. Every flow goes through here, so every message obeys the same rules:
a dedup key, consent for anything promotional (given and not withdrawn: the caller reads both) and a
one-click unsubscribe link in it, one well-formed recipient, a one-line subject, a Polish mobile to
text, SMS length, quiet hours."""

from __future__ import annotations

import re
from datetime import datetime

from zwrotnica.domain.phone import sms_number
from zwrotnica.messages import policy
from zwrotnica.messages.sms import check_sms
from zwrotnica.messages.templates import Email
from zwrotnica.models.common import one_line
from zwrotnica.models.order import EMAIL_PATTERN
from zwrotnica.models.outbox import Channel, MessageKind, OutboxMessage

_EMAIL = re.compile(EMAIL_PATTERN)


def email_address(recipient: str | None) -> str | None:
    """Exactly one plain address (no display name, no second address, no line break), or None."""
    return recipient if recipient and _EMAIL.fullmatch(recipient) else None


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
    unsubscribe_url: str | None = None,
) -> OutboxMessage | None:
    """An e-mail for the outbox, or None when the rules forbid it (marketing without consent, or without
    the one-click unsubscribe link it must carry (`unsubscribe_url`: in its footer and its
    List-Unsubscribe header); a recipient that is not one plain address). `marketing_consent` is the
    consent given and not withdrawn since. `not_before` schedules it later (the sweeper sends it when it
    falls due, and checks the consent again)."""
    if not email_address(recipient) or not policy.may_send(kind, marketing_consent):
        return None
    if kind is MessageKind.MARKETING and not unsubscribe_url:
        return None
    return OutboxMessage(
        dedup_key=f"{dedup_key}:email",
        order_number=order_number,
        channel=Channel.EMAIL,
        kind=kind,
        template=template,
        recipient=recipient,
        subject=one_line(content.subject),  # a line break can never start a header of its own
        text=content.text,
        html=content.html,
        unsubscribe_url=unsubscribe_url if kind is MessageKind.MARKETING else None,
        blocks=content.blocks or None,
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
    """An SMS (at most 2 segments, held through quiet hours), or None without a Polish mobile (landlines,
    foreign and premium numbers get the e-mail: domain.phone) or consent."""
    phone = sms_number(phone)
    if not phone or not policy.may_send(kind, marketing_consent):
        return None
    return OutboxMessage(
        dedup_key=f"{dedup_key}:sms",
        order_number=order_number,
        channel=Channel.SMS,
        kind=kind,
        template=template,
        recipient=phone,
        text=check_sms(
            one_line(text)
        ),  # plain text on one line: no break, control, bidi or zero-width character
        created_at=now,
        due_at=policy.earliest_send(Channel.SMS, now),
    )
