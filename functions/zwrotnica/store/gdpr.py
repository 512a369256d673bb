"""A data subject's items (RODO requests, operator CLI `gdpr export|erase EMAIL`): found, read, changed.

Finding a customer's orders by e-mail is a **paginated Scan** (docs/data-model.md, pattern 18). There is
no e-mail index on purpose: no other path reads by e-mail, and an index would be one more copy of every
customer's address. The Scan reads the whole table once: every item is billed, filtered or not (about
0.5 read unit per 4 KB read with eventually consistent reads, e.g. ~130,000 units, a few cents, for a
1 GB table) and it takes about one round trip per MB. Fine for a rare operator command; never use it in
a request path. The filter returns only the orders of that address (e-mail compared as given and in
lower case: the shop's spelling is stored unchanged) and every ticket's id and order number, never
another customer's personal data: the projection has no personal field at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from zwrotnica.store.table import client, from_item, order_number_of, order_pk, table_name, to_item

_PATH_PART = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)((?:\[\d+\])*)$")


@dataclass
class Found:
    """Order numbers with that e-mail, their tickets, and what the Scan cost."""

    orders: list[str] = field(default_factory=list)
    tickets: list[str] = field(default_factory=list)
    pages: int = 0
    scanned: int = 0


def find(email: str) -> Found:
    """One pass over the table (paginated Scan): the orders of this address and the tickets on them."""
    wanted = sorted({email.strip(), email.strip().lower()})
    emails = {f":e{i}": address for i, address in enumerate(wanted)}
    params: dict[str, Any] = {
        "TableName": table_name(),
        "FilterExpression": f"(#t = :order AND #e IN ({', '.join(emails)}))"
        " OR (#t = :ticket AND attribute_exists(order_number))",
        "ProjectionExpression": "pk, #t, #n, order_number, ticket_id",
        "ExpressionAttributeNames": {"#t": "type", "#e": "email", "#n": "number"},
        "ExpressionAttributeValues": to_item(emails | {":order": "order", ":ticket": "ticket"}),
    }
    found = Found()
    tickets: list[tuple[str, str]] = []
    while True:
        page = client().scan(**params)
        found.pages += 1
        found.scanned += page.get("ScannedCount", 0)
        for item in (from_item(i) for i in page.get("Items", [])):
            if item.get("type") == "order":
                found.orders.append(str(item.get("number") or order_number_of(item["pk"])))
            else:
                tickets.append((item["ticket_id"], item["order_number"]))
        if "LastEvaluatedKey" not in page:
            break
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    found.orders.sort()
    mine = set(found.orders)
    found.tickets = sorted(ticket for ticket, number in tickets if number in mine)
    return found


def partition(number: str) -> list[dict[str, Any]]:
    """Every item of an order's partition (pattern 1, all pages)."""
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": to_item({":pk": order_pk(number)}),
        "ConsistentRead": True,
    }
    while True:
        page = client().query(**params)
        items += [from_item(i) for i in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            return items
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _path(path: str, names: dict[str, str]) -> str:
    """`delivery.city` -> `#a0.#a1`, `notes[2].text` -> `#a2[2].#a3` (every name through #names)."""
    out = []
    for part in path.split("."):
        match = _PATH_PART.match(part)
        if not match:
            raise ValueError(f"not an attribute path: {path}")
        alias = f"#a{len(names)}"
        names[alias] = match.group(1)
        out.append(alias + match.group(2))
    return ".".join(out)


def change(pk: str, sk: str, changes: dict[str, Any]) -> bool:
    """Set (or, for None, remove) attribute paths of an existing item. False when the item is gone."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    sets, removes = [], []
    for path, value in changes.items():
        target = _path(path, names)
        if value is None:
            removes.append(target)
        else:
            values[f":v{len(values)}"] = value
            sets.append(f"{target} = :v{len(values) - 1}")
    clauses = [("SET", sets), ("REMOVE", removes)]
    expression = " ".join(f"{verb} {', '.join(parts)}" for verb, parts in clauses if parts)
    params: dict[str, Any] = {
        "TableName": table_name(),
        "Key": to_item({"pk": pk, "sk": sk}),
        "UpdateExpression": expression,
        "ConditionExpression": "attribute_exists(pk)",
        "ExpressionAttributeNames": names,
    }
    if values:
        params["ExpressionAttributeValues"] = to_item(values)
    try:
        client().update_item(**params)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def delete_pending(pk: str, sk: str) -> bool:
    """Delete a message that was never sent. False when it was sent (or claimed away) meanwhile."""
    try:
        client().delete_item(
            TableName=table_name(),
            Key=to_item({"pk": pk, "sk": sk}),
            ConditionExpression="#s = :pending",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues=to_item({":pending": "pending"}),
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True
