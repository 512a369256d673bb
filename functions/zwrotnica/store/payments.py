"""An order's payment state: one read, one transaction per notification; held notifications.

ORDER#{n} / ORDER                          payment_status, payment_provider, payment_id, paid_amount,
                                           refunds (map: key -> amount, status, provider, refund_id),
                                           payment_rev (optimistic lock)
ORDER#{n} / PAYEVENT#{provider}#{key}      idempotency marker, written in the state change's transaction
                                           (TTL 7 days: PayU retries for 72 h, P24 for 12 h)
UNMATCHED#PAY#{n} / EVT#{key}              a notification for an order we do not know yet (TTL 30 days)
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from zwrotnica.domain.payments import PaymentDecision, PaymentState
from zwrotnica.errors import ConcurrentUpdate
from zwrotnica.models.common import iso
from zwrotnica.models.payment import PaymentEvent, RefundEvent
from zwrotnica.store import outbox
from zwrotnica.store.orders import timeline_put
from zwrotnica.store.table import cancellation_codes, client, from_item, order_pk, table_name, to_item

MARKER_TTL = timedelta(days=7)
HELD_TTL = timedelta(days=30)
NEW = {"ConditionExpression": "attribute_not_exists(sk)"}
STATE_FIELDS = (
    "number",
    "total",
    "currency",
    "email",
    "payment_status",
    "payment_provider",
    "payment_id",
    "paid_amount",
    "refunds",
    "payment_rev",
)


def get_state(number: str) -> dict[str, Any] | None:
    """The order's payment state and what the decision compares against: one consistent GetItem."""
    item = (
        client()
        .get_item(
            TableName=table_name(),
            Key=to_item({"pk": order_pk(number), "sk": "ORDER"}),
            ProjectionExpression=", ".join(f"#{i}" for i in range(len(STATE_FIELDS))),
            ExpressionAttributeNames={f"#{i}": name for i, name in enumerate(STATE_FIELDS)},
            ConsistentRead=True,
        )
        .get("Item")
    )
    return from_item(item) if item else None


def write(decision: PaymentDecision, old: PaymentState, marker: tuple[str, str], now: datetime) -> bool:
    """State change, marker, timeline and outbox, all or nothing. False: the marker (or a timeline line
    of the same cause) exists, so this notification was applied before. ConcurrentUpdate: another
    writer changed the payment state since `old` was read."""
    number = old.order_number
    items = [_update(decision.state, old.rev, now)] if decision.state != old else []
    provider, key = marker
    marker_item = {
        "pk": order_pk(number),
        "sk": f"PAYEVENT#{provider}#{key}",
        "type": "payment_event",
        "received_at": iso(now),
        "expires_at": int((now + MARKER_TTL).timestamp()),
    }
    items.append({"Put": {"TableName": table_name(), "Item": to_item(marker_item), **NEW}})
    items += [timeline_put(number, entry) for entry in decision.timeline]
    items += [outbox.put_new(message) for message in decision.messages]
    try:
        client().transact_write_items(TransactItems=items)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        codes = cancellation_codes(exc)
        if "Update" in items[0] and codes[:1] == ["ConditionalCheckFailed"]:
            raise ConcurrentUpdate(f"payment write lost a race: {codes}") from exc
        if "ConditionalCheckFailed" in codes:
            return False  # the marker, or a timeline line or message of the same cause: a redelivery
        raise
    return True


def _update(state: PaymentState, seen_rev: int, now: datetime) -> dict[str, Any]:
    """The payment fields, conditional on the revision read (none yet: the attribute is absent)."""
    values: dict[str, Any] = {
        ":payment_status": state.status,
        ":payment_provider": state.provider,
        ":payment_id": state.payment_id,
        ":paid_amount": state.paid_amount,
        ":refunds": {k: dict(v) for k, v in state.refunds.items()},
        ":payment_rev": seen_rev + 1,
        ":payment_updated_at": iso(now),
    }
    values = {k: v for k, v in values.items() if v is not None}
    condition = "attribute_exists(pk) AND "
    if seen_rev:
        values[":seen"] = seen_rev
        condition += "payment_rev = :seen"
    else:
        condition += "attribute_not_exists(payment_rev)"
    sets = ", ".join(f"{name[1:]} = {name}" for name in values if name != ":seen")
    return {
        "Update": {
            "TableName": table_name(),
            "Key": to_item({"pk": order_pk(state.order_number), "sk": "ORDER"}),
            "UpdateExpression": "SET " + sets,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": to_item(values),
        }
    }


def hold(number: str, event: PaymentEvent | RefundEvent, now: datetime) -> bool:
    """Keep a notification for an order that has not arrived yet. False when it was already held."""
    item = {
        "pk": f"UNMATCHED#PAY#{number}",
        "sk": f"EVT#{event.event_key}",
        "type": "unmatched_payment",
        "kind": "refund" if isinstance(event, RefundEvent) else "payment",
        "event": json.dumps(event.model_dump(mode="json"), ensure_ascii=False),
        "received_at": iso(now),
        "expires_at": int((now + HELD_TTL).timestamp()),
    }
    try:
        client().put_item(
            TableName=table_name(), Item=to_item(item), ConditionExpression="attribute_not_exists(sk)"
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def held(number: str) -> list[tuple[str, PaymentEvent | RefundEvent]]:
    """Notifications held for this order number, oldest first, as (sort key, event): one Query."""
    page = client().query(
        TableName=table_name(),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :evt)",
        ExpressionAttributeValues=to_item({":pk": f"UNMATCHED#PAY#{number}", ":evt": "EVT#"}),
    )
    items = sorted((from_item(i) for i in page.get("Items", [])), key=lambda i: i["received_at"])
    model = {"refund": RefundEvent, "payment": PaymentEvent}
    return [(i["sk"], model[i["kind"]].model_validate_json(i["event"])) for i in items]


def release(number: str, sk: str) -> None:
    client().delete_item(TableName=table_name(), Key=to_item({"pk": f"UNMATCHED#PAY#{number}", "sk": sk}))
