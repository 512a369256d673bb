"""Sweeper scaling: read units and wall time to find the due tickets among 1k / 10k / 100k open ones.

1 % of the tickets are due. A Scan would read every ticket; the sparse `due` index reads only the due
ones (their keys; the tickets themselves are then read by key), so the read cost per due ticket stays
flat as the number of open tickets grows.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

SIZES = tuple(
    int(n)
    for n in (
        os.environ.get("BENCH_SWEEPER_SIZES") or os.environ.get("BENCH_SWEEP_SIZES") or "1000,10000"
    ).split(",")
)  # add 100000 for the 100k row (about a minute in moto: its index queries walk the whole table)


def _fill(client, table: str, total: int, now: datetime) -> None:
    from zwrotnica.models.common import iso

    due_every = 100  # 1 % due
    batch = []
    for i in range(total):
        due = now - timedelta(minutes=5) if i % due_every == 0 else now + timedelta(hours=1 + i % 500)
        batch.append(
            {
                "PutRequest": {
                    "Item": {
                        "pk": {"S": f"TICKET#B{i:07d}"},
                        "sk": {"S": "TICKET"},
                        "type": {"S": "ticket"},
                        "queue": {"S": "sla"},
                        "due_at": {"S": iso(due)},
                        "ticket_id": {"S": f"B{i:07d}"},
                        "subject": {"S": "Paczka nie dotarła"},
                        "team": {"S": "logistics"},
                    }
                }
            }
        )
        if len(batch) == 25:
            client.batch_write_item(RequestItems={table: batch})
            batch = []
    if batch:
        client.batch_write_item(RequestItems={table: batch})


def scaling(counter) -> list[dict]:
    """Fresh moto per size; returns read units and time spent finding the due tickets."""
    from moto import mock_aws

    from infra import template
    from infra.local import bootstrap
    from zwrotnica.models.common import iso
    from zwrotnica.store import tickets
    from zwrotnica.store.table import client

    rows = []
    for size in SIZES:
        with mock_aws():
            os.environ.update(template.environment(bootstrap.bootstrap()))
            client.cache_clear()
            ddb = client()
            counter.attach(ddb)
            now = datetime.now(UTC)
            _fill(ddb, os.environ["TABLE_NAME"], size, now)
            counter.reset()
            started = time.perf_counter()
            found, more, pages = 0, True, 0
            while more:
                items, more = tickets.due(iso(now), 100)
                found += len(items)
                pages += 1
                # the sweep moves each due ticket on; simulate that so the next page is the next due ones
                for item in items:
                    ddb.update_item(
                        TableName=os.environ["TABLE_NAME"],
                        Key={"pk": {"S": item["pk"]}, "sk": {"S": "TICKET"}},
                        UpdateExpression="REMOVE #q, due_at",
                        ExpressionAttributeNames={"#q": "queue"},
                    )
            elapsed = time.perf_counter() - started
            queries = counter.calls.get("Query", 0)
            rows.append(
                {
                    "open": size,
                    "due": found,
                    "queries": queries,
                    "items_read": counter.items_read,
                    "read_per_due": counter.items_read / max(found, 1),
                    "ms": elapsed * 1000,
                }
            )
            client.cache_clear()
    return rows
