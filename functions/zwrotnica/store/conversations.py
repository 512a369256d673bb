"""Conversations: what a customer's message needs from the table, read in as few round trips as its path
allows, and the items that record it (builders and reads only; docs/data-model.md).

  ORDER#{n} / CONVERSATION            the order's open conversation ticket (its customer writing about it)
  THREAD#{hash} / THREAD              an outside tool's thread (a chat id, POST /tickets) -> its ticket
  SENDER#{mailbox key} / {yyyymmdd}   one sender's day: `mails`, `answers`, `h{HH}` answers in that hour
  MAIL#{key} / UNREAD                 a message that made no ticket message (virus, spam, flood, unreadable)
  TICKET#{id} / MSG#{key}             one message of a ticket's conversation (store.tickets.message)

The first read of every message is one BatchGetItem (`gather`): the orders its numbers name, their open
conversations, the tickets its reply tags name, the sender's counters and the external thread.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from zwrotnica.models.common import iso
from zwrotnica.store import items, table
from zwrotnica.store.orders import CUSTOMER_ORDERS  # the lookup index: a customer's orders by mailbox
from zwrotnica.store.table import (
    client,
    from_item,
    lookup_index,
    order_number_of,
    order_pk,
    table_name,
    to_item,
)

CONVERSATION = "CONVERSATION"
COUNTER_TTL = timedelta(days=2)
MARKER_TTL = timedelta(days=400)  # a dropped or quarantined message: the raw mail's own lifetime
BATCH_TRIES = 5


def _thread_pk(thread: str) -> str:
    return "THREAD#" + hashlib.sha256(thread.encode()).hexdigest()[:32]


def ticket_key(ticket_id: str) -> dict[str, Any]:
    return items.key(f"TICKET#{ticket_id}", "TICKET")


def _counter_key(sender_key: str, day: str) -> dict[str, Any]:
    return items.key(f"SENDER#{sender_key}", day)


@dataclass
class Gathered:
    """What one BatchGetItem found; missing keys are simply absent."""

    orders: dict[str, dict[str, Any]] = field(default_factory=dict)  # number -> order item
    conversations: dict[str, str] = field(default_factory=dict)  # order number -> open ticket id
    tickets: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> ticket item
    counters: dict[str, Any] = field(default_factory=dict)  # the sender's day
    thread_ticket: str | None = None  # the external thread's ticket


def batch_get(keys: list[dict[str, Any]], *, consistent: bool = False) -> list[dict[str, Any]]:
    """Items for up to 100 keys in one round trip (more only for keys DynamoDB left unprocessed).
    `consistent`: after a lost race, read what the winner wrote."""
    unique = list({_key_text(k): k for k in keys}.values())
    if not unique:
        return []
    request: dict[str, Any] = {"Keys": unique, "ConsistentRead": consistent}
    found: list[dict[str, Any]] = []
    pending = {table_name(): request}
    for _ in range(BATCH_TRIES):
        answer = client().batch_get_item(RequestItems=pending)
        found += [from_item(i) for i in answer.get("Responses", {}).get(table_name(), [])]
        pending = answer.get("UnprocessedKeys") or {}
        if not pending:
            return found
    raise RuntimeError("BatchGetItem left keys unprocessed")  # throttled: the caller answers 503 / retries


def _key_text(key: dict[str, Any]) -> str:
    return f"{key['pk']['S']}|{key['sk']['S']}"


def gather(
    order_numbers: Iterable[str],
    ticket_ids: Iterable[str],
    sender_key: str | None,
    day: str,
    thread: str | None,
    *,
    consistent: bool = False,
) -> Gathered:
    numbers, ids = list(dict.fromkeys(order_numbers)), list(dict.fromkeys(ticket_ids))
    keys = [items.key(order_pk(n), "ORDER") for n in numbers]
    keys += [items.key(order_pk(n), CONVERSATION) for n in numbers]
    keys += [ticket_key(t) for t in ids]
    if sender_key:
        keys.append(_counter_key(sender_key, day))
    if thread:
        keys.append(items.key(_thread_pk(thread), "THREAD"))
    out = Gathered()
    for item in batch_get(keys, consistent=consistent):
        sk, pk = item["sk"], item["pk"]
        if sk == "ORDER":
            out.orders[str(item.get("number") or order_number_of(pk))] = item
        elif sk == CONVERSATION:
            out.conversations[_number_of(pk, numbers)] = item["ticket_id"]
        elif sk == "TICKET":
            out.tickets[item["ticket_id"]] = item
        elif pk.startswith("SENDER#"):
            out.counters = item
        elif sk == "THREAD":
            out.thread_ticket = item["ticket_id"]
    return out


def _number_of(pk: str, numbers: list[str]) -> str:
    return next((n for n in numbers if order_pk(n) == pk), order_number_of(pk))


def order_context(order_number: str, *, consistent: bool = False) -> Gathered:
    """An order found late (by a tracking number, a case, the sender's last order): the order and its
    open conversation, in one BatchGetItem."""
    keys = [items.key(order_pk(order_number), "ORDER"), items.key(order_pk(order_number), CONVERSATION)]
    out = Gathered()
    for item in batch_get(keys, consistent=consistent):
        if item["sk"] == "ORDER":
            out.orders[order_number] = item
        else:
            out.conversations[order_number] = item["ticket_id"]
    return out


def shipment_keys(order_number: str, order: dict[str, Any]) -> list[dict[str, Any]]:
    refs = order.get("shipments") or []
    return [
        items.key(order_pk(order_number), f"SHIPMENT#{r['carrier']}#{r['tracking_number']}")
        for r in refs
        if isinstance(r, dict) and r.get("carrier") and r.get("tracking_number")
    ][:20]


def shipments(order_number: str, order: dict[str, Any]) -> list[dict[str, Any]]:
    """The order's parcels (the shipment items its refs name): one BatchGetItem, none without refs."""
    return batch_get(shipment_keys(order_number, order))


def recent_orders(sender_key: str, since: datetime, limit: int = 3) -> list[dict[str, Any]]:
    """The sender's newest orders placed since `since` (lookup index, newest first; no personal data
    read: the number, from the key the index holds)."""
    page = client().query(
        TableName=table_name(),
        IndexName=lookup_index(),
        KeyConditionExpression="gsi1pk = :k AND gsi1sk >= :since",
        ExpressionAttributeValues=to_item(
            {":k": CUSTOMER_ORDERS + sender_key, ":since": "ORDER#" + iso(since)}
        ),
        ProjectionExpression="pk",
        ScanIndexForward=False,
        Limit=limit,
    )
    return [{"number": order_number_of(from_item(i)["pk"])} for i in page.get("Items", [])]


def customer_orders(sender_key: str, limit: int = 100) -> list[dict[str, Any]]:
    """The customer's orders (totals only, newest first, at most `limit`): what makes them a VIP. The
    lookup index holds keys (template.yaml), so one Query for them, then the totals by key."""
    page = client().query(
        TableName=table_name(),
        IndexName=lookup_index(),
        KeyConditionExpression="gsi1pk = :k",
        ExpressionAttributeValues=to_item({":k": CUSTOMER_ORDERS + sender_key}),
        ProjectionExpression="pk, sk",
        ScanIndexForward=False,
        Limit=limit,
    )
    keys = [{"pk": i["pk"], "sk": i["sk"]} for i in page.get("Items", [])]
    return table.batch_get(keys, fields="#total", names={"#total": "total"}) if keys else []


def case_order(rma: str) -> str | None:
    """The order of a return case (a reply to a case message): its lookup key."""
    page = client().query(
        TableName=table_name(),
        IndexName=lookup_index(),
        KeyConditionExpression="gsi1pk = :k",
        ExpressionAttributeValues=to_item({":k": f"CASE#{rma}"}),
        ProjectionExpression="pk",
    )
    found = [from_item(i)["pk"] for i in page.get("Items", [])]
    return order_number_of(found[0]) if found else None


# --- builders -----------------------------------------------------------------------------------------


def conversation(order_number: str, ticket_id: str) -> dict[str, Any]:
    """The order's open conversation (its condition failing: another message opened one meanwhile)."""
    return items.put_new(
        {"pk": order_pk(order_number), "sk": CONVERSATION, "type": "conversation", "ticket_id": ticket_id}
    )


def external_thread(thread: str, ticket_id: str) -> dict[str, Any]:
    return items.put_new(
        {"pk": _thread_pk(thread), "sk": "THREAD", "type": "external_thread", "ticket_id": ticket_id}
    )


def count(sender_key: str, day: str, hour: int, answered: bool, now: datetime) -> dict[str, Any]:
    """One more mail from the sender today (and one more answer, this hour and today). Never fails."""
    add = {"mails": 1} | ({"answers": 1, f"h{hour:02d}": 1} if answered else {})
    return items.update(
        _counter_key(sender_key, day),
        raw_set=("#expires_at = if_not_exists(#expires_at, :ttl)",),
        add=add,
        names={"#expires_at": "expires_at"},
        values={":ttl": int((now + COUNTER_TTL).timestamp())},
    )


def marker(key: str, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A message that made no ticket message, once (its condition failing: seen before)."""
    return items.put_new(
        {"pk": f"MAIL#{key}", "sk": "UNREAD", "type": "unread_mail", "received": iso(now)}
        | data
        | {"expires_at": int((now + MARKER_TTL).timestamp())}
    )
