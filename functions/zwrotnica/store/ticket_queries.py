"""Ticket lists for the operator CLI, without a Scan.

Two sources, merged by ticket id: the SLA queue (every ticket with an SLA step still ahead, however
old: the due index, queue = "sla") and the week buckets of the last weeks (`lookup`, TICKETWEEK#{week}),
which also hold tickets whose ladder has run out. A ticket older than the weeks read and with no SLA
step ahead is not listed: `tickets show ID` still finds it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from zwrotnica.store.report import bucket_keys, ticket_week
from zwrotnica.store.table import SLA_QUEUE, batch_get, queue_keys

LIST_FIELDS = (
    "ticket_id, order_number, channel, category, priority, team, #s, subject, created_at, due_at, breached, "
    "legal_deadline"
)


def listed(weeks: Iterable[str]) -> list[dict[str, Any]]:
    """Tickets in the SLA queue, and tickets opened in these weeks; each once. Both indexes hold the
    tickets' keys: the tickets are read by key (BatchGetItem, 100 a request)."""
    keys = queue_keys(SLA_QUEUE) + [k for week in weeks for k in bucket_keys(ticket_week(week))]
    return batch_get(keys, fields=LIST_FIELDS, names={"#s": "status"})
