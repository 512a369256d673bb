"""When a message may go out: quiet hours for SMS, consent for marketing, retry backoff."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from zwrotnica.models.outbox import Channel, MessageKind

WARSAW = ZoneInfo("Europe/Warsaw")
QUIET_FROM = time(21, 0)
QUIET_UNTIL = time(8, 0)
# Delays before attempt 2, 3, ...; after the last one the message becomes a ticket.
RETRY_DELAYS = (
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# The inline sender gets this long before the sweeper treats an item as its own to retry: longer
# than any function's timeout in template.yaml (the sweeper's is 120 s), so the writer is done or dead.
INLINE_GRACE = timedelta(minutes=3)


def may_send(kind: MessageKind, marketing_consent: bool) -> bool:
    """Transactional messages need no consent; anything promotional needs the order's consent."""
    return kind is MessageKind.TRANSACTIONAL or marketing_consent


def earliest_send(channel: Channel, at: datetime) -> datetime:
    """E-mail goes at once; an SMS asked for between 21:00 and 8:00 Warsaw time waits until 8:00."""
    if channel is not Channel.SMS:
        return at
    local = at.astimezone(WARSAW)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return at
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, tzinfo=WARSAW)


def next_retry(attempts: int, at: datetime) -> datetime | None:
    """After `attempts` failed tries, when to try again; None means give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return at + RETRY_DELAYS[max(attempts, 1) - 1]
