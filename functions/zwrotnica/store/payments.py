"""An order's payment state: one read, one transaction per notification; held notifications.

ORDER#{n} / ORDER                          payment_status, payment_provider, payment_id, payment_ref
                                           (the reference the shop's plugin registered), paid_amount,
                                           refunds (map: key -> amount, status, provider, refund_id),
                                           payment_rev (optimistic lock); queue "payment_unpaid" /
                                           due_at from a failed or mismatched payment until it is paid
ORDER#{n} / PAYEVENT#{provider}#{key}      idempotency marker, written in the state change's transaction
                                           (TTL 7 days: PayU retries for 72 h, P24 for 12 h)
ORDER#{n} / PAYATTEMPT#{provider}#{id}     one payment attempt (domain.payments.attempt_record): each
                                           "pay again" is its own, rewritten only by a higher rank
UNMATCHED#PAY#{part} / EVT#{key}           a notification for an order we do not know yet (TTL 30 days);
                                           queue "payment_grace" / due_at until its grace period ends.
                                           {part}: the order number's token; `order_id#{id}` or
                                           `cart_id#{id}` when the plugin named the platform's id; else
                                           `{provider}:{payment id}` (a refund without a reference)
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from zwrotnica.domain import order_numbers
from zwrotnica.domain.payments import PaymentState
from zwrotnica.models.common import iso
from zwrotnica.models.order import is_order_number
from zwrotnica.models.payment import PaymentEvent, RefKind, RefundEvent
from zwrotnica.store import items
from zwrotnica.store.table import client, from_item, order_pk, query_due, table_name, to_item, write_one

GRACE_QUEUE = "payment_grace"  # held notifications: a finance ticket if still unmatched when due
UNPAID_QUEUE = "payment_unpaid"  # orders: a finance ticket if still unpaid when due
MARKER_TTL = timedelta(days=7)
HELD_TTL = timedelta(days=30)
STATE_FIELDS = (
    "number",
    "total",
    "currency",
    "email",
    "payment_status",
    "payment_provider",
    "payment_id",
    "payment_ref",
    "paid_amount",
    "refunds",
    "payment_rev",
    "payment_attempt_started",
    "shop_order_id",
)
HELD_PREFIX = "UNMATCHED#PAY#"


def get_state(number: str) -> dict[str, Any] | None:
    """The order's payment state and what the decision compares against: one consistent GetItem (none
    for a reference that cannot be an order number: no such order)."""
    if not is_order_number(number):
        return None
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


def marker(number: str, provider: str, key: str, now: datetime) -> dict[str, Any]:
    """The notification's idempotency marker: written with the state change it caused, once."""
    return items.put(
        {
            "pk": order_pk(number),
            "sk": f"PAYEVENT#{provider}#{key}",
            "type": "payment_event",
            "received_at": iso(now),
            "expires_at": int((now + MARKER_TTL).timestamp()),
        },
        condition="attribute_not_exists(sk)",
    )


def state_update(
    state: PaymentState, seen_rev: int, now: datetime, unpaid_due: datetime | None = None
) -> dict[str, Any]:
    """The payment fields, conditional on the revision read (none yet: the attribute is absent).
    `unpaid_due`: the order joins the unpaid queue then (an earlier due time already set is kept); a
    paid state takes it out of the queue in the same update."""
    sets: dict[str, Any] = {
        "payment_status": state.status,
        "payment_provider": state.provider,
        "payment_id": state.payment_id,
        "payment_ref": state.payment_ref,
        "paid_amount": state.paid_amount,
        "refunds": {k: dict(v) for k, v in state.refunds.items()},
        "payment_rev": seen_rev + 1,
        "payment_updated_at": iso(now),
    }
    sets = {k: v for k, v in sets.items() if v is not None}
    # The current attempt's start (None removes it: an attempt that does not say when it started)
    sets["payment_attempt_started"] = state.attempt_started
    raw: tuple[str, ...] = ()
    values: dict[str, Any] = {}
    remove: tuple[str, ...] = ()
    if state.paid:  # paid: the unpaid watch ends (a no-op when the order was not on it)
        remove = ("queue", "due_at")
    elif unpaid_due is not None:  # if_not_exists: a second failure does not push the ticket further away
        raw = ("#queue = if_not_exists(#queue, :unpaid_q)", "#due_at = if_not_exists(#due_at, :unpaid_due)")
        values = {":unpaid_q": UNPAID_QUEUE, ":unpaid_due": iso(unpaid_due)}
    condition = "attribute_exists(pk) AND "
    if seen_rev:
        condition += "#payment_rev = :seen"
        values[":seen"] = seen_rev
    else:
        condition += "attribute_not_exists(#payment_rev)"
    return items.update(
        items.key(order_pk(state.order_number), "ORDER"),
        sets,
        remove=remove,
        raw_set=raw,
        condition=condition,
        names={"#queue": "queue", "#due_at": "due_at"} if raw else None,
        values=values,
    )


def attempt(number: str, record: dict[str, Any]) -> dict[str, Any]:
    """One payment attempt of the order, over a lower rank only (guard OPTIONAL: a late or repeated
    notification leaves the attempt as it stands)."""
    return items.put(
        {"pk": order_pk(number), "sk": f"PAYATTEMPT#{record['provider']}#{record['payment_id']}"}
        | {"type": "payment_attempt"}
        | record,
        condition="attribute_not_exists(pk) OR #rank < :rank",
        names={"#rank": "rank"},
        values={":rank": record["rank"]},
    )


def number_part(number: str) -> str:
    """Where notifications naming this order number are held."""
    return order_numbers.encode(number)


def ref_part(kind: RefKind, value: str) -> str:
    """Where notifications naming the platform's id of an order (order_id, cart_id) are held."""
    return f"{kind.value}#{value}"


def held_part(event: PaymentEvent | RefundEvent) -> str:
    """Where this notification is held: under what it names (the number, or the platform's id), or,
    naming nothing an order could have, under the provider's payment id (finance finds it there)."""
    ref = event.order_ref
    if ref and event.order_ref_kind is not RefKind.NUMBER:
        return ref_part(event.order_ref_kind, ref)
    if ref and is_order_number(ref):
        return number_part(ref)
    return f"{event.provider}:{event.provider_payment_id}"


def hold(
    part: str, event: PaymentEvent | RefundEvent, now: datetime, due: datetime | None = None
) -> dict[str, Any]:
    """Keep a notification for an order that has not arrived yet (the condition fails: held already).
    `part`: held_part; `due`: the end of its grace period (grace queue); applying it when the order
    comes deletes it."""
    item = {
        "pk": f"{HELD_PREFIX}{part}",
        "sk": f"EVT#{event.event_key}",
        "type": "unmatched_payment",
        "kind": "refund" if isinstance(event, RefundEvent) else "payment",
        "event": json.dumps(event.model_dump(mode="json"), ensure_ascii=False),
        "received_at": iso(now),
        "expires_at": int((now + HELD_TTL).timestamp()),
    }
    if due is not None:
        item |= {"queue": GRACE_QUEUE, "due_at": iso(due)}
    return items.put(item, condition="attribute_not_exists(sk)")


def held(part: str) -> list[tuple[str, PaymentEvent | RefundEvent]]:
    """Notifications held under this part (number_part, ref_part), oldest first, as (sort key, event):
    one Query."""
    page = client().query(
        TableName=table_name(),
        KeyConditionExpression="pk = :pk AND begins_with(sk, :evt)",
        ExpressionAttributeValues=to_item({":pk": f"{HELD_PREFIX}{part}", ":evt": "EVT#"}),
    )
    found = sorted((from_item(i) for i in page.get("Items", [])), key=lambda i: i["received_at"])
    return [(i["sk"], held_event(i)) for i in found]


def held_item(part: str, sk: str) -> dict[str, Any] | None:
    answer = client().get_item(
        TableName=table_name(), Key=items.key(f"{HELD_PREFIX}{part}", sk), ConsistentRead=True
    )
    return from_item(answer["Item"]) if "Item" in answer else None


def release(part: str, sk: str) -> dict[str, Any]:
    """The held notification was applied to its order: it goes, in the same commit."""
    return items.delete(items.key(f"{HELD_PREFIX}{part}", sk))


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
    return write_one(_in_queue(item, item["due_at"], {"due_at": iso(lease_until)}))


def finish(item: dict[str, Any], lease_until: datetime, done: dict[str, Any]) -> dict[str, Any]:
    """Out of the queue after the sweep did its part (`done`: what to record), if it still holds it
    (its condition failing: another sweep finished it)."""
    return _in_queue(item, iso(lease_until), done, remove=("queue", "due_at"))


def drop(item: dict[str, Any]) -> bool:
    """Out of the queue with nothing to do (the order was paid or cancelled after all)."""
    return write_one(_in_queue(item, item["due_at"], {}, remove=("queue", "due_at")))


def _in_queue(
    item: dict[str, Any], seen_due: str, sets: dict[str, Any], remove: tuple[str, ...] = ()
) -> dict[str, Any]:
    return items.update(
        items.key(item["pk"], item["sk"]),
        sets,
        remove=remove,
        condition="#queue = :queue AND #due_at = :seen",
        names={"#queue": "queue", "#due_at": "due_at"},
        values={":queue": item["queue"], ":seen": seen_due},
    )
