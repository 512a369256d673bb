"""The unit of work: one Effect, one commit. The only code that writes an Effect, and the one map
from DynamoDB's cancellation reasons to what they mean (store/README of sorts: docs/data-model.md).

One item: a plain conditional write (PutItem / UpdateItem / DeleteItem: half the write units of a
transaction). Several: one TransactWriteItems, all or nothing. A failed condition means what the
write's Guard says: DUPLICATE (this change was stored before: nothing happens), CONFLICT (someone
changed what was read: the caller decides again, `ConcurrentUpdate`), OPTIONAL (the write is dropped
and the rest committed). Throttling and outages propagate as the AWS error (503 at the edge).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError

from zwrotnica.effect import Effect, Guard, Write
from zwrotnica.errors import ConcurrentUpdate
from zwrotnica.store import commands, outbox, timeline
from zwrotnica.store.table import client, write_one

MAX_ITEMS = 100  # DynamoDB's limit per transaction
CHECK_FAILED = "ConditionalCheckFailed"


class Committed(StrEnum):
    WRITTEN = "written"
    DUPLICATE = "duplicate"  # a DUPLICATE-guarded write existed: nothing was written
    NOTHING = "nothing"  # the Effect had nothing to write


@dataclass
class Commit:
    status: Committed
    dropped_messages: set[str] = field(default_factory=set)  # OPTIONAL messages already stored


@dataclass(frozen=True)
class _Planned:
    write: Write
    message_id: str | None = None


def plan(effect: Effect, message_guard: Guard = Guard.DUPLICATE) -> list[_Planned]:
    """Every item the Effect writes, in order: its own writes, timeline lines, messages, commands."""
    planned = [_Planned(w) for w in effect.writes]
    planned += [
        _Planned(Write(timeline.put(line.order_number, line.entry), message_guard))
        for line in effect.timeline
    ]
    planned += [
        _Planned(Write(outbox.put_new(m, inline=True), message_guard), m.message_id) for m in effect.messages
    ]
    planned += [_Planned(Write(commands.put_new(c), Guard.DUPLICATE)) for c in effect.commands]
    return planned


def commit(effect: Effect, *, replay: bool = False) -> Commit:
    """Write the Effect. `replay`: timeline lines and messages that exist already are dropped rather
    than making the whole Effect a duplicate (re-applying held history that was partly seen)."""
    planned = plan(effect, Guard.OPTIONAL if replay else Guard.DUPLICATE)
    if len(planned) > MAX_ITEMS:
        raise ValueError(f"an Effect of {len(planned)} items does not fit one transaction")
    dropped: set[str] = set()
    while planned:
        codes = _execute([p.write.item for p in planned])
        if codes is None:
            return Commit(Committed.WRITTEN, dropped)
        failed = [(p, code) for p, code in zip(planned, codes, strict=False) if code != "None"]
        guards = {p.write.guard for p, code in failed if code == CHECK_FAILED}
        if Guard.DUPLICATE in guards:
            return Commit(Committed.DUPLICATE)
        if Guard.CONFLICT in guards or any(code == "TransactionConflict" for _, code in failed):
            raise ConcurrentUpdate(f"lost a race: {[code for _, code in failed]}")
        if not failed or any(code != CHECK_FAILED for _, code in failed):
            raise ConcurrentUpdate(f"transaction cancelled: {codes}")
        gone = {id(p) for p, _ in failed}  # only OPTIONAL writes failed: commit the rest
        dropped |= {p.message_id for p, _ in failed if p.message_id}
        planned = [p for p in planned if id(p) not in gone]
    return Commit(Committed.NOTHING if not dropped else Committed.DUPLICATE, dropped)


def _execute(transact_items: list[dict[str, Any]]) -> list[str] | None:
    """None when written; else one cancellation code per item ('None' for items that were fine)."""
    if len(transact_items) == 1 and next(iter(transact_items[0])) != "ConditionCheck":
        return None if write_one(transact_items[0]) else [CHECK_FAILED]
    try:
        client().transact_write_items(TransactItems=transact_items)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        return cancellation_codes(exc, len(transact_items))
    return None


def cancellation_codes(error: ClientError, count: int) -> list[str]:
    """The per-item reasons of a TransactionCanceledException ('None', 'ConditionalCheckFailed', ...)."""
    reasons = error.response.get("CancellationReasons") or []
    codes = [r.get("Code", "None") for r in reasons]
    return codes + ["None"] * (count - len(codes)) if codes else ["Unknown"] * count
