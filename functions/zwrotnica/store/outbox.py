"""Outbox items in DynamoDB: written inside the caller's commit, then sent and marked.

ORDER#{n} / MSG#{id}: queue "outbox" / due_at on the sparse index while pending. An e-mail is stored as
its subject and `blocks` (the paragraphs and links its text and HTML are rendered from: ~0.5 KB instead
of ~4 KB of HTML, one write unit instead of five, and as many again on each index), and rendered again
when it is read (messages.templates.email_from_blocks, in the shop's branding of that moment). Items
written before, with `text` and `html`, are read as they are.

Week buckets (the weekly report, the team dashboard): a message joins one when it leaves the queue, in
the write that takes it out: `MSGWEEK#{week}` when sent, `MSGFAILED#{week}` when given up (the week it
was created in, `gsi1sk` = its creation time). One index write per message, and the bucket itself says
how it ended; pending messages are in the queue, not in a bucket.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from zwrotnica.domain.weeks import week_key
from zwrotnica.messages import policy
from zwrotnica.messages.templates import email_from_blocks
from zwrotnica.models.common import iso
from zwrotnica.models.outbox import OutboxMessage, OutboxStatus
from zwrotnica.store import items
from zwrotnica.store.report import failed_message_week, message_week
from zwrotnica.store.table import (
    OUTBOX_QUEUE,
    client,
    from_item,
    order_pk,
    query_due,
    table_name,
    to_item,
    write_one,
)


def _key(order_number: str, message_id: str) -> dict[str, Any]:
    return items.key(order_pk(order_number), f"MSG#{message_id}")


def put_new(message: OutboxMessage, *, inline: bool = False) -> dict[str, Any]:
    """A transaction item that creates the message once: the same dedup key can never make two.

    `inline`: the writer sends it itself right after the commit (dispatch.outbox.deliver, which claims
    nothing). Its queue time is then at least INLINE_GRACE after its creation, so a sweep sees it only
    once that writer has sent it, rescheduled it after a failure, or died; the writer's own copy keeps
    the real send time. Without it, a sweep between the commit and the send would send it a second time.
    Zero extra round trips: only the stored `due_at` differs."""
    data = stored(message) | {
        "pk": order_pk(message.order_number),
        "sk": f"MSG#{message.message_id}",
        "type": "message",
        "queue": OUTBOX_QUEUE,
    }
    if inline and message.due_at is not None:
        data["due_at"] = iso(max(message.due_at, message.created_at + policy.INLINE_GRACE))
    return items.put_new(data)


def stored(message: OutboxMessage) -> dict[str, Any]:
    """The message's attributes as stored: an e-mail with blocks without the text and HTML they render."""
    compact = {"text", "html"} if message.blocks else {"blocks"}
    return message.model_dump(mode="json", exclude=compact)


def with_body(item: dict[str, Any]) -> dict[str, Any]:
    """A stored message item with its text and HTML: rendered again from its blocks when it has them
    (what the send, the dev outbox view and a data subject's export show)."""
    if item.get("blocks") and not item.get("text"):
        content = email_from_blocks(item.get("subject") or "", item["blocks"])
        return item | {"text": content.text, "html": content.html}
    return item


def loaded(item: dict[str, Any]) -> OutboxMessage:
    return OutboxMessage.model_validate(with_body(item))


def _bucket(message: OutboxMessage, week: str) -> dict[str, Any]:
    return {"gsi1pk": week, "gsi1sk": iso(message.created_at)}


def mark_sent(message: OutboxMessage, at: datetime, provider_message_id: str) -> None:
    """Leave the queue (the GSI is sparse: removing queue/due_at drops the item from it) and join the
    week's bucket of sent messages."""
    sets = {
        "status": OutboxStatus.SENT.value,
        "sent_at": iso(at),
        "provider_message_id": provider_message_id,
        "attempts": message.attempts + 1,
        "queue": None,
        "due_at": None,
        "last_error": None,
    } | _bucket(message, message_week(week_key(message.created_at)))
    update = items.update(
        _key(message.order_number, message.message_id),
        sets,
        condition="#status = :pending",
        values={":pending": OutboxStatus.PENDING.value},
    )
    client().update_item(**update["Update"])


def failure(message: OutboxMessage, error: str, next_due: datetime | None) -> dict[str, Any]:
    """A failed try counted; with no next time the message leaves the queue as failed."""
    sets: dict[str, Any] = {"attempts": message.attempts + 1, "last_error": error[:300]}
    if next_due is None:
        sets |= {"status": OutboxStatus.FAILED.value, "queue": None, "due_at": None}
        sets |= _bucket(message, failed_message_week(week_key(message.created_at)))
    else:
        sets["due_at"] = iso(next_due)
    return items.update(
        _key(message.order_number, message.message_id),
        sets,
        condition="#status = :pending",
        names={"#status": "status"},
        values={":pending": OutboxStatus.PENDING.value},
    )


def record_failure(message: OutboxMessage, error: str, next_due: datetime | None) -> None:
    client().update_item(**failure(message, error, next_due)["Update"])


def claim(message: OutboxMessage, lease_until: datetime) -> bool:
    """Take a due message for this run only: two overlapping sweeps never send the same one."""
    update = items.update(
        _key(message.order_number, message.message_id),
        {"due_at": iso(lease_until)},
        condition="#status = :pending AND #due_at = :seen",
        names={"#status": "status"},
        values={":pending": OutboxStatus.PENDING.value, ":seen": iso(message.due_at)},
    )
    return write_one(update)


def due(now: datetime, limit: int) -> tuple[list[OutboxMessage], bool]:
    """Pending messages whose time has come, oldest first. Returns (messages, more_left)."""
    found, more = query_due(OUTBOX_QUEUE, iso(now), limit)
    return [loaded(item) for item in found], more


def list_for_order(order_number: str) -> list[OutboxMessage]:
    page = client().query(
        TableName=table_name(),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
        ExpressionAttributeValues=to_item({":pk": order_pk(order_number), ":msg": "MSG#"}),
    )
    return [loaded(from_item(item)) for item in page.get("Items", [])]


def withdrawn(message: OutboxMessage, at: datetime) -> dict[str, Any]:
    """A pending marketing message that must not go out (the customer withdrew the consent after it was
    written): out of the queue, never sent. Conditional on it still pending (sent already: nothing)."""
    return items.update(
        _key(message.order_number, message.message_id),
        {"status": OutboxStatus.WITHDRAWN.value, "queue": None, "due_at": None, "withdrawn_at": iso(at)},
        condition="#status = :pending",
        values={":pending": OutboxStatus.PENDING.value},
    )
