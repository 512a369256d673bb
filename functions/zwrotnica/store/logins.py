"""Single-use sign-in links for the team dashboard: one item per link, taken by a conditional delete.

LOGIN#{nonce} / LOGIN    email (the team member's), expires_at (TTL: DynamoDB drops it after expiry)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from zwrotnica.models.common import iso
from zwrotnica.store.table import client, from_item, table_name, to_item


def _key(nonce: str) -> dict[str, Any]:
    return to_item({"pk": f"LOGIN#{nonce}", "sk": "LOGIN"})


def create(nonce: str, email: str, expires: datetime, now: datetime) -> None:
    """One PutItem; a nonce is random (128 bits), the condition only guards against a freak repeat."""
    item = {
        "pk": f"LOGIN#{nonce}",
        "sk": "LOGIN",
        "type": "login",
        "email": email,
        "created_at": iso(now),
        "expires_at": int(expires.timestamp()),
    }
    client().put_item(
        TableName=table_name(), Item=to_item(item), ConditionExpression="attribute_not_exists(pk)"
    )


def consume(nonce: str, now: datetime) -> str | None:
    """The link's e-mail address, once: a DeleteItem conditional on the item still being there and
    unexpired. A second use (or an expired, unknown link) gets None; two racing uses, one winner."""
    try:
        answer = client().delete_item(
            TableName=table_name(),
            Key=_key(nonce),
            ConditionExpression="attribute_exists(pk) AND expires_at > :now",
            ExpressionAttributeValues=to_item({":now": int(now.timestamp())}),
            ReturnValues="ALL_OLD",
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return None
        raise
    return from_item(answer.get("Attributes") or {}).get("email")
