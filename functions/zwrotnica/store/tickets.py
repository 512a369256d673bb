"""Tickets: one open ticket per order and category; a second trigger adds a note to it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from zwrotnica.domain import sla
from zwrotnica.domain.sla_policy import default_policy
from zwrotnica.domain.weeks import week_key
from zwrotnica.models.common import iso
from zwrotnica.models.outbox import OutboxMessage
from zwrotnica.models.ticket import TicketEventKind, TicketRequest, TicketStatus
from zwrotnica.store import outbox
from zwrotnica.store.report import ticket_week
from zwrotnica.store.table import (
    SLA_QUEUE,
    cancellation_codes,
    client,
    from_item,
    order_pk,
    query_due,
    table_name,
    to_item,
)


def ticket_id_for(source_ref: str) -> str:
    return "TK-" + hashlib.sha256(source_ref.encode()).hexdigest()[:10].upper()


def _note(request: TicketRequest) -> dict[str, Any]:
    return {"at": iso(request.at), "text": request.note, "ref": request.source_ref}


def open_or_append(request: TicketRequest) -> tuple[str, bool]:
    """Open a ticket, or add the trigger to the order's open ticket of the same category.

    Returns (ticket id, created). Idempotent on `source_ref`: the same trigger twice is one note.
    """
    ticket_id = ticket_id_for(request.source_ref)
    ticket = {
        "pk": f"TICKET#{ticket_id}",
        "sk": "TICKET",
        "type": "ticket",
        "ticket_id": ticket_id,
        "order_number": request.order_number,
        "case_id": request.case_id,
        "channel": request.channel.value,
        "category": request.category.value,
        "priority": request.priority.value,
        "team": request.team.value,
        "status": TicketStatus.NEW.value,
        "subject": request.subject,
        "created_at": iso(request.at),
        "notes": [_note(request)],
        "refs": {request.source_ref},
        "history": [{"at": iso(request.at), "kind": TicketEventKind.OPENED.value}],
        # The week it was opened in: the weekly report queries this, never the whole table.
        "gsi1pk": ticket_week(week_key(request.at)),
        "gsi1sk": iso(request.at),
    }
    policy = default_policy()
    targets = policy.targets_for(request.channel, request.category, request.priority)
    due = sla.first_due(request.at, targets, policy, request.legal_deadline)
    ticket["policy_version"] = policy.version
    if request.legal_deadline:
        ticket["legal_deadline"] = iso(request.legal_deadline)
    if due:
        ticket |= {"queue": SLA_QUEUE, "due_at": iso(due)}
    items: list[dict[str, Any]] = [
        {
            "Put": {
                "TableName": table_name(),
                "Item": to_item(ticket),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
    ]
    if request.order_number:
        lock = {
            "pk": order_pk(request.order_number),
            "sk": f"OPENTICKET#{request.category.value}",
            "type": "ticket_lock",
            "ticket_id": ticket_id,
        }
        items.insert(
            0,
            {
                "Put": {
                    "TableName": table_name(),
                    "Item": to_item(lock),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        )
    try:
        client().transact_write_items(TransactItems=items)
        return ticket_id, True
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        codes = cancellation_codes(exc)
    if not request.order_number or codes[0] != "ConditionalCheckFailed":
        return ticket_id, False  # this very trigger already opened its ticket
    existing = from_item(
        client().get_item(
            TableName=table_name(),
            Key=to_item({"pk": order_pk(request.order_number), "sk": f"OPENTICKET#{request.category.value}"}),
            ConsistentRead=True,
        )["Item"]
    )["ticket_id"]
    try:
        client().update_item(
            TableName=table_name(),
            Key=to_item({"pk": f"TICKET#{existing}", "sk": "TICKET"}),
            UpdateExpression="SET notes = list_append(notes, :note) ADD refs :ref",
            ConditionExpression="NOT contains(refs, :r)",
            ExpressionAttributeValues=to_item(
                {":note": [_note(request)], ":ref": {request.source_ref}, ":r": request.source_ref}
            ),
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
    return existing, False


def get(ticket_id: str) -> dict[str, Any] | None:
    item = client().get_item(
        TableName=table_name(), Key=to_item({"pk": f"TICKET#{ticket_id}", "sk": "TICKET"})
    )
    return from_item(item["Item"]) if "Item" in item else None


def due(now_iso: str, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """Tickets whose next SLA step has come (sparse index: only tickets with a step ahead are in it)."""
    return query_due(SLA_QUEUE, now_iso, limit)


def apply_escalation(
    ticket: dict[str, Any], steps: list[str], next_due: str | None, changes: dict[str, Any]
) -> bool:
    """Record escalation steps once. The condition on the due time the sweep read makes a second,
    overlapping sweep lose (False) instead of escalating again."""
    names = {"#q": "queue", "#d": "due_at"}
    values: dict[str, Any] = {":seen": ticket["due_at"]}
    sets = []
    for key, value in changes.items():
        names[f"#{key}"] = key
        values[f":{key}"] = value
        sets.append(f"#{key} = :{key}")
    if next_due:
        sets += ["#q = :q", "#d = :next"]
        values |= {":q": SLA_QUEUE, ":next": next_due}
    expr = ("SET " + ", ".join(sets) + " " if sets else "") + ("ADD escalations :steps" if steps else "")
    if steps:
        values[":steps"] = set(steps)
    if not next_due:
        expr += " REMOVE #q, #d"
    try:
        client().update_item(
            TableName=table_name(),
            Key=to_item({"pk": f"TICKET#{ticket['ticket_id']}", "sk": "TICKET"}),
            UpdateExpression=expr.strip(),
            ConditionExpression="#d = :seen",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_item(values),
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def append_event(
    ticket_id: str,
    event: dict[str, Any],
    status: str | None,
    next_due: str | None,
    messages: Sequence[OutboxMessage] = (),
) -> None:
    """Add a history event (reply, status change), and put the ticket back in the queue or take it out.
    Messages it causes (the reply to the customer) go to the outbox in the same transaction."""
    names = {"#h": "history", "#q": "queue", "#d": "due_at"}
    values: dict[str, Any] = {":e": [event]}
    sets = ["#h = list_append(#h, :e)"]
    if status:
        names["#s"] = "status"
        values[":s"] = status
        sets.append("#s = :s")
    if next_due:
        sets += ["#q = :q", "#d = :next"]
        values |= {":q": SLA_QUEUE, ":next": next_due}
        tail = ""
    else:
        tail = " REMOVE #q, #d"
    update = {
        "TableName": table_name(),
        "Key": to_item({"pk": f"TICKET#{ticket_id}", "sk": "TICKET"}),
        "UpdateExpression": "SET " + ", ".join(sets) + tail,
        "ConditionExpression": "attribute_exists(pk)",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": to_item(values),
    }
    if messages:
        client().transact_write_items(
            TransactItems=[{"Update": update}, *[outbox.put_new(m, inline=True) for m in messages]]
        )
    else:
        client().update_item(**update)


def release_lock(ticket: dict[str, Any]) -> bool:
    """A solved ticket frees its order's "one open ticket per category" lock, so the next problem of that
    category opens a new ticket instead of a note on the solved one. Only the lock naming this ticket."""
    if not ticket.get("order_number"):
        return False
    try:
        client().delete_item(
            TableName=table_name(),
            Key=to_item({"pk": order_pk(ticket["order_number"]), "sk": f"OPENTICKET#{ticket['category']}"}),
            ConditionExpression="ticket_id = :id",
            ExpressionAttributeValues=to_item({":id": ticket["ticket_id"]}),
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True
