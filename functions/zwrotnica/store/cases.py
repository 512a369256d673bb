"""Return and complaint cases: in the order's partition, found by RMA through the lookup index.

A complaint waits in the sparse due index (`queue = "complaint_answer"`, `due_at` = the first moment
after its answer deadline) until it is answered; still there when due, it is deemed accepted (UPK art.
7a ust. 2: the sweeper)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from zwrotnica.models.common import iso
from zwrotnica.store import items
from zwrotnica.store.table import (
    client,
    from_item,
    keys_of,
    lookup_index,
    order_pk,
    query_due,
    table_name,
    to_item,
)

SUBMISSION_TTL = timedelta(days=30)
ANSWER_QUEUE = "complaint_answer"


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


def create(case: dict[str, Any], submission_key: str, now: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the submission marker, the case): the marker's condition failing means this very form was
    submitted before (a double click, a retry); the case's, that its RMA exists (never by design)."""
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
    return items.put_new(marker), items.put_new(item)


def get(rma: str) -> dict[str, Any] | None:
    """The case by its RMA: its key from the lookup index (which holds no case attributes: a case's moves
    never write it), then the case itself, read consistently."""
    page = client().query(
        TableName=table_name(),
        IndexName=lookup_index(),
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues=to_item({":pk": f"CASE#{rma}"}),
    )
    found = page.get("Items", [])
    if not found:
        return None
    answer = client().get_item(TableName=table_name(), Key=keys_of(found[0]), ConsistentRead=True)
    return from_item(answer["Item"]) if "Item" in answer else None


def moved(case: dict[str, Any], new_status: str, changes: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The case's new status, only from the one the decision read (Guard.CONFLICT: someone moved it)."""
    return items.update(
        _key(case["order_number"], case["case_id"]),
        {**changes, "status": new_status, "updated_at": iso(now)},
        condition="#status = :seen",
        values={":seen": case["status"]},
    )


def get_current(order_number: str, rma: str) -> dict[str, Any] | None:
    """The case itself, read consistently (the lookup index may lag behind a move just made)."""
    item = (
        client()
        .get_item(TableName=table_name(), Key=_key(order_number, rma), ConsistentRead=True)
        .get("Item")
    )
    return from_item(item) if item else None


def _key(order_number: str, rma: str) -> dict[str, Any]:
    return items.key(order_pk(order_number), f"CASE#{rma}")


def updated(case: dict[str, Any], changes: dict[str, Any], now: datetime) -> dict[str, Any]:
    """Fields of a case that stays where it is (a complaint's goods asked for), conditional on the status
    the decision read (Guard.CONFLICT)."""
    return items.update(
        _key(case["order_number"], case["case_id"]),
        {**changes, "updated_at": iso(now)},
        condition="#status = :seen",
        names={"#status": "status"},
        values={":seen": case["status"]},
    )


def unanswered_due(now: datetime, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """Complaints whose answer deadline passed while they waited in the queue (sparse index)."""
    return query_due(ANSWER_QUEUE, iso(now), limit)
