"""Every inbound event kept for replay: webhooks (courier, payment, shop) and what the poller brings.

`run_logged(decide, ctx, record)` is `bus.run` with the event's log item (store.inbound) written in the same
commit as its effect: no extra round trip, and nothing about it can fail the commit (a plain Put, guard
OPTIONAL), so a log write never turns a committed webhook into a 5xx. What the log item says it caused is
read from the Effect (timeline refs, message ids, commands), never from the customer's data.

- A redelivery the flow recognises as one (outcome "duplicate": the read or the commit found the event
  stored) is not logged again: its first delivery is, with what it caused.
- An event that changes nothing (a late payment status, a payment notification repeated, a shop update
  older than the stored one) is logged after the answer is decided, with one PutItem that never raises.
- A refused delivery (bad signature, wrong token, malformed) is logged by `refused`: its verdict, the HTTP
  status, the body's hash (the body itself only for sources whose body holds no personal data), kept 7
  days, at most REFUSED_PER_HOUR per source and hour (an attempt counter), so forged requests cannot fill
  the table; past that, a metric only.

`replay(item, ctx)` applies a stored event again through the normal path: a replay of an applied event is a
duplicate that changes nothing; after a fixed bug (the stored body re-parsed by today's adapter) or for
an event refused because a secret was rotated on one side (`force`: the operator vouches for it) it applies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from zwrotnica.context import Context
from zwrotnica.dispatch import bus
from zwrotnica.effect import Effect, Guard
from zwrotnica.errors import InvalidPayload, InvalidSignature, MalformedBody, ZwrotnicaError
from zwrotnica.models.payment import PaymentEvent, RefundEvent
from zwrotnica.models.tracking import TrackingEvent
from zwrotnica.observability import logger, metrics
from zwrotnica.store import attempts
from zwrotnica.store import inbound as log_store
from zwrotnica.store.inbound import Inbound
from zwrotnica.store.table import write_one

REFUSED_PER_HOUR = 100
# Courier sources whose body holds no personal data: kept whole, so a replay can re-parse it. AfterShip's
# carries the buyer's e-mail, phone and address, shops' and PayU's the buyer: only the canonical event.
BODY_KEPT = frozenset({"inpost", "generic"})


def caused(effect: Effect) -> list[str]:
    """What the effect wrote besides its state: refs only (no recipient, no text)."""
    out = [f"timeline:{line.entry.kind}:{line.entry.ref}" for line in effect.timeline]
    out += [f"message:{m.template}:{m.channel.value}:{m.message_id}" for m in effect.messages]
    out += [f"command:{c.kind.value}:{c.command_id}" for c in effect.commands]
    return out


def _order_of(effect: Effect) -> str | None:
    if effect.timeline:
        return effect.timeline[0].order_number
    number = effect.data.get("order_number")
    return number if isinstance(number, str) else None


def run_logged(
    decide: bus.Decide, ctx: Context, record: Inbound, *, always: bool = False, replay: bool = False
) -> Effect:
    """`bus.run(decide, ctx)` with the event's log item in the same commit. `always`: log a duplicate too
    (an operator's replay shows what it did)."""
    days = ctx.settings.inbound_log_days
    rode: list[bool] = []

    def logged(fresh: bool) -> Effect:
        effect = decide(fresh)
        rode.clear()
        if not effect.empty:
            entry = log_store.entry(
                record.about_order(_order_of(effect)), effect.outcome, caused(effect), days
            )
            effect.write(entry, Guard.OPTIONAL)
            rode.append(True)
        return effect

    effect = bus.run(logged, ctx, replay=replay)
    committed = rode and effect.outcome != "duplicate"
    if not committed and (always or effect.outcome != "duplicate"):
        _put(log_store.entry(record.about_order(_order_of(effect)), effect.outcome, caused(effect), days))
    return effect


def _put(item: dict[str, Any]) -> None:
    """A log item on its own, after the answer was decided: a failure is a metric, never an error."""
    try:
        write_one(item)
    except (ClientError, BotoCoreError):
        logger.warning("inbound event not logged")
        metrics.add_metric(name="InboundLogFailed", unit="Count", value=1)


def verdict(exc: ZwrotnicaError) -> str | None:
    """What a refusal says about the delivery; None for refusals not worth keeping (unknown route)."""
    if isinstance(exc, InvalidSignature):
        if "token" in exc.reason:
            return "bad_token"
        return "source_ip" if "source address" in exc.reason else "bad_signature"
    if isinstance(exc, MalformedBody | InvalidPayload):
        return "malformed"
    return None


def refused(source: str, kind: str, body: bytes, exc: ZwrotnicaError, ctx: Context) -> None:
    """Keep a refused delivery (verdict, status, the body's hash; the body where it holds no personal
    data), at most REFUSED_PER_HOUR per source and hour. Never raises: the refusal's own answer stands."""
    found = verdict(exc)
    if found is None:
        return
    fields = log_store.with_body(body, keep=source in BODY_KEPT)
    record = Inbound(
        source=source,
        channel="webhook",
        verdict=found,
        received_at=ctx.now,
        key=fields["body_sha256"],
        kind=kind,
        http_status=int(exc.status),
        **fields,
    )
    try:
        if not attempts.allow("inbound_refused", source, REFUSED_PER_HOUR, ctx.now):
            metrics.add_metric(name="InboundRefusedNotLogged", unit="Count", value=1)
            return
    except (ClientError, BotoCoreError):
        return
    _put(log_store.entry(record, "refused", [], ctx.settings.inbound_log_days))


# --- The records the edges and the poller make ----------------------------------------------------------


def tracking(
    event: TrackingEvent, ctx: Context, channel: str, body: bytes | None = None, batch: str | None = None
) -> Inbound:
    """A courier event: pushed (`body`: the delivery as it came) or from the carrier's own API."""
    fields = log_store.with_body(body, keep=event.source in BODY_KEPT) if body is not None else {}
    return Inbound(
        source=event.source,
        channel=channel,
        verdict="verified" if channel == "webhook" else "carrier_api",
        received_at=ctx.now,
        key=event.event_key,
        kind="tracking",
        lookup=log_store.parcel_lookup(event.carrier, event.tracking_number),
        event=log_store.canonical(event),
        batch=batch,
        **fields,
    )


def payment(event: PaymentEvent | RefundEvent, ctx: Context, body: bytes) -> Inbound:
    """A payment or refund notification: the canonical event (no buyer data), the body's hash."""
    return Inbound(
        source=event.provider,
        channel="webhook",
        verdict="verified",
        received_at=ctx.now,
        key=f"{event.event_key}|{event.payment_ref or ''}",  # the shop's reference: one order's payment
        kind="refund" if isinstance(event, RefundEvent) else "payment",
        order_number=event.order_number,
        fallback=log_store.payment_lookup(event.provider, event.provider_payment_id),
        event=log_store.canonical(event),
        **log_store.with_body(body, keep=False),
    )


def shop_order(platform: str, number: str, version: str, ctx: Context, body: bytes) -> Inbound:
    """A shop's order: its number and version only (the order item holds the rest, personal data
    included: the log keeps no second copy). Not replayable: the shop sends the order again."""
    return Inbound(
        source=platform,
        channel="webhook",
        verdict="verified",
        received_at=ctx.now,
        key=f"{number}:{version}",
        kind="order",
        order_number=number,
        **log_store.with_body(body, keep=False),
    )


# --- Replay -----------------------------------------------------------------------------------------------


class NotReplayable(ValueError):
    """The stored event cannot be applied again (why, in the message)."""


@dataclass(frozen=True)
class Replayed:
    effect: Effect
    changed: bool  # False: applied before (a duplicate) or nothing to change (a late status)


def replay(item: dict[str, Any], ctx: Context, *, force: bool = False) -> Replayed:
    """Apply a stored event again through the normal path, logged as channel "replay"."""
    if item.get("http_status") and not force:
        raise NotReplayable(
            f"it was refused ({item.get('verdict')}); replaying applies it as if verified: pass --force"
        )
    kind = item.get("kind")
    record = Inbound(
        source=item["source"],
        channel="replay",
        verdict="operator",
        received_at=ctx.now,
        key=f"replay:{item['id']}",
        kind=kind or "tracking",
        lookup=item.get("gsi1pk"),
        order_number=item.get("order_number"),
        event=item.get("event"),
        body=item.get("body"),
        body_sha256=item.get("body_sha256") or "",
        body_bytes=int(item.get("body_bytes") or 0),
        replay_of=item["id"],
    )
    decide: Callable[[bool], Effect]
    if kind == "tracking":
        from zwrotnica.flows import shipments

        event = _tracking_event(item)
        record = replace(
            record,
            event=log_store.canonical(event),
            lookup=log_store.parcel_lookup(event.carrier, event.tracking_number),
        )

        def decide(fresh: bool) -> Effect:
            return shipments.ingest(event, ctx, fresh)

    elif kind in ("payment", "refund") and item.get("event"):
        from zwrotnica.flows import payments

        model = RefundEvent if kind == "refund" else PaymentEvent
        notification = model.model_validate_json(item["event"])

        def decide(fresh: bool) -> Effect:
            return payments.ingest(notification, ctx, fresh)

    else:
        raise NotReplayable(
            "only its hash was kept (the body holds the buyer's data): ask the sender to deliver it again"
        )
    wrote: list[bool] = []

    def decided(fresh: bool) -> Effect:
        effect = decide(fresh)
        wrote[:] = [not effect.empty]
        return effect

    effect = run_logged(decided, ctx, record, always=True)
    return Replayed(effect, bool(wrote and wrote[0]) and effect.outcome != "duplicate")


def _tracking_event(item: dict[str, Any]) -> TrackingEvent:
    """Today's adapter on the stored body where it was kept (a fixed parser applies what the old one
    refused or misread), else the canonical event as stored."""
    body = item.get("body")
    if body is not None and item["source"] in BODY_KEPT:
        from zwrotnica.providers import inpost, tracking_generic

        parse = inpost.parse if item["source"] == "inpost" else tracking_generic.parse
        event = parse(body.encode("utf-8"))
        if event is None:
            raise NotReplayable("the body holds no status change (the adapter acknowledges it only)")
        return event
    if not item.get("event"):
        raise NotReplayable("neither the body nor the canonical event was kept")
    return TrackingEvent.model_validate_json(item["event"])
