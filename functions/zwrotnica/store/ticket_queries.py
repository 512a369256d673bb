"""Ticket lists for the operator CLI, without a Scan.

Two sources, merged by ticket id: the SLA queue (every ticket with an SLA step still ahead, however
old: `queue-due`, queue = "sla") and the week buckets of the last weeks (`lookup`, TICKETWEEK#{week}),
which also hold tickets whose ladder has run out. A ticket older than the weeks read and with no SLA
step ahead is not listed: `tickets show ID` still finds it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from zwrotnica.store.report import pages, ticket_week
from zwrotnica.store.table import LOOKUP_INDEX, QUEUE_INDEX, SLA_QUEUE, table_name, to_item

LIST_FIELDS = (
    "ticket_id, order_number, channel, category, priority, team, #s, subject, created_at, due_at, breached, "
    "legal_deadline"
)


def _query(index: str, condition: str, names: dict[str, str], values: dict[str, Any]) -> list[dict[str, Any]]:
    return list(
        pages(
            {
                "TableName": table_name(),
                "IndexName": index,
                "KeyConditionExpression": condition,
                "ProjectionExpression": LIST_FIELDS,
                "ExpressionAttributeNames": {"#s": "status", **names},
                "ExpressionAttributeValues": to_item(values),
            }
        )
    )


def listed(weeks: Iterable[str]) -> list[dict[str, Any]]:
    """Tickets in the SLA queue, and tickets opened in these weeks; each once."""
    found = {t["ticket_id"]: t for t in _query(QUEUE_INDEX, "#q = :q", {"#q": "queue"}, {":q": SLA_QUEUE})}
    for week in weeks:
        for ticket in _query(LOOKUP_INDEX, "gsi1pk = :k", {}, {":k": ticket_week(week)}):
            found.setdefault(ticket["ticket_id"], ticket)
    return list(found.values())
