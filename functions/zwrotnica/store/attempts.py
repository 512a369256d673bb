"""Attempt counters per key and hour (lookups by order number, by client): one atomic write, purged by TTL."""

from __future__ import annotations

from datetime import datetime, timedelta

from zwrotnica.store.table import client, table_name, to_item

# Keys already over their limit this hour, remembered by this container: a blocked client (10,000
# guessed order numbers) costs one write per container and hour, not one per request.
_over: set[tuple[str, str, str]] = set()
_OVER_MAX = 50_000


def _bucket(now: datetime) -> str:
    return now.strftime("%Y%m%d%H")


def hit(scope: str, key: str, now: datetime) -> int:
    """Count one attempt in the current hour and return the count so far."""
    answer = client().update_item(
        TableName=table_name(),
        Key=to_item({"pk": f"ATTEMPTS#{scope}#{key}", "sk": _bucket(now)}),
        UpdateExpression="ADD n :one SET expires_at = if_not_exists(expires_at, :ttl)",
        ExpressionAttributeValues=to_item({":one": 1, ":ttl": int((now + timedelta(hours=2)).timestamp())}),
        ReturnValues="UPDATED_NEW",
    )
    return int(answer["Attributes"]["n"]["N"])


def allow(scope: str, key: str, limit: int, now: datetime) -> bool:
    """Count one attempt; False once more than `limit` were made this hour (then no more writes here)."""
    seen = (scope, key, _bucket(now))
    if seen in _over:
        return False
    if hit(scope, key, now) <= limit:
        return True
    if len(_over) >= _OVER_MAX:
        _over.clear()
    _over.add(seen)
    return False


def forget() -> None:
    """Drop what this container remembers (tests start every case from an empty table)."""
    _over.clear()
