"""An order's payment state: one read, one transaction per notification; held notifications.

ORDER#{n} / ORDER                          payment_status, payment_provider, payment_id, paid_amount,
                                           refunds (map: key -> amount, status, provider, refund_id),
                                           payment_rev (optimistic lock); queue "payment_unpaid" /
                                           due_at from a failed or mismatched payment until it is paid
ORDER#{n} / PAYEVENT#{provider}#{key}      idempotency marker, written in the state change's transaction
                                           (TTL 7 days: PayU retries for 72 h, P24 for 12 h)
UNMATCHED#PAY#{n} / EVT#{key}              a notification for an order we do not know yet (TTL 30 days);
                                           queue "payment_grace" / due_at until its grace period ends
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
from zwrotnica.store.table import (
    cancellation_codes,
    client,
    from_item,
    order_pk,
    query_due,
    table_name,
    to_item,
)

GRACE_QUEUE = "payment_grace"  # held notifications: a finance ticket if still unmatched when due
UNPAID_QUEUE = "payment_unpaid"  # orders: a finance ticket if still unpaid when due
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


def write(
    decision: PaymentDecision,
    old: PaymentState,
    marker: tuple[str, str],
    now: datetime,
    unpaid_due: datetime | None = None,
) -> bool:
    """State change, marker, timeline and outbox, all or nothing. False: the marker (or a timeline line
    of the same cause) exists, so this notification was applied before. ConcurrentUpdate: another
    writer changed the payment state since `old` was read. `unpaid_due`: when the decision starts the
    unpaid watch, the order joins the unpaid queue then (an earlier due time already set is kept); a
    paid state takes it out of the queue in the same update."""
    number = old.order_number
    watch = unpaid_due if decision.unpaid_watch else None
    changed = decision.state != old or watch is not None
    items = [_update(decision.state, old.rev, now, watch)] if changed else []
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
    items += [outbox.put_new(message, inline=True) for message in decision.messages]
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


def _update(
    state: PaymentState, seen_rev: int, now: datetime, unpaid_due: datetime | None = None
) -> dict[str, Any]:
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
    queue = ""
    if state.paid:  # paid: the unpaid watch ends (a no-op when the order was not on it)
        queue = " REMOVE #q, #d"
    elif unpaid_due is not None:  # if_not_exists: a second failure does not push the ticket further away
        sets += ", #q = if_not_exists(#q, :unpaid_q), #d = if_not_exists(#d, :unpaid_due)"
        values |= {":unpaid_q": UNPAID_QUEUE, ":unpaid_due": iso(unpaid_due)}
    update: dict[str, Any] = {
        "TableName": table_name(),
        "Key": to_item({"pk": order_pk(state.order_number), "sk": "ORDER"}),
        "UpdateExpression": "SET " + sets + queue,
        "ConditionExpression": condition,
        "ExpressionAttributeValues": to_item(values),
    }
    if state.paid or unpaid_due is not None:
        update["ExpressionAttributeNames"] = {"#q": "queue", "#d": "due_at"}
    return {"Update": update}


def hold(number: str, event: PaymentEvent | RefundEvent, now: datetime, due: datetime | None = None) -> bool:
    """Keep a notification for an order that has not arrived yet. False when it was already held.
    `due`: the end of its grace period (grace queue); claiming it when the order comes deletes it."""
    item = {
        "pk": f"UNMATCHED#PAY#{number}",
        "sk": f"EVT#{event.event_key}",
        "type": "unmatched_payment",
        "kind": "refund" if isinstance(event, RefundEvent) else "payment",
        "event": json.dumps(event.model_dump(mode="json"), ensure_ascii=False),
        "received_at": iso(now),
        "expires_at": int((now + HELD_TTL).timestamp()),
    }
    if due is not None:
        item |= {"queue": GRACE_QUEUE, "due_at": iso(due)}
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
    return [(i["sk"], held_event(i)) for i in items]


def release(number: str, sk: str) -> None:
    client().delete_item(TableName=table_name(), Key=to_item({"pk": f"UNMATCHED#PAY#{number}", "sk": sk}))


# --- The sweeper's payment queues (docs/data-model.md pattern 17) -----------------------------------
def due(queue: str, now: datetime, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """Held notifications past their grace period, or orders past their unpaid period: sparse index."""
    return query_due(queue, iso(now), limit)


def held_event(item: dict[str, Any]) -> PaymentEvent | RefundEvent:
    model = RefundEvent if item.get("kind") == "refund" else PaymentEvent
    return model.model_validate_json(item["event"])


def claim(item: dict[str, Any], lease_until: datetime) -> bool:
    """Take a due item for this sweep only, like store.outbox.claim: conditional on the due time read, so
    an overlapping sweep loses (False), and so does an item that left the queue meanwhile (an order
    paid, a held notification claimed by its order). If the sweep dies, the lease runs out and the next
    sweep takes it again."""
    return _queue_write(item, "SET #d = :lease", item["due_at"], {":lease": iso(lease_until)})


def finish(item: dict[str, Any], lease_until: datetime, done: dict[str, Any]) -> bool:
    """Out of the queue after the sweep did its part (`done`: what to record), if it still holds it."""
    sets = ", ".join(f"#{k} = :{k}" for k in done)
    values = {f":{k}": v for k, v in done.items()}
    names = {f"#{k}": k for k in done}
    expr = ("SET " + sets + " " if sets else "") + "REMOVE #q, #d"
    return _queue_write(item, expr, iso(lease_until), values, names)


def drop(item: dict[str, Any]) -> bool:
    """Out of the queue with nothing to do (the order was paid or cancelled after all)."""
    return _queue_write(item, "REMOVE #q, #d", item["due_at"], {})


def _queue_write(
    item: dict[str, Any],
    expression: str,
    seen_due: str,
    values: dict[str, Any],
    names: dict[str, str] | None = None,
) -> bool:
    try:
        client().update_item(
            TableName=table_name(),
            Key=to_item({"pk": item["pk"], "sk": item["sk"]}),
            UpdateExpression=expression,
            ConditionExpression="#q = :queue AND #d = :seen",
            ExpressionAttributeNames={"#q": "queue", "#d": "due_at"} | (names or {}),
            ExpressionAttributeValues=to_item(values | {":queue": item["queue"], ":seen": seen_due}),
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True
