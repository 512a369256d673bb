"""What the team dashboard reads: read-only, no Scan, only fields without personal data.

due     queue = "sla"                          every ticket with an SLA step ahead, however old
lookup  gsi1pk = TICKETWEEK#{week}             tickets opened in the weeks read (also those whose
                                               ladder has run out: solved, waiting, breached)
        (both indexes hold the tickets' keys: the tickets are then read by key, BatchGetItem)
lookup  gsi1pk = MSGWEEK# / MSGFAILED#{week}   messages of those weeks, sent or given up, and
due     queue = "outbox"                       the ones still pending: which orders got a case
table   pk = ORDER#{n}, filter type = case     those orders' cases (deadlines, status)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from zwrotnica.models.outbox import OutboxStatus
from zwrotnica.store.report import (
    bucket_keys,
    failed_message_week,
    message_week,
    messages_in,
    pages,
    ticket_week,
)
from zwrotnica.store.table import (
    OUTBOX_QUEUE,
    SLA_QUEUE,
    batch_get,
    order_pk,
    queue_keys,
    table_name,
    to_item,
)

TICKET_FIELDS = (
    "ticket_id, order_number, case_id, channel, category, priority, team, #s, subject, created_at, due_at, "
    "breached, legal_deadline, history"
)
MESSAGE_FIELDS = "order_number, template, #s, created_at"
CASE_FIELDS = "case_id, order_number, kind, #s, received_at, refund_due, answer_due, #t"
CASE_TEMPLATE = "case_submitted"
STATUS = {"#s": "status"}


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
    """The SLA queue and the tickets opened in these weeks, each once (1 Query per page and week, then
    the tickets by key, 100 per BatchGetItem)."""
    keys = queue_keys(SLA_QUEUE) + [k for week in weeks for k in bucket_keys(ticket_week(week))]
    return batch_get(keys, fields=TICKET_FIELDS, names=STATUS)


def messages(weeks: Iterable[str]) -> list[dict[str, Any]]:
    """Messages of these weeks: sent, given up, and (from the outbox queue) still pending."""
    weeks = list(weeks)
    found = [m for week in weeks for m in messages_in(message_week(week))]
    found += [m for week in weeks for m in messages_in(failed_message_week(week), OutboxStatus.FAILED.value)]
    return found + batch_get(queue_keys(OUTBOX_QUEUE), fields=MESSAGE_FIELDS, names=STATUS)


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
