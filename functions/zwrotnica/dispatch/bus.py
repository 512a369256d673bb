"""Run a use case, commit its Effect, then run what follows: the message bus of Zwrotnica.

`run(decide, ctx)` calls `decide(fresh)` for an Effect and commits it (store.unit_of_work); a lost race
calls it again with `fresh=True` (read consistently, decide again), once. After the commit nothing can
fail the caller: messages are sent (dispatch.outbox) and commands run, each in its own commit together
with its removal; what fails stays stored and the sweeper runs it again (`retry_due`).

Command handlers are looked up in `HANDLERS` (kind -> "module:function") and imported on first use, so a
function's cold start pays only for the use cases it really runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime, timedelta

from zwrotnica.context import Context
from zwrotnica.dispatch import outbox
from zwrotnica.effect import Effect, Guard
from zwrotnica.errors import ConcurrentUpdate
from zwrotnica.models.command import Command, CommandKind
from zwrotnica.observability import logger, metrics
from zwrotnica.store import commands as command_store
from zwrotnica.store import unit_of_work
from zwrotnica.store.table import write_one
from zwrotnica.store.unit_of_work import Committed

Decide = Callable[[bool], Effect]
Handler = Callable[[Command, Context, bool], Effect]

HANDLERS: dict[CommandKind, str] = {
    CommandKind.OPEN_TICKET: "zwrotnica.flows.tickets:open_from_command",
    CommandKind.RESUME_TICKET: "zwrotnica.flows.tickets:resume_from_command",
    CommandKind.MOVE_RETURN_CASES: "zwrotnica.flows.cases:move_for_return_parcel",
    CommandKind.ISSUE_LABEL: "zwrotnica.flows.cases:issue_label",
    CommandKind.REQUEST_REFUND: "zwrotnica.flows.refunds:refund_case",
    CommandKind.REPLAY_TRACKING: "zwrotnica.flows.shipments:replay_held",
    CommandKind.APPLY_HELD_PAYMENT: "zwrotnica.flows.payments:apply_held",
    CommandKind.UPDATE_TICKET: "zwrotnica.flows.tickets:update_from_command",
    CommandKind.RECORD_COD_PAYMENT: "zwrotnica.flows.cash_on_delivery:record_collected",
}
# Commands that run commands: deeper ones wait for the sweeper (never an unbounded chain inline).
MAX_DEPTH = 3
LEASE = timedelta(minutes=5)
# After a failed run: 1 min, 5 min, 15 min, 1 h, 4 h, then every 12 h until 3 days have passed.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
)
GIVE_UP_AFTER = timedelta(days=3)
REPLAYING = frozenset({CommandKind.REPLAY_TRACKING})


def run(decide: Decide, ctx: Context, *, replay: bool = False, depth: int = 0) -> Effect:
    """Decide, commit, then run what follows. Returns the committed Effect (outcome "duplicate" when
    the commit found it stored before). Raises only before the commit: the caller may answer 503."""
    for attempt in range(2):
        effect = decide(attempt > 0)
        try:
            result = unit_of_work.commit(effect, replay=replay)
            break
        except ConcurrentUpdate:
            if attempt:
                raise
    if result.status is Committed.DUPLICATE and not result.dropped_messages:
        return effect.as_duplicate()
    if result.dropped_messages:
        effect.messages = [m for m in effect.messages if m.message_id not in result.dropped_messages]
    after_commit(effect, ctx, depth)
    return effect


def after_commit(effect: Effect, ctx: Context, depth: int = 0) -> None:
    """Send the Effect's messages, then run its commands; never raises."""
    given_up = outbox.deliver(effect.messages, ctx.now).follow_ups
    if depth >= MAX_DEPTH:
        return  # stored: the sweeper runs them
    for command in [*effect.commands, *given_up]:
        execute(command, ctx, depth + 1)


def handler(kind: CommandKind) -> Handler:
    module, _, name = HANDLERS[kind].partition(":")
    return getattr(importlib.import_module(module), name)


def execute(command: Command, ctx: Context, depth: int = 1) -> bool:
    """Run one stored command: its Effect and the command's removal in one commit. A failure is
    recorded on the command (the sweeper retries it); never raises. True when it completed."""

    def decide(fresh: bool) -> Effect:
        effect = handler(command.kind)(command, ctx, fresh)
        return effect.write(command_store.done(command), Guard.DUPLICATE)

    try:
        effect = run(decide, ctx, replay=command.kind in REPLAYING, depth=depth)
        if effect.outcome == "duplicate":
            # Its effect was stored before (an earlier run, or the same cause arriving again): nothing
            # was written, the command's removal included; it is done all the same.
            write_one(command_store.done(command))
    except Exception as exc:  # any failure: recorded and retried; the caller's own commit stands
        _failed(command, exc, ctx.now)
        return False
    logger.info("command done", extra={"command": command.kind.value, "outcome": effect.outcome})
    return True


def _failed(command: Command, exc: Exception, now: datetime) -> None:
    attempts = command.attempts + 1
    next_due = next_attempt(attempts, command.created_at, now)
    log = {"command": command.kind.value, "attempts": attempts, "error": type(exc).__name__}
    if next_due is None:
        logger.error("command given up", extra=log)
        metrics.add_metric(name="CommandGivenUp", unit="Count", value=1)
    else:
        logger.warning("command failed, will retry", extra=log)
        metrics.add_metric(name="CommandFailed", unit="Count", value=1)
    try:
        command_store.record_failure(command, f"{type(exc).__name__}: {exc}", next_due, now)
    except Exception:
        logger.exception("command failure not recorded", extra={"command": command.kind.value})


def next_attempt(attempts: int, created_at: datetime, now: datetime) -> datetime | None:
    """When to run a command again after `attempts` failed runs; None once it has failed for 3 days."""
    if now - created_at >= GIVE_UP_AFTER:
        return None
    delay = RETRY_DELAYS[attempts - 1] if attempts <= len(RETRY_DELAYS) else timedelta(hours=12)
    return now + delay


def retry_messages(ctx: Context, budget: int) -> tuple[outbox.DispatchResult, bool]:
    """Sweeper step: due messages sent again; a message given up opens its ticket (a command) now."""
    result, more = outbox.retry_due(ctx.now, budget)
    for command in result.follow_ups:
        execute(command, ctx)
    return result, more


def retry_due(ctx: Context, budget: int) -> tuple[int, int, bool]:
    """Sweeper step: run due commands (at most `budget`). Returns (done, failed, more_left)."""
    found, more = command_store.due(ctx.now, budget)
    done = failed = 0
    for command in found:
        if not command_store.claim(command, ctx.now + LEASE):
            continue  # another sweep has it
        if execute(command, ctx):
            done += 1
        else:
            failed += 1
    if found:
        logger.info("commands swept", extra={"done": done, "failed": failed})
    return done, failed, more
