"""Tickets: TICKET#{id} / TICKET, and the order's lock ORDER#{n} / OPENTICKET#{category} that keeps one
open ticket per order and category (a second trigger adds a note to it). Builders and reads only: when
a ticket is due is decided in domain.sla, by the use case."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from zwrotnica.domain.weeks import week_key
from zwrotnica.models.common import iso
from zwrotnica.models.ticket import TicketEventKind, TicketRequest, TicketStatus
from zwrotnica.store import items
from zwrotnica.store.report import ticket_week
from zwrotnica.store.table import SLA_QUEUE, client, from_item, order_pk, query_due, table_name, to_item


def ticket_id_for(source_ref: str) -> str:
    return "TK-" + hashlib.sha256(source_ref.encode()).hexdigest()[:10].upper()


def _key(ticket_id: str) -> dict[str, Any]:
    return items.key(f"TICKET#{ticket_id}", "TICKET")


def _lock_key(order_number: str, category: str) -> dict[str, Any]:
    return items.key(order_pk(order_number), f"OPENTICKET#{category}")


def _note(request: TicketRequest) -> dict[str, Any]:
    return {"at": iso(request.at), "text": request.note, "ref": request.source_ref}


def new(
    request: TicketRequest,
    due_at: datetime | None,
    policy_version: str | int | None,
    *,
    status: TicketStatus = TicketStatus.NEW,
    history: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ticket (its condition failing: this very trigger opened it before). `due_at`: its first SLA
    step (domain.sla), which puts it in the SLA queue. A conversation ticket may be born answered
    (`status`, `history`) and carries its contact, thread and conversation fields (`extra`)."""
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
        "status": status.value,
        "subject": request.subject,
        "created_at": iso(request.at),
        "notes": [_note(request)],
        "refs": {request.source_ref},
        "history": history or [{"at": iso(request.at), "kind": TicketEventKind.OPENED.value}],
        "policy_version": policy_version,
        "legal_deadline": iso(request.legal_deadline) if request.legal_deadline else None,
        # The week it was opened in: the weekly report queries this, never the whole table.
        "gsi1pk": ticket_week(week_key(request.at)),
        "gsi1sk": iso(request.at),
    }
    if request.contact is not None:
        ticket["contact"] = request.contact.model_dump(exclude_none=True)
    if request.thread_ref:
        ticket["thread_ref"] = request.thread_ref
    ticket |= extra or {}
    if due_at:
        ticket |= {"queue": SLA_QUEUE, "due_at": iso(due_at)}
    return items.put_new(ticket)


def lock(request: TicketRequest) -> dict[str, Any]:
    """The order's one open ticket of this category (its condition failing: one is open already)."""
    assert request.order_number is not None
    data = {
        "pk": order_pk(request.order_number),
        "sk": f"OPENTICKET#{request.category.value}",
        "type": "ticket_lock",
        "ticket_id": ticket_id_for(request.source_ref),
    }
    return items.put_new(data)


def open_ticket_id(order_number: str, category: str) -> str | None:
    """The order's open ticket of this category, if any: one consistent read of its lock."""
    answer = client().get_item(
        TableName=table_name(), Key=_lock_key(order_number, category), ConsistentRead=True
    )
    return from_item(answer["Item"])["ticket_id"] if "Item" in answer else None


def note(ticket_id: str, request: TicketRequest) -> dict[str, Any]:
    """A trigger's note on an open ticket, once (its condition failing: this trigger noted it before)."""
    return items.update(
        _key(ticket_id),
        raw_set=("#notes = list_append(#notes, :note)",),
        add={"refs": {request.source_ref}},
        condition="NOT contains(#refs, :r)",
        names={"#notes": "notes"},
        values={":note": [_note(request)], ":r": request.source_ref},
    )


def get(ticket_id: str) -> dict[str, Any] | None:
    item = client().get_item(TableName=table_name(), Key=_key(ticket_id))
    return from_item(item["Item"]) if "Item" in item else None


def due(now_iso: str, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """Tickets whose next SLA step has come (sparse index: only tickets with a step ahead are in it)."""
    return query_due(SLA_QUEUE, now_iso, limit)


def escalation(
    ticket: dict[str, Any], steps: list[str], next_due: str | None, changes: dict[str, Any]
) -> dict[str, Any]:
    """Escalation steps recorded once: conditional on the due time the sweep read, so a second,
    overlapping sweep's write fails (Guard.DUPLICATE) instead of escalating again."""
    sets: dict[str, Any] = dict(changes)
    if next_due:
        sets |= {"queue": SLA_QUEUE, "due_at": next_due}
    return items.update(
        _key(ticket["ticket_id"]),
        sets,
        remove=() if next_due else ("queue", "due_at"),
        add={"escalations": set(steps)} if steps else None,
        condition="#due_at = :seen",
        names={"#due_at": "due_at"},
        values={":seen": ticket["due_at"]},
    )


def event(
    ticket_id: str,
    entry: dict[str, Any] | list[dict[str, Any]],
    status: str | None,
    next_due: str | None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A history event (reply, status change), or several, and the ticket back in the SLA queue or out
    of it. `extra`: more attributes set with it (None removes one: a conversation's pending answer)."""
    sets: dict[str, Any] = (extra or {}) | ({"status": status} if status else {})
    if next_due:
        sets |= {"queue": SLA_QUEUE, "due_at": next_due}
    return items.update(
        _key(ticket_id),
        sets,
        remove=() if next_due else ("queue", "due_at"),
        raw_set=("#history = list_append(#history, :e)",),
        condition="attribute_exists(pk)",
        names={"#history": "history"},
        values={":e": entry if isinstance(entry, list) else [entry]},
    )


def deflected(ticket_id: str, entry: dict[str, Any], answer_key: str) -> dict[str, Any]:
    """Solved as deflected: only while it still waits on the customer after that automatic answer (its
    condition failing: the customer wrote, or the team moved it; nothing to do)."""
    return items.update(
        _key(ticket_id),
        {"status": TicketStatus.SOLVED.value, "deflected": True, "auto_answer": None},
        remove=("queue", "due_at"),
        raw_set=("#history = list_append(#history, :e)",),
        condition="#status = :waiting AND #auto_answer = :answer",
        names={"#history": "history"},
        values={":e": [entry], ":waiting": TicketStatus.PENDING_CUSTOMER.value, ":answer": answer_key},
    )


def updated(
    ticket_id: str,
    *,
    ref: str,
    note: dict[str, Any],
    entry: dict[str, Any] | None,
    status: str | None,
    next_due: str | None,
    legal_met_at: str | None = None,
) -> dict[str, Any]:
    """A known trigger's note on a ticket, once (its condition failing: `ref` noted it before), with a
    status change's history event, the legal deadline marked kept (`legal_met_at`: the ladder stops
    announcing it), and the ticket's next SLA queue time (None: out of the queue)."""
    sets: dict[str, Any] = {"status": status} if status else {}
    if next_due:
        sets |= {"queue": SLA_QUEUE, "due_at": next_due}
    if legal_met_at:
        sets |= {"legal_met_at": legal_met_at, "legal_deadline": None}
    raw = ["#notes = list_append(#notes, :note)"]
    values: dict[str, Any] = {":note": [note], ":r": ref}
    if entry:
        raw.append("#history = list_append(#history, :e)")
        values[":e"] = [entry]
    return items.update(
        _key(ticket_id),
        sets,
        remove=() if next_due else ("queue", "due_at"),
        raw_set=raw,
        add={"refs": {ref}},
        condition="attribute_exists(pk) AND NOT contains(#refs, :r)",
        names={"#notes": "notes", "#history": "history"} if entry else {"#notes": "notes"},
        values=values,
    )


def release_lock(ticket: dict[str, Any]) -> dict[str, Any] | None:
    """A solved ticket frees its order's "one open ticket per category" lock, so the next problem of that
    category opens a new ticket instead of a note on the solved one. Only the lock naming this ticket
    (Guard.OPTIONAL: a lock naming another ticket stays)."""
    if not ticket.get("order_number"):
        return None
    return items.delete(
        _lock_key(ticket["order_number"], ticket["category"]),
        condition="ticket_id = :id",
        values={":id": ticket["ticket_id"]},
    )


# --- conversations (a customer wrote in: inbound e-mail, POST /tickets with a message) -------------------


def message(ticket_id: str, received_at: datetime, key: str, data: dict[str, Any]) -> dict[str, Any]:
    """One message of the ticket's conversation, TICKET#{id} / MSG#{key}: once per message however often
    it arrives (its condition failing: recorded before, the whole Effect is a duplicate)."""
    return items.put_new(
        {"pk": f"TICKET#{ticket_id}", "sk": f"MSG#{key}", "type": "ticket_message"}
        | data
        | {"ticket_id": ticket_id, "at": iso(received_at), "key": key}
    )


def message_item(ticket_id: str, key: str) -> dict[str, Any] | None:
    """One message of the ticket's conversation (a team member's e-mailed answer, read to send it)."""
    found = client().get_item(TableName=table_name(), Key=items.key(f"TICKET#{ticket_id}", f"MSG#{key}"))
    return from_item(found["Item"]) if "Item" in found else None


def conversation(ticket_id: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The ticket and its conversation's messages, oldest first: one Query of its partition."""
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": to_item({":pk": f"TICKET#{ticket_id}"}),
    }
    while True:
        page = client().query(**params)
        found += [from_item(i) for i in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            break
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    ticket = next((i for i in found if i["sk"] == "TICKET"), None)
    return ticket, sorted((i for i in found if i["sk"].startswith("MSG#")), key=lambda i: (i["at"], i["sk"]))


def release_conversation(ticket: dict[str, Any]) -> dict[str, Any] | None:
    """A solved conversation ticket frees its order's open conversation (only the one naming it: guard
    OPTIONAL), so the customer's next message about the order opens a new ticket."""
    if not (ticket.get("conversation") and ticket.get("order_number")):
        return None
    return items.delete(
        items.key(order_pk(ticket["order_number"]), "CONVERSATION"),
        condition="ticket_id = :id",
        values={":id": ticket["ticket_id"]},
    )


# --- satisfaction (issue 16) ------------------------------------------------------------------------------


def rated(ticket_id: str, score: int, at: datetime) -> dict[str, Any]:
    """The customer's CSAT score (a second click on another score changes it; the same score again fails
    the condition: a reused link, nothing to do)."""
    return items.update(
        _key(ticket_id),
        {"csat_score": score, "csat_at": iso(at)},
        add={"csat_clicks": 1},
        condition="attribute_exists(pk) AND attribute_exists(#sent) AND "
        "(attribute_not_exists(#csat_score) OR #csat_score <> :csat_score)",
        names={"#sent": "csat_sent"},
    )


def commented(ticket_id: str, comment: str, at: datetime, score: int | None = None) -> dict[str, Any]:
    """The comment after a rating. With `score` (the survey's ticket not rated yet: the comment form
    came before any click was recorded) the form's score is recorded with it, as a click would."""
    if score is None:
        return items.update(
            _key(ticket_id),
            {"csat_comment": comment, "csat_comment_at": iso(at)},
            condition="attribute_exists(pk) AND attribute_exists(#csat_score)",
            names={"#csat_score": "csat_score"},
        )
    return items.update(
        _key(ticket_id),
        {"csat_comment": comment or None, "csat_comment_at": iso(at) if comment else None},
        add={"csat_clicks": 1},
        raw_set=(
            "#csat_score = if_not_exists(#csat_score, :score)",
            "#csat_at = if_not_exists(#csat_at, :at)",
        ),
        condition="attribute_exists(pk) AND attribute_exists(#sent)",
        names={"#csat_score": "csat_score", "#csat_at": "csat_at", "#sent": "csat_sent"},
        values={":score": score, ":at": iso(at)},
    )
