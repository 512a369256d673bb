"""Follow-up commands: CMD#{id} / CMD, written in the transaction of the change that causes them.

While waiting: queue "command" / due_at on the sparse `due` index. Written for the dispatcher
that runs them right after the commit (it claims nothing), so their queue time is INLINE_GRACE after
creation: a sweep sees one only once that run finished, failed (then due_at is its retry time) or
died. Done: the item is deleted in the same transaction as the command's own effect. Given up: it
stays, out of the queue, with its last error, until its TTL.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from zwrotnica.messages.policy import INLINE_GRACE
from zwrotnica.models.command import Command
from zwrotnica.models.common import iso
from zwrotnica.store import items
from zwrotnica.store.table import client, from_item, query_due, table_name, write_one

QUEUE = "command"
FAILED_TTL = timedelta(days=30)


def _key(command: Command) -> dict[str, Any]:
    return items.key(f"CMD#{command.command_id}", "CMD")


def put_new(command: Command) -> dict[str, Any]:
    """Created once per cause (the id is derived from kind and key)."""
    due = command.due_at or command.created_at
    return items.put_new(
        {
            "pk": f"CMD#{command.command_id}",
            "sk": "CMD",
            "type": "command",
            "kind": command.kind.value,
            "key": command.key,
            "payload": json.dumps(command.payload, ensure_ascii=False, sort_keys=True),
            "created_at": iso(command.created_at),
            "attempts": command.attempts,
            "queue": QUEUE,
            "due_at": iso(max(due, command.created_at + INLINE_GRACE)),
        }
    )


def done(command: Command) -> dict[str, Any]:
    """Removes the command with its effect; gone already means another run completed it."""
    return items.delete(_key(command), condition="attribute_exists(pk)")


def from_stored(item: dict[str, Any]) -> Command:
    return Command.model_validate(item | {"payload": json.loads(item["payload"])})


def due(now: datetime, limit: int) -> tuple[list[Command], bool]:
    found, more = query_due(QUEUE, iso(now), limit)
    return [from_stored(i) for i in found], more


def get(command: Command) -> Command | None:
    """The stored command (its attempts so far), or None once it is done."""
    answer = client().get_item(TableName=table_name(), Key=_key(command), ConsistentRead=True)
    return from_stored(from_item(answer["Item"])) if "Item" in answer else None


def claim(command: Command, lease_until: datetime) -> bool:
    """Take a due command for this sweep only (conditional on the due time read)."""
    return _update(
        command,
        {"due_at": iso(lease_until)},
        condition="#due_at = :seen",
        values={":seen": iso(command.due_at)},
    )


def record_failure(command: Command, error: str, next_due: datetime | None, now: datetime) -> bool:
    """Count a failed run; with no next time the command leaves the queue as failed (kept for a look)."""
    sets: dict[str, Any] = {"attempts": command.attempts + 1, "last_error": error[:300]}
    if next_due is None:
        sets |= {"status": "failed", "queue": None, "due_at": None}
        sets["expires_at"] = int((now + FAILED_TTL).timestamp())
    else:
        sets["due_at"] = iso(next_due)
    return _update(command, sets, condition="attribute_exists(pk)")


def _update(command: Command, sets: dict[str, Any], **kwargs: Any) -> bool:
    return write_one(items.update(_key(command), sets, **kwargs))
