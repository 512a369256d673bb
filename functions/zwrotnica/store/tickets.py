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
from zwrotnica.store.table import SLA_QUEUE, client, from_item, order_pk, query_due, table_name


def ticket_id_for(source_ref: str) -> str:
    return "TK-" + hashlib.sha256(source_ref.encode()).hexdigest()[:10].upper()


def _key(ticket_id: str) -> dict[str, Any]:
    return items.key(f"TICKET#{ticket_id}", "TICKET")


def _lock_key(order_number: str, category: str) -> dict[str, Any]:
    return items.key(order_pk(order_number), f"OPENTICKET#{category}")


def _note(request: TicketRequest) -> dict[str, Any]:
    return {"at": iso(request.at), "text": request.note, "ref": request.source_ref}


def new(request: TicketRequest, due_at: datetime | None, policy_version: str | int | None) -> dict[str, Any]:
    """The ticket (its condition failing: this very trigger opened it before). `due_at`: its first SLA
    step (domain.sla), which puts it in the SLA queue."""
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
        "policy_version": policy_version,
        "legal_deadline": iso(request.legal_deadline) if request.legal_deadline else None,
        # The week it was opened in: the weekly report queries this, never the whole table.
        "gsi1pk": ticket_week(week_key(request.at)),
        "gsi1sk": iso(request.at),
    }
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


def event(ticket_id: str, entry: dict[str, Any], status: str | None, next_due: str | None) -> dict[str, Any]:
    """A history event (reply, status change), and the ticket back in the SLA queue or out of it."""
    sets: dict[str, Any] = {"status": status} if status else {}
    if next_due:
        sets |= {"queue": SLA_QUEUE, "due_at": next_due}
    return items.update(
        _key(ticket_id),
        sets,
        remove=() if next_due else ("queue", "due_at"),
        raw_set=("#history = list_append(#history, :e)",),
        condition="attribute_exists(pk)",
        names={"#history": "history"},
        values={":e": [entry]},
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
