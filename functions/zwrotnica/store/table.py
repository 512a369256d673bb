"""The DynamoDB table: client created once per container, item (de)serialisation, key shapes.

Single-table design; docs/data-model.md lists every access pattern. Keys:
  ORDER#{n} / ORDER                 the order (shop fields + our state)
  ORDER#{n} / T#{at}#{kind}#{ref}  a timeline entry
  ORDER#{n} / MSG#{id}             an outbox message (GSI queue: queue="outbox", due_at while pending)
  ORDER#{n} / OPENTICKET#{cat}     the one open ticket of that category on that order
  TICKET#{id} / TICKET             a ticket
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from zwrotnica import aws
from zwrotnica.settings import get_settings

QUEUE_INDEX = "queue-due"
LOOKUP_INDEX = "lookup"
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


def order_pk(number: str) -> str:
    return f"ORDER#{number}"


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
    """Items of a queue whose time has come, oldest first; reads grow with what is due, not with all."""
    page = client().query(
        TableName=table_name(),
        IndexName=QUEUE_INDEX,
        KeyConditionExpression="#q = :q AND due_at <= :now",
        ExpressionAttributeNames={"#q": "queue"},
        ExpressionAttributeValues=to_item({":q": queue, ":now": now_iso}),
        Limit=limit,
    )
    return [from_item(item) for item in page.get("Items", [])], "LastEvaluatedKey" in page


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
