"""What the weekly report reads, without a Scan, and its once-per-week marker.

lookup  gsi1pk = TICKETWEEK#{week}, gsi1sk = created_at   tickets opened that week (store.tickets): their
                                                          keys, then the tickets by key (BatchGetItem)
lookup  gsi1pk = MSGWEEK#{week},    gsi1sk = created_at   messages created that week and sent
                                                          (store.outbox); the index holds what is counted
table   pk = ORDER#{n} (filter type shipment / case)       parcels and cases of the orders those name
table   pk = REPORT#{week}, sk = REPORT                    the week's report: claimed once, then sent

The lookup index projects a message's order_number, template, created_at and sent_at, and nothing of a
ticket (template.yaml): a ticket's fields change with every reply, and an index holding them would be
written each time. A message's `status` is not projected either (shipments and cases have a `status`
too, and a parcel's every status change would write the index): the bucket says it. A message in
MSGWEEK was sent: it has `sent_at` (one put there before issue 19, when every message joined the bucket
at its creation, has it only once it was sent).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from zwrotnica.models.common import iso
from zwrotnica.store.table import (
    batch_get,
    client,
    from_item,
    lookup_index,
    order_pk,
    pages,
    query_keys,
    table_name,
    to_item,
)

# Only what the figures need: no e-mail addresses, phones, names or message texts leave the table.
TICKET_FIELDS = (
    "ticket_id, order_number, channel, category, team, #s, priority, created_at, history, breached, "
    "escalations, legal_deadline"
)
MESSAGE_FIELDS = "order_number, template, created_at, sent_at"  # what the lookup index projects
ORDER_ITEM_FIELDS = "#t, carrier, #s, last_event_at, silent_flagged_at, is_return, kind, reason, received_at"
STALE_CLAIM = timedelta(minutes=15)


def ticket_week(week: str) -> str:
    return f"TICKETWEEK#{week}"


def message_week(week: str) -> str:
    """Messages created that week and sent (store.outbox.mark_sent puts them there)."""
    return f"MSGWEEK#{week}"


def failed_message_week(week: str) -> str:
    """Messages created that week and given up after their last try."""
    return f"MSGFAILED#{week}"


def bucket_keys(key: str) -> list[dict[str, Any]]:
    """The table keys of a week bucket's items (all pages)."""
    return query_keys(
        {
            "IndexName": lookup_index(),
            "KeyConditionExpression": "gsi1pk = :k",
            "ExpressionAttributeValues": to_item({":k": key}),
        }
    )


def messages_in(key: str, status: str | None = None) -> list[dict[str, Any]]:
    """The messages of a week bucket as the index holds them, with the `status` the bucket says: the
    given one, else "sent" for those with `sent_at` (see the module's note)."""
    found = pages(
        {
            "TableName": table_name(),
            "IndexName": lookup_index(),
            "KeyConditionExpression": "gsi1pk = :k",
            "ProjectionExpression": MESSAGE_FIELDS,
            "ExpressionAttributeValues": to_item({":k": key}),
        }
    )
    return [m | {"status": status or "sent"} if status or m.get("sent_at") else m for m in found]


def tickets_opened(weeks: Iterable[str], fields: str = TICKET_FIELDS) -> list[dict[str, Any]]:
    """Tickets opened in these weeks: one Query (per 1 MB page) per week, then the tickets by key."""
    keys = [k for week in weeks for k in bucket_keys(ticket_week(week))]
    return batch_get(keys, fields=fields, names={"#s": "status"})


def messages_created(week: str) -> list[dict[str, Any]]:
    """Messages created in the week and sent."""
    return messages_in(message_week(week))


def order_items(order_numbers: Iterable[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(shipments, cases) of these orders: one Query per order partition."""
    shipments: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    for number in sorted(set(order_numbers)):
        for item in pages(
            {
                "TableName": table_name(),
                "KeyConditionExpression": "pk = :pk",
                "FilterExpression": "#t IN (:ship, :case)",
                "ProjectionExpression": ORDER_ITEM_FIELDS,
                "ExpressionAttributeNames": {"#t": "type", "#s": "status"},
                "ExpressionAttributeValues": to_item(
                    {":pk": order_pk(number), ":ship": "shipment", ":case": "case"}
                ),
            }
        ):
            (shipments if item.get("type") == "shipment" else cases).append(item)
    return shipments, cases


def _key(week: str) -> dict[str, Any]:
    return to_item({"pk": f"REPORT#{week}", "sk": "REPORT"})


def claim(week: str, now: datetime) -> bool:
    """Take the week's report for this run. False when it was sent, or another run is sending it; a
    failed run (release) or one that died mid-send (claim older than 15 minutes) can be taken over."""
    try:
        client().update_item(
            TableName=table_name(),
            Key=_key(week),
            UpdateExpression="SET #s = :sending, claimed_at = :now, #t = :type",
            ConditionExpression="attribute_not_exists(pk) OR #s = :failed "
            "OR (#s = :sending AND claimed_at < :stale)",
            ExpressionAttributeNames={"#s": "status", "#t": "type"},
            ExpressionAttributeValues=to_item(
                {
                    ":sending": "sending",
                    ":failed": "failed",
                    ":now": iso(now),
                    ":stale": iso(now - STALE_CLAIM),
                    ":type": "report",
                }
            ),
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def finish(week: str, now: datetime, sent: bool, message_id: str = "") -> None:
    """Mark the claimed week sent (never again) or failed (the next run may try again)."""
    values: dict[str, Any] = {":s": "sent" if sent else "failed", ":now": iso(now), ":sending": "sending"}
    expr = "SET #s = :s, finished_at = :now"
    if message_id:
        expr += ", provider_message_id = :pid"
        values[":pid"] = message_id
    client().update_item(
        TableName=table_name(),
        Key=_key(week),
        UpdateExpression=expr,
        ConditionExpression="#s = :sending",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues=to_item(values),
    )


def get(week: str) -> dict[str, Any] | None:
    item = client().get_item(TableName=table_name(), Key=_key(week), ConsistentRead=True).get("Item")
    return from_item(item) if item else None
