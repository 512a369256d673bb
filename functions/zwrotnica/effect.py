"""What one use case decided: everything to write in one commit, and what follows it.

A use case reads through `store/`, decides in pure domain code and returns one `Effect`; it never
calls another use case. The unit of work (`store.unit_of_work.commit`) writes the whole Effect in one
DynamoDB transaction (or one plain conditional write when it is a single item); the dispatcher
(`zwrotnica.dispatch`) then sends its messages and runs its follow-up commands, which were stored in
that same transaction, so nothing after the commit can be lost (the sweeper retries what failed).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from zwrotnica.models.command import Command
from zwrotnica.models.outbox import OutboxMessage
from zwrotnica.models.timeline import TimelineEntry


class Guard(StrEnum):
    """What it means when a write's condition fails at commit time."""

    DUPLICATE = "duplicate"  # this very change was stored before (a retry): the whole Effect is a no-op
    CONFLICT = "conflict"  # someone changed what the decision read: read again and decide again
    OPTIONAL = "optional"  # someone newer got there first: drop this write, commit the rest


@dataclass(frozen=True)
class Write:
    """One item of the commit, built by a store module (a TransactWriteItems entry)."""

    item: Mapping[str, Any]
    guard: Guard = Guard.CONFLICT


@dataclass(frozen=True)
class TimelineLine:
    order_number: str
    entry: TimelineEntry


@dataclass
class Effect:
    """`outcome` names what was decided (applied, duplicate, held, ignored...); `data` is what the
    caller answers with (ids, statuses). An Effect with nothing to write commits nothing."""

    outcome: str = "applied"
    writes: list[Write] = field(default_factory=list)
    timeline: list[TimelineLine] = field(default_factory=list)
    messages: list[OutboxMessage] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.writes or self.timeline or self.messages or self.commands)

    def write(self, item: Mapping[str, Any], guard: Guard = Guard.CONFLICT) -> Effect:
        self.writes.append(Write(item, guard))
        return self

    def line(self, order_number: str, entries: Iterable[TimelineEntry]) -> Effect:
        self.timeline += [TimelineLine(order_number, e) for e in entries]
        return self

    def send(self, messages: Iterable[OutboxMessage | None]) -> Effect:
        self.messages += [m for m in messages if m is not None]
        return self

    def follow(self, *commands: Command) -> Effect:
        self.commands += commands
        return self

    def as_duplicate(self) -> Effect:
        """The commit found this change already stored: nothing to send or run."""
        return Effect("duplicate", data=self.data)
