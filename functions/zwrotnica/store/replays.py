"""Message ids of signed requests, remembered for longer than their replay window (issue 12).

A Standard Webhooks signature covers id, timestamp and body, and a timestamp outside ±5 minutes is
refused anyway; the marker makes the same message id count once inside that window too, whatever URL it
is sent to. It is written in the same commit as the change the message caused (Guard.DUPLICATE: a second
delivery writes nothing) and names what it was for (`ref`), so a retry of a delivered message can be
answered as such and a reused id is told apart.

  WEBHOOK#{route}#{message id} / WEBHOOK    ref, at; TTL `expires_at`
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from zwrotnica.models.common import iso
from zwrotnica.store import items
from zwrotnica.store.table import client, from_item, table_name, to_item

# Far longer than the ±5 minute window (TTL deletion itself lags by up to two days, which only keeps
# markers longer): one marker per signed decision, a few a day.
REMEMBER = timedelta(days=1)


def _key(route: str, message_id: str) -> dict[str, Any]:
    return {"pk": f"WEBHOOK#{route}#{message_id}", "sk": "WEBHOOK"}


def marker(route: str, message_id: str, ref: str, now: datetime) -> dict[str, Any]:
    """The message's marker (guard it DUPLICATE: a condition failing means it was applied before)."""
    expires = int((now + REMEMBER).timestamp())
    return items.put_new(
        _key(route, message_id) | {"type": "webhook", "ref": ref, "at": iso(now), "expires_at": expires}
    )


def seen(route: str, message_id: str) -> str | None:
    """What the message was applied to (`ref`), if it was (one consistent GetItem)."""
    item = (
        client()
        .get_item(TableName=table_name(), Key=to_item(_key(route, message_id)), ConsistentRead=True)
        .get("Item")
    )
    return str(from_item(item)["ref"]) if item else None
