"""What the weekly report reads, without a Scan, and its once-per-week marker.

lookup  gsi1pk = TICKETWEEK#{week}, gsi1sk = created_at   tickets opened that week (store.tickets)
lookup  gsi1pk = MSGWEEK#{week},    gsi1sk = created_at   outbox messages created that week (store.outbox)
table   pk = ORDER#{n} (filter type shipment / case)       parcels and cases of the orders those name
table   pk = REPORT#{week}, sk = REPORT                    the week's report: claimed once, then sent
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from zwrotnica.models.common import iso
from zwrotnica.store.table import LOOKUP_INDEX, client, from_item, order_pk, table_name, to_item

# Only what the figures need: no e-mail addresses, phones, names or message texts leave the table.
TICKET_FIELDS = (
    "ticket_id, order_number, channel, category, team, #s, priority, created_at, history, breached, "
    "escalations, legal_deadline, conversation, csat_score, csat_at"
)
MESSAGE_FIELDS = "order_number, template, #s, created_at, sent_at, channel"
ORDER_ITEM_FIELDS = "#t, carrier, #s, last_event_at, silent_flagged_at, is_return, kind, reason, received_at"
STALE_CLAIM = timedelta(minutes=15)


def ticket_week(week: str) -> str:
    return f"TICKETWEEK#{week}"


def message_week(week: str) -> str:
    return f"MSGWEEK#{week}"


def pages(params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    while True:
        page = client().query(**params)
        yield from (from_item(item) for item in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _bucket(key: str, fields: str) -> list[dict[str, Any]]:
    return list(
        pages(
            {
                "TableName": table_name(),
                "IndexName": LOOKUP_INDEX,
                "KeyConditionExpression": "gsi1pk = :k",
                "ProjectionExpression": fields,
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": to_item({":k": key}),
            }
        )
    )


def tickets_opened(weeks: Iterable[str]) -> list[dict[str, Any]]:
    """Tickets opened in these weeks: one Query (per 1 MB page) per week."""
    return [t for week in weeks for t in _bucket(ticket_week(week), TICKET_FIELDS)]


def messages_created(week: str) -> list[dict[str, Any]]:
    return _bucket(message_week(week), MESSAGE_FIELDS)


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


# --- issue 16: NPS responses by week, KPI alert state ------------------------------------------------------
#   NPS#{order} / NPS     one order's NPS answer (score, at); gsi1pk = NPSWEEK#{week}, gsi1sk = at
#   KPI#{name} / KPI      whether that KPI is past its threshold (an alert goes out once per breach)


def nps_week(week: str) -> str:
    return f"NPSWEEK#{week}"


def nps_scores(week: str) -> list[int]:
    """The NPS answers given in the week: one Query of its bucket."""
    return [int(i["score"]) for i in _bucket(nps_week(week), "score, #s") if "score" in i]


def kpi_breached(kpi: str, breached: bool, week: str, now: datetime) -> bool:
    """Record that `kpi` is (or is no longer) past its threshold; True only when this changes it into a
    breach (then the team is alerted: once per breach, however often the week's report runs)."""
    condition = "attribute_not_exists(breached) OR breached = :no" if breached else "breached = :yes"
    try:
        client().update_item(
            TableName=table_name(),
            Key=to_item({"pk": f"KPI#{kpi}", "sk": "KPI"}),
            UpdateExpression="SET breached = :state, week = :week, changed_at = :now, #t = :type",
            ConditionExpression=condition,
            ExpressionAttributeNames={"#t": "type"},
            ExpressionAttributeValues=to_item(
                {":state": breached, ":week": week, ":now": iso(now), ":type": "kpi_state"}
                | ({":no": False} if breached else {":yes": True})
            ),
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return breached
