"""The sweeper's steps over the sparse due index: silent parcels, the payment queues, complaints past
their answer deadline, the SLA ladder, due commands and messages. Each item is decided by its use case
and committed through the bus, one commit per item, so an overlapping sweep or a crash half way leaves
nothing done twice."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from botocore.exceptions import BotoCoreError, ClientError

from zwrotnica.context import Context
from zwrotnica.dispatch import bus
from zwrotnica.domain.sla_policy import SlaPolicy, default_policy
from zwrotnica.errors import ZwrotnicaError
from zwrotnica.flows import cases, payments, shipments, tickets
from zwrotnica.models.common import iso
from zwrotnica.notify import sender
from zwrotnica.observability import logger, metrics
from zwrotnica.store import cases as case_store
from zwrotnica.store import payments as payment_store
from zwrotnica.store import shipments as shipment_store
from zwrotnica.store import tickets as ticket_store


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
