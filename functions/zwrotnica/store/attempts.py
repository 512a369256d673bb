"""Attempt counters per key and hour (failed lookups by order number and by client, team sign-in links):
one atomic write, purged by TTL. A lookup is counted when it starts (so the limit holds however many run
at once) and forgiven when its proof matched: what stays counted are the failures."""

from __future__ import annotations

from datetime import datetime, timedelta

from zwrotnica.store.table import client, table_name, to_item

# Keys already over their limit this hour, remembered by this container: a blocked client (10,000
# guessed order numbers) costs one write per container and hour, not one per request.
_over: set[tuple[str, str, str]] = set()
_OVER_MAX = 50_000


def _bucket(now: datetime) -> str:
    return now.strftime("%Y%m%d%H")


def hit(scope: str, key: str, now: datetime, by: int = 1) -> int:
    """Count one attempt (`by`: -1 forgives one) in the current hour and return the count so far."""
    answer = client().update_item(
        TableName=table_name(),
        Key=to_item({"pk": f"ATTEMPTS#{scope}#{key}", "sk": _bucket(now)}),
        UpdateExpression="ADD n :one SET expires_at = if_not_exists(expires_at, :ttl)",
        ExpressionAttributeValues=to_item({":one": by, ":ttl": int((now + timedelta(hours=2)).timestamp())}),
        ReturnValues="UPDATED_NEW",
    )
    return int(answer["Attributes"]["n"]["N"])


def attempt(scope: str, key: str, limit: int, now: datetime) -> int:
    """Count one attempt and return the count so far; once it passed `limit` this hour, `limit + 1`
    without another write (this container remembers the key for the hour)."""
    seen = (scope, key, _bucket(now))
    if seen in _over:
        return limit + 1
    count = hit(scope, key, now)
    if count > limit:
        if len(_over) >= _OVER_MAX:
            _over.clear()
        _over.add(seen)
    return count


def allow(scope: str, key: str, limit: int, now: datetime) -> bool:
    """Count one attempt; False once more than `limit` were made this hour (then no more writes here)."""
    return attempt(scope, key, limit, now) <= limit


def forgive(scope: str, key: str, now: datetime) -> None:
    """Take back one attempt of this hour: it succeeded (a proof that matched is not a failure)."""
    hit(scope, key, now, by=-1)


def forget() -> None:
    """Drop what this container remembers (tests start every case from an empty table)."""
    _over.clear()
