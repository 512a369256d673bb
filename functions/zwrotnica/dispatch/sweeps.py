"""The sweeper's steps over the sparse due index: silent parcels, the payment queues, complaints past
their answer deadline, the SLA ladder, due commands and messages. Each item is decided by its use case
and committed through the bus, one commit per item, so an overlapping sweep or a crash half way leaves
nothing done twice."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from zwrotnica.context import Context
from zwrotnica.dispatch import bus
from zwrotnica.domain import polling
from zwrotnica.domain.shipment_status import TERMINAL, ShipmentStatus
from zwrotnica.domain.sla_policy import SlaPolicy, default_policy
from zwrotnica.errors import ZwrotnicaError
from zwrotnica.flows import cases, payments, shipments, tickets
from zwrotnica.models.common import iso
from zwrotnica.notify import sender
from zwrotnica.observability import logger, metrics
from zwrotnica.providers.errors import AuthFailed, ProviderError
from zwrotnica.store import cases as case_store
from zwrotnica.store import payments as payment_store
from zwrotnica.store import polling as poll_store
from zwrotnica.store import shipments as shipment_store
from zwrotnica.store import tickets as ticket_store
from zwrotnica.store.table import write_one


def flag_silent(now: datetime, budget: int) -> int:
    """Parcels with no news for too long: a ticket for logistics and one message to the customer.
    Returns how many were flagged; an overlapping sweep flags nothing twice."""
    ctx = Context.build(now)
    found, _ = shipment_store.due_silent(now, budget)
    flagged = 0
    for item in found:
        if bus.run(lambda fresh, item=item: shipments.silent(item, ctx), ctx).outcome == "flagged":
            flagged += 1
    logger.info("silent parcels flagged", extra={"flagged": flagged, "due": len(found)})
    return flagged


def payment_queues(now: datetime, budget: int) -> int:
    """Held notifications past their grace period and orders past their unpaid period, at most `budget`
    items: each becomes a finance ticket (or a held one is applied after all). Returns how many were
    ticketed; every item is claimed conditionally on the due time read."""
    ctx = Context.build(now)
    ticketed = 0
    for queue in (payment_store.GRACE_QUEUE, payment_store.UNPAID_QUEUE):
        if budget <= 0:
            break
        found, _ = payment_store.due(queue, now, budget)
        budget -= len(found)
        for item in found:
            try:
                ticketed += _payment_item(queue, item, ctx)
            except (ClientError, BotoCoreError, ZwrotnicaError, ValueError):
                logger.exception("payment queue item not handled", extra={"queue": queue})  # lease: retried
    if ticketed:
        metrics.add_metric(name="PaymentTicketsFromQueues", unit="Count", value=ticketed)
    return ticketed


def _payment_item(queue: str, item: dict, ctx: Context) -> int:
    if queue == payment_store.UNPAID_QUEUE and payments.unpaid_needs_nothing(item):
        payment_store.drop(item)
        return 0
    if not payment_store.claim(item, ctx.now + payments.LEASE):
        return 0  # another sweep has it, or it left the queue meanwhile (paid, claimed by its order)
    claimed = item | {"due_at": iso(ctx.now + payments.LEASE)}
    use_case = payments.expire_held if queue == payment_store.GRACE_QUEUE else payments.expire_unpaid
    effect = bus.run(lambda fresh: use_case(claimed, ctx), ctx)
    return int(effect.data.get("ticketed", 0)) if effect.outcome != "duplicate" else 0


@dataclass
class EscalationResult:
    escalated: int = 0
    held_for_morning: int = 0
    lost_race: int = 0
    digests: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


def escalate_due(
    now: datetime, budget: int, policy: SlaPolicy | None = None
) -> tuple[EscalationResult, bool]:
    """One sweep batch of the SLA ladder: every due step exactly once, even when two sweeps overlap;
    then one digest per team (at most once: the steps are stored, `tickets list --breached` shows them)."""
    from zwrotnica.messages.report_templates import label  # lazy: the report's module

    policy = policy or default_policy()
    ctx = Context.build(now)
    result = EscalationResult()
    found, more = ticket_store.due(iso(now), budget)
    for ticket in found:
        step = tickets.escalation(ticket, now, policy)
        if bus.run(lambda fresh, step=step: step.effect, ctx).outcome == "duplicate":
            result.lost_race += 1
        elif step.held_for_morning:
            result.held_for_morning += 1
        elif step.digest_line:
            result.escalated += 1
            result.digests[ticket["team"]].append(step.digest_line)
    for team, lines in result.digests.items():
        loud = [line for line in lines if line.startswith(tickets.LOUD)]  # legal deadlines first
        lines = loud + [line for line in lines if line not in loud]
        subject = f"Zwrotnica SLA: {label('team', team)}, {len(lines)} do sprawdzenia"
        if loud:
            subject += f" (terminy ustawowe: {len(loud)})"
        try:
            sender.notify_team(subject, "\n".join(lines), team=team)
        except (ClientError, BotoCoreError):
            logger.exception("team digest not sent", extra={"team": team, "tickets": len(lines)})
            metrics.add_metric(name="TeamDigestFailed", unit="Count", value=1)
    metrics.add_metric(name="TicketsEscalated", unit="Count", value=result.escalated)
    logger.info("tickets swept", extra={"escalated": result.escalated, "held": result.held_for_morning})
    return result, more


def complaints_past_deadline(now: datetime, budget: int) -> int:
    """Complaints still unanswered after their answer deadline's last day (sparse index: only complaints
    waiting for an answer are in it): each is deemed accepted (UPK art. 7a ust. 2), recorded on the case,
    the customer told, the team's ticket noted. One commit per case, conditional on its status: an
    overlapping sweep records nothing twice. Returns how many were deemed accepted."""
    ctx = Context.build(now)
    found, _ = case_store.unanswered_due(now, budget)
    deemed = 0
    for item in found:
        try:
            effect = bus.run(lambda fresh, item=item: cases.deem_accepted(item, ctx, fresh), ctx)
        except (ClientError, BotoCoreError, ZwrotnicaError, ValueError):
            logger.exception(
                "complaint past its deadline not handled", extra={"case_id": item.get("case_id")}
            )
            continue  # still in the queue: the next sweep tries again
        deemed += effect.outcome == "deemed_accepted"
    if deemed:
        metrics.add_metric(name="ComplaintsDeemedAccepted", unit="Count", value=deemed)
    return deemed


# --- Polled order sources (BaseLinker's journal, IdoSell, PrestaShop): docs/data-model.md pattern 22 --
def order_feeds(now: datetime, seconds: float) -> dict[str, int]:
    """Each configured source that is due: claimed for this sweep, read within its budget and `seconds`,
    every changed order committed through the orders use case (one commit each), then its cursor
    (conditional on the one read). A failure leaves the cursor: the source is read again after the
    lease, and the orders committed meanwhile are absorbed by their versions. Returns counts."""
    import time

    from zwrotnica.flows import feeds

    sources = feeds.configured()
    if not sources:
        return {}
    from zwrotnica.flows import orders  # lazy: only a sweeper with polled sources needs the orders flow
    from zwrotnica.providers.errors import ProviderError
    from zwrotnica.store import feeds as feed_store

    ctx, deadline = Context.build(now), time.monotonic() + seconds
    counts: dict[str, int] = defaultdict(int)
    for source in sources:
        feed_store.ensure(source, now)
    for item in feed_store.due(now, len(feeds.SOURCES) + 1):
        if item.get("source") not in sources:
            feed_store.drop(item)  # its credentials are gone
            continue
        if not feed_store.claim(item, now + feeds.LEASE):
            continue  # another sweep reads it
        claimed = item | {"due_at": iso(now + feeds.LEASE)}
        try:
            batch = feeds.read(claimed, ctx, lambda: time.monotonic() > deadline)
            for order in batch.orders:
                effect = bus.run(lambda fresh, order=order: orders.ingest(order, ctx, fresh), ctx)
                counts[effect.outcome] += 1
                orders.count_reach(effect)
            bus.run(lambda fresh, item=claimed, batch=batch: feeds.advance(item, batch, ctx), ctx)
        except Exception as exc:  # one source's failure never stops the sweep (messages, tickets after it)
            expected = isinstance(exc, ProviderError | ClientError | BotoCoreError | ZwrotnicaError)
            logger.exception("order source not read", extra={"source": item["source"], "expected": expected})
            metrics.add_metric(name="OrderFeedFailed", unit="Count", value=1)
            continue
        if batch.unreadable:
            counts["unreadable"] += batch.unreadable
        logger.info("order source read", extra={"source": item["source"], "orders": len(batch.orders)})
    if counts:
        metrics.add_metric(
            name="OrderFeedOrders", unit="Count", value=sum(v for k, v in counts.items() if k != "unreadable")
        )
    return dict(counts)


# --- Carriers we ask ourselves: DHL, Poczta Polska, ORLEN polled per parcel, DPD's queue drained ---------
# (issue 18, docs/carrier-polling.md). Every event they bring goes through the pushed path
# (flows.shipments.ingest through the bus: the same model, precedence, dedup, messages, tickets, returns),
# logged with it (dispatch.inbound). A carrier without credentials is not asked and has no poll items.

MS_PER_CALL = 400  # what one carrier call is assumed to take when the run's budget is set
DPD_LIMIT = 100  # events per queue batch (DPD's own maximum is not published; public clients ask 10-100)
DPD_MAX_BATCHES = 5
DUE_READ_MAX = 500  # poll items read per carrier and run (one page; the rest stays due, oldest first)


@dataclass
class PollResult:
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # carrier API calls
    events: int = 0  # events sent through the pushed path (applied, refreshed, recorded, held, duplicate)
    applied: int = 0  # ... of which changed a shipment
    claimed: int = 0  # poll items rescheduled by this run (each asked about, or ended)
    not_found: int = 0  # numbers the carrier does not know (yet)
    ended: int = 0  # parcels that left the poll queue without a call (final state, too old)
    failed: dict[str, str] = field(default_factory=dict)  # carrier -> "auth" | "down"
    deferred: int = 0  # due, not asked this run (rate limit, budget, backoff): first next run
    health: dict[str, polling.CarrierHealth] = field(default_factory=dict)  # after this run


def poll_carriers(
    now: datetime,
    budget: int,
    time_left: Callable[[], float] | None = None,
    trackers: Mapping[str, Any] | None = None,
) -> PollResult:
    """One run: DPD's queue drained, then the due parcels of each polled carrier asked about, oldest first,
    within each carrier's calls per run (`polling.DEFAULT_LIMITS`) and `budget` calls in all. `time_left`:
    milliseconds this step may still use (no call starts below MS_PER_CALL). A carrier backing off is not
    read at all; a carrier that fails now backs off (CarrierApiDown after an hour, at once for refused
    credentials) and its claimed parcels are asked again at their next time: every carrier answers with
    the whole history, so nothing is lost."""
    from zwrotnica.providers import carrier_tracking

    result = PollResult()
    if budget <= 0:
        return result
    ctx = Context.build(now)
    if trackers is None:
        trackers = carrier_tracking.configured(ctx.secrets())
    if not trackers:
        return result
    try:
        _poll(trackers, ctx, budget, time_left, result)
    except (ClientError, BotoCoreError):  # DynamoDB: what is claimed stays due at its new time
        logger.exception("carrier polling stopped")
    for carrier, state in result.health.items():  # after this run's calls: a success ends it
        if polling.alarm(state, now):
            _carrier_down(carrier, state)
    _poll_metrics(result)
    return result


def _poll(
    trackers: Mapping[str, Any],
    ctx: Context,
    budget: int,
    time_left: Callable[[], float] | None,
    result: PollResult,
) -> None:
    now = ctx.now
    health = result.health = poll_store.health(trackers)
    callable_now = {c for c, state in health.items() if polling.may_call(state, now)}

    def time_for_a_call() -> bool:
        return time_left is None or time_left() >= MS_PER_CALL

    if "dpd" in callable_now:
        budget -= _drain_dpd(trackers["dpd"], health, ctx, budget, time_for_a_call, result)
    due: list[polling.Due] = []
    found: dict[tuple[str, str], dict] = {}
    for carrier in polling.POLLED:
        limit = polling.DEFAULT_LIMITS.get(carrier)
        if carrier not in trackers or carrier not in callable_now or limit is None or budget <= 0:
            continue
        items, _ = poll_store.due(
            carrier, now, min(DUE_READ_MAX, min(limit.calls_per_run, budget) * limit.batch_size)
        )
        for item in items:
            found[(carrier, item["tracking_number"])] = item
            due.append(polling.Due(carrier, item["tracking_number"], _when(item["due_at"]) or now))
    plan = polling.plan_run(due, now, polling.DEFAULT_LIMITS, budget, callable_now)
    result.deferred = len(plan.deferred)
    stopped: set[str] = set()
    for number, batch in enumerate(plan.batches):
        if not time_for_a_call():
            result.deferred += sum(len(b.numbers) for b in plan.batches[number:] if b.carrier not in stopped)
            break
        if batch.carrier in stopped:
            continue
        items = [found[(batch.carrier, n)] for n in batch.numbers]
        if not _poll_batch(trackers[batch.carrier], items, health, ctx, result):
            stopped.add(batch.carrier)


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _status(value: object) -> ShipmentStatus | None:
    return ShipmentStatus(value) if value in ShipmentStatus.__members__ else None


def _poll_batch(tracker: Any, items: list[dict], health: dict, ctx: Context, result: PollResult) -> bool:
    """Claim the batch's parcels (each rescheduled, conditional on the `due_at` read), ask the carrier,
    send what is new through the pushed path. False: the carrier failed, ask it nothing more this run."""
    carrier = tracker.carrier
    claimed = []
    for item in items:
        number = item["tracking_number"]
        first_seen = _when(item.get("first_seen")) or ctx.now
        next_due = polling.next_poll_at(carrier, number, _status(item.get("status")), ctx.now, first_seen)
        if not write_one(poll_store.claim(item, next_due, ctx.now)):
            continue  # another run has it, or an event moved it meanwhile
        result.claimed += 1
        if next_due is None:
            result.ended += 1  # a final state, or older than max_age: never asked again
            continue
        claimed.append(item)
    if not claimed:
        return True
    result.calls[carrier] += 1
    try:
        tracks = tracker.track([item["tracking_number"] for item in claimed])
    except ProviderError as exc:
        return not _carrier_failed(carrier, exc, health, ctx.now, result)
    _carrier_answered(carrier, health, ctx.now)
    for item in claimed:
        track = tracks.get(item["tracking_number"])
        if track is None or not track.found:
            result.not_found += 1
            continue
        _apply_track(carrier, item, track, ctx, result)
    return True


def _apply_track(carrier: str, item: dict, track: Any, ctx: Context, result: PollResult) -> None:
    """The events the shipment may not hold yet, each through the pushed path; a journey the carrier says
    is over, though nothing here changed the shipment (applied before this item existed), leaves the
    queue. A failing event stops the parcel: its next poll brings it again (the poll item's
    `last_event_at` moves only with applied events)."""
    last, code = _when(item.get("last_event_at")), str(item.get("last_code") or "")
    fresh = [
        e
        for e in polling.new_events(track.events, last)
        if not (e.occurred_at == last and e.raw_code.casefold() == code)  # the one it holds: no read
    ]
    applied = False
    for event in fresh:
        effect = _carrier_event(event, ctx, "poll")
        if effect is None:
            return
        result.events += 1
        applied |= effect.outcome in ("apply", "refresh")
    result.applied += applied
    final = track.events[-1].status in TERMINAL if track.events else False
    if not applied and (final or track.finished):
        status = track.events[-1].status if final else _status(item.get("status")) or ShipmentStatus.UNKNOWN
        if write_one(poll_store.ended(carrier, item["tracking_number"], status, ctx.now)):
            result.ended += 1


def _carrier_event(event: Any, ctx: Context, channel: str, batch: str | None = None) -> Any:
    """One event from a carrier's API through the pushed path, logged; None when it could not be
    committed (DynamoDB, a lost race twice): the carrier brings it again."""
    from zwrotnica.dispatch import inbound

    record = inbound.tracking(event, ctx, channel, batch=batch)
    try:
        return inbound.run_logged(lambda fresh: shipments.ingest(event, ctx, fresh), ctx, record)
    except (ClientError, BotoCoreError, ZwrotnicaError):
        logger.exception("carrier event not committed", extra={"carrier": event.carrier})
        metrics.add_metric(name="CarrierEventFailed", unit="Count", value=1)
        return None


def _drain_dpd(
    client: Any,
    health: dict,
    ctx: Context,
    budget: int,
    time_for_a_call: Callable[[], bool],
    result: PollResult,
) -> int:
    """DPDInfoServices: fetch a batch, commit each event through the pushed path, acknowledge the batch
    only once all of them are committed; until the queue is shorter than the limit. A crash (or any
    failure) before the acknowledgement leaves the batch queued: DPD delivers it again, the event markers
    make each repeat a duplicate. Returns the calls it made."""
    used = 0
    for _ in range(DPD_MAX_BATCHES):
        if used >= budget or not time_for_a_call():
            break
        used += 1
        result.calls["dpd"] += 1
        try:
            batch = client.fetch(DPD_LIMIT)
        except ProviderError as exc:
            _carrier_failed("dpd", exc, health, ctx.now, result)
            break
        mark = hashlib.sha256(batch.confirm_id.encode()).hexdigest()[:12] if batch.confirm_id else None
        committed = 0
        for event in batch.events:
            effect = _carrier_event(event, ctx, "queue", mark)
            if effect is None:
                break
            committed += 1
            result.applied += effect.outcome in ("apply", "refresh")
        result.events += committed
        if committed < len(batch.events):
            logger.warning("dpd batch not acknowledged: an event was not committed")
            break  # no acknowledgement: DPD delivers the batch again
        if batch.needs_ack:
            used += 1
            result.calls["dpd"] += 1
            try:
                acknowledged = client.acknowledge(batch.confirm_id)
            except ProviderError as exc:
                _carrier_failed("dpd", exc, health, ctx.now, result)
                break
            if not acknowledged:
                logger.warning("dpd did not confirm the acknowledgement: the batch comes again")
                break
        _carrier_answered("dpd", health, ctx.now)
        if batch.received < DPD_LIMIT:
            break  # drained
    return used


def _carrier_answered(carrier: str, health: dict, now: datetime) -> None:
    """The first answer after failures: healthy again (the alarm's metric stops)."""
    if health.get(carrier, polling.HEALTHY) != polling.HEALTHY:
        health[carrier] = polling.after_success(health[carrier])
        write_one(poll_store.save_health(carrier, health[carrier], now))
        logger.info("carrier answers again", extra={"carrier": carrier})


def _carrier_failed(
    carrier: str, exc: ProviderError, health: dict, now: datetime, result: PollResult
) -> bool:
    """True when the carrier is down or refused us (back off, stop asking it this run); False for a
    refusal of this request only (the parcels keep their new schedule)."""
    auth = isinstance(exc, AuthFailed)
    if not (auth or exc.retryable):
        logger.warning("carrier refused a request", extra={"carrier": carrier, "error": str(exc)})
        return False
    state = polling.after_failure(health.get(carrier, polling.HEALTHY), now, auth=auth)
    health[carrier] = state
    result.failed[carrier] = "auth" if auth else "down"
    try:
        write_one(poll_store.save_health(carrier, state, now))
    except (ClientError, BotoCoreError):
        logger.exception("carrier health not saved", extra={"carrier": carrier})
    logger.warning(
        "carrier refused our credentials" if auth else "carrier unavailable, backing off",
        extra={
            "carrier": carrier,
            "error": str(exc),
            "failures": state.failures,
            "retry_at": iso(state.retry_at),
        },
    )
    if auth:
        metrics.add_metric(name="CarrierAuthFailed", unit="Count", value=1)
    return True


def _carrier_down(carrier: str, state: polling.CarrierHealth) -> None:
    """The alarm's metric (CarrierApiDownAlarm), every run while a carrier has been down for an hour or
    more, or refuses our credentials; the run whose call succeeds does not emit it."""
    logger.error(
        "carrier down",
        extra={
            "carrier": carrier,
            "since": iso(state.down_since) if state.down_since else None,
            "auth_failed": state.auth_failed,
        },
    )
    metrics.add_metric(name="CarrierApiDown", unit="Count", value=1)


def _poll_metrics(result: PollResult) -> None:
    calls = sum(result.calls.values())
    if calls or result.ended:
        metrics.add_metric(name="CarrierPollCalls", unit="Count", value=calls)
        metrics.add_metric(name="CarrierPollEvents", unit="Count", value=result.events)
        metrics.add_metric(name="CarrierPollNotFound", unit="Count", value=result.not_found)
        logger.info(
            "carriers polled",
            extra={
                "calls": dict(result.calls),
                "events": result.events,
                "applied": result.applied,
                "not_found": result.not_found,
                "ended": result.ended,
                "deferred": result.deferred,
                "failed": result.failed,
            },
        )
