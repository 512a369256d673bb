"""Every inbound event kept for replay (docs/data-model.md, the event log): item builders and reads.

INBOUND#{yyyy-mm-dd} / EVT#{id}   one event as it came in (UTC day of receipt): its verification verdict,
                                  what it caused, the canonical event; gsi1pk = the parcel
                                  (INBOUND#SHIP#{carrier}#{tracking}), the order (INBOUND#ORDER#{n}) or the
                                  payment (INBOUND#PAY#{provider}:{id}), gsi1sk = id; TTL `expires_at`

`id` = `20261010T101112Z-3f9a1c2b`: the receipt time (sortable; it names the day partition, so one id is
one GetItem) and 8 hex digits of SHA-256 of the source and the event's own key (or the body). Personal data:
no more than the state holds. The raw body is kept only where it carries none (InPost ShipX, the generic
tracking event, up to BODY_MAX bytes); elsewhere the canonical event (ids, codes, amounts: what the state
already holds, trimmed `raw`) and the body's hash.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from zwrotnica.models.common import iso
from zwrotnica.store import items
from zwrotnica.store.table import batch_get, client, from_item, keys_of, lookup_index, table_name, to_item

REFUSED_DAYS = 7  # a refused delivery: kept a week (forged requests must not fill the table)
BODY_MAX = 8 * 1024  # a body kept for a replay: ShipX and generic tracking events are a few hundred bytes
CAUSED_MAX = 20


@dataclass(frozen=True)
class Inbound:
    """One inbound event as the edge (or the poller) saw it, before anything was decided."""

    source: str  # inpost, aftership, generic, dpd_api, dhl_api, ..., woocommerce, shoper, payu, przelewy24
    channel: str  # webhook, poll, queue, replay
    verdict: str  # verified, carrier_api, operator; refused: bad_signature, bad_token, source_ip, malformed
    received_at: datetime
    key: str  # what makes the event itself: its event key, else the body's hash
    kind: str = "tracking"  # tracking, payment, refund, order
    lookup: str | None = None  # gsi1pk: the parcel; None: the order, once known, else `fallback`
    order_number: str | None = None
    fallback: str | None = None  # a payment no order claims (yet): found by the provider's id
    event: str | None = None  # the canonical event as JSON (no personal data), for a replay
    body: str | None = None  # the raw body, only for sources whose body holds no personal data
    body_sha256: str = ""
    body_bytes: int = 0
    http_status: int | None = None  # a refused delivery's answer
    replay_of: str | None = None
    batch: str | None = None  # DPD: a hash of the queue batch's confirmId

    @property
    def id(self) -> str:
        digest = hashlib.sha256(f"{self.source}\n{self.key}".encode()).hexdigest()[:8]
        return f"{self.received_at.astimezone(UTC):%Y%m%dT%H%M%SZ}-{digest}"

    def about_order(self, number: str | None) -> Inbound:
        """The order the flow found the event to be about (a courier event's order, a payment's)."""
        return replace(self, order_number=number) if number else self

    @property
    def gsi1pk(self) -> str | None:
        if self.lookup:
            return self.lookup
        return order_lookup(self.order_number) if self.order_number else self.fallback


def with_body(body: bytes, keep: bool) -> dict[str, Any]:
    """The body's fingerprint, and the body itself where it may be kept (`keep`) and is small enough."""
    fields: dict[str, Any] = {"body_sha256": hashlib.sha256(body).hexdigest(), "body_bytes": len(body)}
    if keep and len(body) <= BODY_MAX:
        with contextlib.suppress(UnicodeDecodeError):  # not text: the hash only
            fields["body"] = body.decode("utf-8")
    return fields


def parcel_lookup(carrier: str, number: str) -> str:
    return f"INBOUND#SHIP#{carrier}#{number}"


def order_lookup(number: str) -> str:
    return f"INBOUND#ORDER#{number}"


def payment_lookup(provider: str, payment_id: str) -> str:
    return f"INBOUND#PAY#{provider}:{payment_id}"


def day_of(event_id: str) -> str:
    """The day partition an id lives in (ValueError for text that is not an id)."""
    moment = datetime.strptime(event_id.split("-", 1)[0], "%Y%m%dT%H%M%SZ")
    return f"{moment:%Y-%m-%d}"


def entry(record: Inbound, outcome: str, caused: list[str], days: int) -> dict[str, Any]:
    """The log item. Its condition fails only for the same event received again within the same second
    (the same id): the first record, with what it caused, stays (guard OPTIONAL where it rides a commit)."""
    refused = record.http_status is not None and record.http_status >= 400
    keep = timedelta(days=REFUSED_DAYS if refused else days)
    data = {
        "pk": f"INBOUND#{record.received_at.astimezone(UTC):%Y-%m-%d}",
        "sk": f"EVT#{record.id}",
        "type": "inbound_event",
        "id": record.id,
        "gsi1pk": record.gsi1pk,
        "gsi1sk": record.id if record.gsi1pk else None,
        "received_at": iso(record.received_at),
        "source": record.source,
        "channel": record.channel,
        "verdict": record.verdict,
        "kind": record.kind,
        "outcome": outcome,
        "caused": caused[:CAUSED_MAX] or None,
        "order_number": record.order_number,
        "event": record.event,
        "body": record.body,
        "body_sha256": record.body_sha256 or None,
        "body_bytes": record.body_bytes or None,
        "http_status": record.http_status,
        "replay_of": record.replay_of,
        "batch": record.batch,
        "expires_at": int((record.received_at + keep).timestamp()),
    }
    return items.put(data, condition="attribute_not_exists(sk)")


def get(event_id: str) -> dict[str, Any] | None:
    found = client().get_item(
        TableName=table_name(),
        Key=items.key(f"INBOUND#{day_of(event_id)}", f"EVT#{event_id}"),
        ConsistentRead=True,
    )
    return from_item(found["Item"]) if "Item" in found else None


def by_lookup(lookup: str, limit: int = 200) -> list[dict[str, Any]]:
    """A parcel's, an order's or a payment's events, oldest first (one Query on the lookup index)."""
    page = client().query(
        TableName=table_name(),
        IndexName=lookup_index(),  # keys (and a message's few fields) only: the events are read by key
        KeyConditionExpression="gsi1pk = :k",
        ExpressionAttributeValues=to_item({":k": lookup}),
        Limit=limit,
    )
    return batch_get([keys_of(i) for i in page.get("Items", [])])


def since(moment: datetime, now: datetime, limit: int = 500) -> list[dict[str, Any]]:
    """Events received from `moment` to `now`, oldest first: one Query per day partition (paged)."""
    found: list[dict[str, Any]] = []
    first = moment.astimezone(UTC)
    start = f"EVT#{first:%Y%m%dT%H%M%SZ}"
    day = first.date()
    while day <= now.astimezone(UTC).date() and len(found) < limit:
        query: dict[str, Any] = {
            "TableName": table_name(),
            "KeyConditionExpression": "pk = :pk AND sk >= :from",
            "ExpressionAttributeValues": to_item({":pk": f"INBOUND#{day:%Y-%m-%d}", ":from": start}),
        }
        while len(found) < limit:
            page = client().query(**query, Limit=limit - len(found))
            found += [from_item(i) for i in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                break
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        day += timedelta(days=1)
        start = "EVT#"
    return found


def canonical(model: Any) -> str:
    """A pydantic event as stored (the same JSON the held events use)."""
    return json.dumps(model.model_dump(mode="json"), ensure_ascii=False)
