"""Outbox items in DynamoDB: written inside the caller's transaction, then sent and marked."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from zwrotnica.domain.weeks import week_key
from zwrotnica.messages import policy
from zwrotnica.models.common import iso
from zwrotnica.models.outbox import OutboxMessage, OutboxStatus
from zwrotnica.store.report import message_week
from zwrotnica.store.table import OUTBOX_QUEUE, client, from_item, order_pk, query_due, table_name, to_item


def _key(order_number: str, message_id: str) -> dict[str, Any]:
    return to_item({"pk": order_pk(order_number), "sk": f"MSG#{message_id}"})


def put_new(message: OutboxMessage, *, inline: bool = False) -> dict[str, Any]:
    """A transaction item that creates the message once: the same dedup key can never make two.

    `inline`: the writer sends it itself right after the commit (flows.outbox.deliver, which claims
    nothing). Its queue time is then at least INLINE_GRACE after its creation, so a sweep sees it only
    once that writer has sent it, rescheduled it after a failure, or died; the writer's own copy keeps
    the real send time. Without it, a sweep between the commit and the send would send it a second time.
    Zero extra round trips: only the stored `due_at` differs."""
    data = message.model_dump(mode="json") | {
        "pk": order_pk(message.order_number),
        "sk": f"MSG#{message.message_id}",
        "type": "message",
        "message_id": message.message_id,
        "queue": OUTBOX_QUEUE,
        # The week it was created in: the weekly report's deflection figures query this bucket.
        "gsi1pk": message_week(week_key(message.created_at)),
        "gsi1sk": iso(message.created_at),
    }
    if inline and message.due_at is not None:
        data["due_at"] = iso(max(message.due_at, message.created_at + policy.INLINE_GRACE))
    return {
        "Put": {
            "TableName": table_name(),
            "Item": to_item(data),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }


def mark_sent(message: OutboxMessage, at: datetime, provider_message_id: str) -> None:
    """Leave the queue (the GSI is sparse: removing queue/due_at drops the item from it)."""
    client().update_item(
        TableName=table_name(),
        Key=_key(message.order_number, message.message_id),
        UpdateExpression="SET #s = :sent, sent_at = :at, provider_message_id = :pid, attempts = :n "
        "REMOVE #q, due_at, last_error",
        ConditionExpression="#s = :pending",
        ExpressionAttributeNames={"#s": "status", "#q": "queue"},
        ExpressionAttributeValues=to_item(
            {
                ":sent": OutboxStatus.SENT.value,
                ":pending": OutboxStatus.PENDING.value,
                ":at": iso(at),
                ":pid": provider_message_id,
                ":n": message.attempts + 1,
            }
        ),
    )


def record_failure(message: OutboxMessage, error: str, next_due: datetime | None) -> None:
    """Count a failed try; with no next time the message leaves the queue as failed."""
    names = {"#s": "status", "#q": "queue"}
    values: dict[str, Any] = {":n": message.attempts + 1, ":err": error[:300], ":pending": "pending"}
    if next_due is None:
        expr = "SET attempts = :n, last_error = :err, #s = :failed REMOVE #q, due_at"
        values[":failed"] = OutboxStatus.FAILED.value
    else:
        expr = "SET attempts = :n, last_error = :err, due_at = :due"
        values[":due"] = iso(next_due)
        del names["#q"]
    client().update_item(
        TableName=table_name(),
        Key=_key(message.order_number, message.message_id),
        UpdateExpression=expr,
        ConditionExpression="#s = :pending",
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=to_item(values),
    )


def claim(message: OutboxMessage, lease_until: datetime) -> bool:
    """Take a due message for this run only: two overlapping sweeps never send the same one."""
    try:
        client().update_item(
            TableName=table_name(),
            Key=_key(message.order_number, message.message_id),
            UpdateExpression="SET due_at = :lease",
            ConditionExpression="#s = :pending AND due_at = :seen",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=to_item(
                {":lease": iso(lease_until), ":pending": "pending", ":seen": iso(message.due_at)}
            ),
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def due(now: datetime, limit: int) -> tuple[list[OutboxMessage], bool]:
    """Pending messages whose time has come, oldest first. Returns (messages, more_left)."""
    items, more = query_due(OUTBOX_QUEUE, iso(now), limit)
    return [OutboxMessage.model_validate(item) for item in items], more


def list_for_order(order_number: str) -> list[OutboxMessage]:
    page = client().query(
        TableName=table_name(),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :msg)",
        ExpressionAttributeValues=to_item({":pk": order_pk(order_number), ":msg": "MSG#"}),
    )
    return [OutboxMessage.model_validate(from_item(item)) for item in page.get("Items", [])]
