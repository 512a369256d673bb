"""The DynamoDB table: client created once per container, item (de)serialisation, key shapes.

Single-table design; docs/data-model.md lists every access pattern. Keys ({n}: the order number as its
domain.order_numbers token, so `ZAM/2026/1` is `ORDER#ZAM~2F2026~2F1`; a number made only of letters,
digits, `-`, `_` and `.` is its own token):
  ORDER#{n} / ORDER                 the order (shop fields + our state)
  ORDER#{n} / T#{at}#{kind}#{ref}  a timeline entry
  ORDER#{n} / MSG#{id}             an outbox message (GSI queue: queue="outbox", due_at while pending)
  ORDER#{n} / OPENTICKET#{cat}     the one open ticket of that category on that order
  TICKET#{id} / TICKET             a ticket
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from zwrotnica import aws
from zwrotnica.domain import order_numbers
from zwrotnica.settings import get_settings

OUTBOX_QUEUE = "outbox"
SLA_QUEUE = "sla"

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


@lru_cache(maxsize=1)
def client() -> Any:
    """One client per container, with short timeouts and one retry (zwrotnica.aws): a stalled DynamoDB
    is a 503 within seconds, never a webhook hanging until the Lambda's timeout."""
    return aws.client("dynamodb", aws.DYNAMODB)


def table_name() -> str:
    return get_settings().table_name


ORDER_PREFIX = "ORDER#"


def queue_index() -> str:
    """The sparse due index (queue, due_at): keys only, so what is due is read by key after the query."""
    return get_settings().queue_index


def lookup_index() -> str:
    """The index of second identities and week buckets (gsi1pk, gsi1sk): keys, and the few attributes
    of a message the report and the dashboard count (template.yaml)."""
    return get_settings().lookup_index


def order_pk(number: str) -> str:
    """The order's partition: its number as a token (ValueError for text that is no order number)."""
    return f"{ORDER_PREFIX}{order_numbers.encode(number)}"


def order_number_of(pk: str) -> str:
    """The order number an `ORDER#` partition key names, written with or without the token encoding."""
    return order_numbers.from_key(pk.removeprefix(ORDER_PREFIX))


def to_item(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in data.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(_deserializer.deserialize(v)) for k, v in item.items()}


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; ours are all integers (grosze, counts, epochs)."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def query_due(queue: str, now_iso: str, limit: int) -> tuple[list[dict[str, Any]], bool]:
    """Items of a queue whose time has come, oldest first; reads grow with what is due, not with all.
    The index holds keys only: the items are read by key, consistently, and an item that left the queue
    or moved its time since the index saw it is not returned (the next sweep sees its new time)."""
    page = client().query(
        TableName=table_name(),
        IndexName=queue_index(),
        KeyConditionExpression="#q = :q AND due_at <= :now",
        ExpressionAttributeNames={"#q": "queue"},
        ExpressionAttributeValues=to_item({":q": queue, ":now": now_iso}),
        Limit=limit,
    )
    keys = [keys_of(item) for item in page.get("Items", [])]
    found = [
        i
        for i in batch_get(keys, consistent=True)
        if i.get("queue") == queue and str(i.get("due_at") or "~") <= now_iso
    ]
    return sorted(found, key=lambda i: i["due_at"]), "LastEvaluatedKey" in page


def keys_of(item: dict[str, Any]) -> dict[str, Any]:
    """The table key of an item as an index returned it (typed form)."""
    return {"pk": item["pk"], "sk": item["sk"]}


def pages(params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every item a query finds, page after page."""
    while True:
        page = client().query(**params)
        yield from (from_item(item) for item in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def query_keys(params: dict[str, Any]) -> list[dict[str, Any]]:
    """Every table key a query finds (all pages), in its order, typed: for `batch_get`."""
    found = pages(params | {"TableName": table_name(), "ProjectionExpression": "pk, sk"})
    return [to_item({"pk": item["pk"], "sk": item["sk"]}) for item in found]


def queue_keys(queue: str) -> list[dict[str, Any]]:
    """The keys of every item in one queue of the due index, due or not (the dashboard's lists)."""
    return query_keys(
        {
            "IndexName": queue_index(),
            "KeyConditionExpression": "#q = :q",
            "ExpressionAttributeNames": {"#q": "queue"},
            "ExpressionAttributeValues": to_item({":q": queue}),
        }
    )


BATCH = 100  # BatchGetItem's limit per request
BATCH_TRIES = 5


def batch_get(
    keys: list[dict[str, Any]],
    *,
    fields: str | None = None,
    names: dict[str, str] | None = None,
    consistent: bool = False,
) -> list[dict[str, Any]]:
    """Items by key (typed keys, e.g. from an index), each once, in the keys' order; missing ones are
    left out.
    `fields`: a projection (names through #placeholders in `names`). Keys DynamoDB leaves unprocessed
    (throttling) are asked again; still unprocessed after BATCH_TRIES: an error, not a silent gap."""
    unique = list({(k["pk"]["S"], k["sk"]["S"]): k for k in keys}.values())
    request: dict[str, Any] = {"ConsistentRead": consistent}
    if fields:
        request["ProjectionExpression"] = f"pk, sk, {fields}"
        if names:
            request["ExpressionAttributeNames"] = names
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for start in range(0, len(unique), BATCH):
        pending = {table_name(): request | {"Keys": unique[start : start + BATCH]}}
        for _ in range(BATCH_TRIES):
            answer = client().batch_get_item(RequestItems=pending)
            for item in answer.get("Responses", {}).get(table_name(), []):
                found[(item["pk"]["S"], item["sk"]["S"])] = from_item(item)
            pending = answer.get("UnprocessedKeys") or {}
            if not pending:
                break
        if pending:
            raise RuntimeError("BatchGetItem left keys unprocessed after retries")
    return [found[key] for k in unique if (key := (k["pk"]["S"], k["sk"]["S"])) in found]


_PLAIN = {"Put": "put_item", "Update": "update_item", "Delete": "delete_item"}


def write_one(item: dict[str, Any]) -> bool:
    """One Put/Update/Delete item (as store.items builds it) as a plain conditional write: False when
    its condition failed (a sweeper's lease lost to another sweep, an item that left its queue)."""
    ((op, body),) = item.items()
    try:
        getattr(client(), _PLAIN[op])(**body)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True
