"""Attempt counters per key and hour (lookups by order number): one atomic write, purged by TTL."""

from __future__ import annotations

from datetime import datetime, timedelta

from zwrotnica.store.table import client, table_name, to_item


def hit(scope: str, key: str, now: datetime) -> int:
    """Count one attempt in the current hour and return the count so far."""
    bucket = now.strftime("%Y%m%d%H")
    answer = client().update_item(
        TableName=table_name(),
        Key=to_item({"pk": f"ATTEMPTS#{scope}#{key}", "sk": bucket}),
        UpdateExpression="ADD n :one SET expires_at = if_not_exists(expires_at, :ttl)",
        ExpressionAttributeValues=to_item({":one": 1, ":ttl": int((now + timedelta(hours=2)).timestamp())}),
        ReturnValues="UPDATED_NEW",
    )
    return int(answer["Attributes"]["n"]["N"])
