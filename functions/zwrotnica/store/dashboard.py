"""What the team dashboard reads: read-only, no Scan, only fields without personal data.

queue-due  queue = "sla"                       every ticket with an SLA step ahead, however old
lookup     gsi1pk = TICKETWEEK#{week}           tickets opened in the weeks read (also those whose
                                               ladder has run out: solved, waiting, breached)
lookup     gsi1pk = MSGWEEK#{week}              messages of those weeks: which orders got a case
table      pk = ORDER#{n}, filter type = case   those orders' cases (deadlines, status)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from zwrotnica.store.report import message_week, pages, ticket_week
from zwrotnica.store.table import LOOKUP_INDEX, QUEUE_INDEX, SLA_QUEUE, order_pk, table_name, to_item

TICKET_FIELDS = (
    "ticket_id, order_number, case_id, channel, category, priority, team, #s, subject, created_at, due_at, "
    "breached, legal_deadline, history"
)
MESSAGE_FIELDS = "order_number, template, #s, created_at"
CASE_FIELDS = "case_id, order_number, kind, #s, received_at, refund_due, answer_due, #t"
CASE_TEMPLATE = "case_submitted"


def _query(params: dict[str, Any], fields: str, names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    return list(
        pages(
            params
            | {
                "TableName": table_name(),
                "ProjectionExpression": fields,
                "ExpressionAttributeNames": {"#s": "status", **(names or {})},
            }
        )
    )


def tickets(weeks: Iterable[str]) -> list[dict[str, Any]]:
    """The SLA queue and the tickets opened in these weeks, each once (1 Query per page and week)."""
    found = {
        t["ticket_id"]: t
        for t in _query(
            {
                "IndexName": QUEUE_INDEX,
                "KeyConditionExpression": "#q = :q",
                "ExpressionAttributeValues": to_item({":q": SLA_QUEUE}),
            },
            TICKET_FIELDS,
            {"#q": "queue"},
        )
    }
    for week in weeks:
        for ticket in _query(
            {
                "IndexName": LOOKUP_INDEX,
                "KeyConditionExpression": "gsi1pk = :k",
                "ExpressionAttributeValues": to_item({":k": ticket_week(week)}),
            },
            TICKET_FIELDS,
        ):
            found.setdefault(ticket["ticket_id"], ticket)
    return list(found.values())


def messages(weeks: Iterable[str]) -> list[dict[str, Any]]:
    return [
        m
        for week in weeks
        for m in _query(
            {
                "IndexName": LOOKUP_INDEX,
                "KeyConditionExpression": "gsi1pk = :k",
                "ExpressionAttributeValues": to_item({":k": message_week(week)}),
            },
            MESSAGE_FIELDS,
        )
    ]


def cases(order_numbers: Iterable[str]) -> list[dict[str, Any]]:
    """The cases of these orders: one Query per order partition, filtered to case items."""
    return [
        c
        for number in sorted(set(order_numbers))
        for c in _query(
            {
                "KeyConditionExpression": "pk = :pk",
                "FilterExpression": "#t = :case",
                "ExpressionAttributeValues": to_item({":pk": order_pk(number), ":case": "case"}),
            },
            CASE_FIELDS,
            {"#t": "type"},
        )
    ]


def case_orders(recent: list[dict[str, Any]]) -> set[str]:
    """Orders whose case confirmation is among these messages: where open cases are."""
    return {m["order_number"] for m in recent if m.get("template") == CASE_TEMPLATE and m.get("order_number")}
