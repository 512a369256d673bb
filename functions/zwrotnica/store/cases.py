"""Return and complaint cases: in the order's partition, found by RMA through the lookup index."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from zwrotnica.errors import ConcurrentUpdate
from zwrotnica.models.common import iso
from zwrotnica.models.outbox import OutboxMessage
from zwrotnica.models.timeline import TimelineEntry
from zwrotnica.store import outbox
from zwrotnica.store.orders import timeline_put
from zwrotnica.store.table import LOOKUP_INDEX, client, from_item, order_pk, table_name, to_item

SUBMISSION_TTL = timedelta(days=30)


def next_sequence(year: int) -> int:
    """Atomic counter per year for RMA numbers (one round trip; gaps are fine, duplicates are not)."""
    answer = client().update_item(
        TableName=table_name(),
        Key=to_item({"pk": f"COUNTER#RMA#{year}", "sk": "COUNTER"}),
        UpdateExpression="ADD seq :one",
        ExpressionAttributeValues=to_item({":one": 1}),
        ReturnValues="UPDATED_NEW",
    )
    return int(answer["Attributes"]["seq"]["N"])


def find_submission(order_number: str, submission_key: str) -> str | None:
    """The RMA a form submission already created (double click, retry), if any."""
    item = (
        client()
        .get_item(
            TableName=table_name(),
            Key=to_item({"pk": order_pk(order_number), "sk": f"CASESUBMIT#{submission_key}"}),
            ConsistentRead=True,
        )
        .get("Item")
    )
    return from_item(item)["rma"] if item else None


def create(
    case: dict[str, Any],
    submission_key: str,
    timeline: list[TimelineEntry],
    messages: list[OutboxMessage],
    now: datetime,
) -> None:
    """Case, submission marker, timeline and confirmation in one transaction: all or nothing."""
    order_number = case["order_number"]
    item = case | {
        "pk": order_pk(order_number),
        "sk": f"CASE#{case['case_id']}",
        "type": "case",
        "gsi1pk": f"CASE#{case['case_id']}",
        "gsi1sk": "CASE",
    }
    marker = {
        "pk": order_pk(order_number),
        "sk": f"CASESUBMIT#{submission_key}",
        "rma": case["case_id"],
        "type": "submission",
        "expires_at": int((now + SUBMISSION_TTL).timestamp()),
    }
    condition = "attribute_not_exists(sk)"
    items = [
        {"Put": {"TableName": table_name(), "Item": to_item(marker), "ConditionExpression": condition}},
        {"Put": {"TableName": table_name(), "Item": to_item(item), "ConditionExpression": condition}},
        *[timeline_put(order_number, entry) for entry in timeline],
        *[outbox.put_new(message, inline=True) for message in messages],
    ]
    try:
        client().transact_write_items(TransactItems=items)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "TransactionCanceledException":
            raise ConcurrentUpdate("case submission raced") from exc
        raise


def get(rma: str) -> dict[str, Any] | None:
    page = client().query(
        TableName=table_name(),
        IndexName=LOOKUP_INDEX,
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues=to_item({":pk": f"CASE#{rma}"}),
    )
    items = page.get("Items", [])
    return from_item(items[0]) if items else None


def move(
    case: dict[str, Any],
    new_status: str,
    changes: dict[str, Any],
    timeline: list[TimelineEntry],
    messages: list[OutboxMessage],
    now: datetime,
) -> bool:
    """Change the status only from the one we read; False when someone else moved it first."""
    names = {"#s": "status", "#u": "updated_at"}
    values: dict[str, Any] = {":new": new_status, ":seen": case["status"], ":now": iso(now)}
    sets = ["#s = :new", "#u = :now"]
    for key, value in changes.items():
        names[f"#{key}"] = key
        values[f":{key}"] = value
        sets.append(f"#{key} = :{key}")
    update = {
        "Update": {
            "TableName": table_name(),
            "Key": to_item({"pk": order_pk(case["order_number"]), "sk": f"CASE#{case['case_id']}"}),
            "UpdateExpression": "SET " + ", ".join(sets),
            "ConditionExpression": "#s = :seen",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item(values),
        }
    }
    items = [
        update,
        *[timeline_put(case["order_number"], e) for e in timeline],
        *[outbox.put_new(m, inline=True) for m in messages],
    ]
    try:
        client().transact_write_items(TransactItems=items)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "TransactionCanceledException":
            return False
        raise
    return True
