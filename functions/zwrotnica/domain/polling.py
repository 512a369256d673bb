"""Polling carriers that push nothing: when to ask again, whom to ask now, what to do when a carrier is down.

Pure rules, no I/O (the wiring is in docs/carrier-polling.md):

- `next_poll_at`: the interval follows the parcel's state (often when it is out for delivery, rarely while
  it waits at a point, never after a final state or past `max_age`), plus a jitter that is deterministic for
  a given number and moment (so tests are exact and parcels shipped together spread out), and polls that
  would fall in the night move to the morning (couriers do not deliver at night; customers are not told at
  night either).
- `plan_run`: of the parcels due now, which to ask in this run: oldest first, in batches where the API takes
  several numbers, within each carrier's calls per run and the run's total budget. The rest stays due and is
  first in line next run: nothing is dropped.
- `after_failure` / `after_success` / `may_call` / `alarm`: exponential backoff per carrier while its API is
  down, and the moment a carrier has been down long enough (or refused our credentials) to page someone.
- `estimate_run`: calls and DynamoDB units per sweeper run at a number of active parcels, by simulating these
  same rules (cost grows with active parcels, not with every parcel ever shipped).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta

from zwrotnica.domain.shipment_status import TERMINAL, ShipmentStatus
from zwrotnica.domain.weeks import WARSAW
from zwrotnica.models.common import iso
from zwrotnica.models.tracking import TrackingEvent

S = ShipmentStatus
POLLED = ("dhl", "poczta_polska", "orlen")  # per parcel, each active parcel on the due queue
QUEUED = ("dpd",)  # one event queue per account, drained every run

H = timedelta(hours=1)
# None: the order named the parcel, the carrier has said nothing yet (label printed, not handed over).
DEFAULT_INTERVALS: dict[ShipmentStatus | None, timedelta] = {
    None: 2 * H,
    S.UNKNOWN: 2 * H,
    S.LABEL_CREATED: 4 * H,
    S.IN_TRANSIT: 3 * H,
    S.OUT_FOR_DELIVERY: timedelta(minutes=30),  # the customer waits at home today
    S.READY_FOR_PICKUP: 12 * H,  # waits days at the point; collection is told by e-mail, not urgent
    S.DELIVERY_FAILED: 2 * H,  # a new attempt or an avizo follows soon
    S.DELAYED: 4 * H,
    S.EXCEPTION: 6 * H,
    S.RETURNING_TO_SENDER: 8 * H,
}


@dataclass(frozen=True)
class PollPolicy:
    intervals: Mapping[ShipmentStatus | None, timedelta] = field(
        default_factory=lambda: dict(DEFAULT_INTERVALS)
    )
    jitter: float = 0.2  # up to +20 % of the interval, never earlier than the interval
    quiet_from: time = time(22, 0)  # Warsaw: a poll due in [quiet_from, quiet_until) moves to quiet_until;
    # equal times: no quiet hours
    quiet_until: time = time(6, 0)
    morning_spread: timedelta = 2 * H  # ... spread over two hours, so the morning is not one burst
    max_age: timedelta = timedelta(days=60)  # then stop: the carrier has forgotten the parcel (PP: 30 days)


DEFAULT_POLICY = PollPolicy()


def jitter_fraction(seed: str) -> float:
    """A number in [0, 1) from `seed` alone (SHA-256): the same parcel and moment, the same jitter."""
    return int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big") / 2**64


def next_poll_at(
    carrier: str,
    tracking_number: str,
    status: ShipmentStatus | None,
    now: datetime,
    first_seen: datetime,
    policy: PollPolicy = DEFAULT_POLICY,
) -> datetime | None:
    """When to ask the carrier about this parcel again; None: never (final state, too old, not polled)."""
    if carrier not in POLLED or status in TERMINAL or now - first_seen >= policy.max_age:
        return None
    interval = policy.intervals.get(status, policy.intervals[None])
    u = jitter_fraction(f"{carrier}:{tracking_number}:{iso(now)}")
    due = now + interval * (1 + policy.jitter * u)
    return _out_of_quiet_hours(due, u, policy).replace(microsecond=0)


def _out_of_quiet_hours(due: datetime, u: float, policy: PollPolicy) -> datetime:
    if policy.quiet_from == policy.quiet_until:  # no quiet hours
        return due
    local = due.astimezone(WARSAW)
    at = local.time()
    if policy.quiet_until <= at < policy.quiet_from:
        return due
    day = local.date() if at < policy.quiet_until else local.date() + timedelta(days=1)
    morning = datetime.combine(day, policy.quiet_until, tzinfo=WARSAW).astimezone(UTC)
    return morning + policy.morning_spread * u


def new_events(events: Iterable[TrackingEvent], last_event_at: datetime | None) -> list[TrackingEvent]:
    """The events of a poll the shipment may not hold yet. A carrier answers with the whole history every
    time: only those at or after the last applied event go on (the flow's dedup absorbs an equal one)."""
    return [e for e in events if last_event_at is None or e.occurred_at >= last_event_at]


# --- Whom to ask this run --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    carrier: str
    tracking_number: str
    due_at: datetime


@dataclass(frozen=True)
class CarrierLimit:
    calls_per_run: int  # the carrier's rate limit, as calls per sweeper run
    batch_size: int = 1  # numbers per call (Poczta Polska: maksymalnaLiczbaPrzesylek, ORLEN: 1000)


# Conservative until a carrier's contract says otherwise (none publishes a rate limit): one call a second
# at most, well under a 5-minute run; Poczta Polska's batch size is per account (maksymalnaLiczbaPrzesylek).
DEFAULT_LIMITS: dict[str, CarrierLimit] = {
    "dhl": CarrierLimit(calls_per_run=120, batch_size=1),
    "poczta_polska": CarrierLimit(calls_per_run=60, batch_size=20),
    "orlen": CarrierLimit(calls_per_run=10, batch_size=1000),
}


@dataclass(frozen=True)
class Batch:
    carrier: str
    numbers: tuple[str, ...]


@dataclass(frozen=True)
class RunPlan:
    batches: tuple[Batch, ...]  # one call each
    deferred: tuple[Due, ...]  # due, but over a limit or the carrier is paused: still due next run
    paused: tuple[str, ...] = ()  # carriers with due parcels that may not be called now

    @property
    def calls(self) -> int:
        return len(self.batches)


def plan_run(
    due: Iterable[Due],
    now: datetime,
    limits: Mapping[str, CarrierLimit],
    budget: int,
    callable_carriers: Collection[str],
) -> RunPlan:
    """Oldest first across carriers, each carrier within its calls per run, all within `budget` calls.

    Items due later than `now` are not polled (and not deferred: they are simply not due). Carriers without
    a limit or not in `callable_carriers` (backing off, no credentials) keep their parcels due.
    """
    by_carrier: dict[str, list[Due]] = {}
    seen: set[tuple[str, str]] = set()
    for item in sorted(due, key=lambda d: (d.due_at, d.carrier, d.tracking_number)):
        key = (item.carrier, item.tracking_number)
        if item.due_at <= now and key not in seen:
            seen.add(key)
            by_carrier.setdefault(item.carrier, []).append(item)
    deferred: list[Due] = []
    paused = tuple(sorted(c for c in by_carrier if c not in callable_carriers or c not in limits))
    queues: dict[str, list[list[Due]]] = {}
    for carrier, items in by_carrier.items():
        if carrier in paused:
            deferred += items
            continue
        size = max(1, limits[carrier].batch_size)
        queues[carrier] = [items[i : i + size] for i in range(0, len(items), size)]
    taken: dict[str, int] = dict.fromkeys(queues, 0)
    batches: list[Batch] = []
    while len(batches) < budget:
        open_ = [c for c, q in queues.items() if q and taken[c] < limits[c].calls_per_run]
        if not open_:
            break
        carrier = min(open_, key=lambda c: (queues[c][0][0].due_at, c))
        chunk = queues[carrier].pop(0)
        taken[carrier] += 1
        batches.append(Batch(carrier, tuple(d.tracking_number for d in chunk)))
    for q in queues.values():
        deferred += [d for chunk in q for d in chunk]
    deferred.sort(key=lambda d: (d.due_at, d.carrier, d.tracking_number))
    return RunPlan(tuple(batches), tuple(deferred), paused)


# --- A carrier that is down ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackoffPolicy:
    first: timedelta = timedelta(minutes=5)  # one sweeper run
    factor: float = 2.0
    cap: timedelta = H
    alarm_after: timedelta = H  # down this long: the CarrierApiDown alarm fires


@dataclass(frozen=True)
class CarrierHealth:
    failures: int = 0  # consecutive failed runs
    down_since: datetime | None = None
    retry_at: datetime | None = None
    auth_failed: bool = False  # the carrier refused our credentials: no waiting fixes that


HEALTHY = CarrierHealth()
DEFAULT_BACKOFF = BackoffPolicy()


def after_failure(
    health: CarrierHealth, now: datetime, *, auth: bool = False, policy: BackoffPolicy = DEFAULT_BACKOFF
) -> CarrierHealth:
    """A run whose call failed retryably (or was refused): wait first, 2x first, ... up to `cap`."""
    failures = health.failures + 1
    delay = policy.cap if auth else min(policy.cap, policy.first * policy.factor ** (failures - 1))
    return replace(
        health,
        failures=failures,
        down_since=health.down_since or now,
        retry_at=now + delay,
        auth_failed=health.auth_failed or auth,
    )


def after_success(health: CarrierHealth) -> CarrierHealth:
    return HEALTHY


def may_call(health: CarrierHealth, now: datetime) -> bool:
    return health.retry_at is None or now >= health.retry_at


def alarm(health: CarrierHealth, now: datetime, policy: BackoffPolicy = DEFAULT_BACKOFF) -> bool:
    """Page someone: credentials refused (at once), or the carrier down for `alarm_after` or longer."""
    if health.auth_failed:
        return True
    return health.down_since is not None and now - health.down_since >= policy.alarm_after


# --- What polling costs ----------------------------------------------------------------------------------

# Assumptions of the estimate, not measurements (docs/carrier-polling.md): where the active parcels are in
# their life at any moment, and how they split between the carriers we track directly (InPost pushes).
TYPICAL_STATE_SHARE: dict[ShipmentStatus | None, float] = {
    None: 0.05,
    S.LABEL_CREATED: 0.15,
    S.IN_TRANSIT: 0.40,
    S.OUT_FOR_DELIVERY: 0.08,
    S.READY_FOR_PICKUP: 0.20,
    S.DELIVERY_FAILED: 0.04,
    S.DELAYED: 0.02,
    S.EXCEPTION: 0.02,
    S.RETURNING_TO_SENDER: 0.04,
}
TYPICAL_CARRIER_SHARE: dict[str, float] = {"dpd": 0.35, "dhl": 0.25, "poczta_polska": 0.25, "orlen": 0.15}


@dataclass(frozen=True)
class CarrierRun:
    carrier: str
    parcels: float
    polls: float  # parcels asked about per run, on average over a day
    calls: float  # carrier API calls per run, on average
    calls_peak: int  # the busiest run of the day (the morning after the quiet hours)
    items_read: float  # due-queue items read per run
    rru: float  # DynamoDB read units per run (queue-due is a GSI: eventually consistent)
    wru: float  # DynamoDB write units per run (each polled parcel's next due_at: table + index)


@dataclass(frozen=True)
class RunEstimate:
    active_parcels: int
    run_minutes: int
    carriers: tuple[CarrierRun, ...]

    @property
    def calls(self) -> float:
        return sum(c.calls for c in self.carriers)

    @property
    def calls_peak(self) -> int:
        return sum(c.calls_peak for c in self.carriers)

    @property
    def rru(self) -> float:
        return sum(c.rru for c in self.carriers)

    @property
    def wru(self) -> float:
        return sum(c.wru for c in self.carriers)

    @property
    def runs_per_day(self) -> int:
        return 24 * 60 // self.run_minutes


def estimate_run(
    active_parcels: int,
    *,
    policy: PollPolicy = DEFAULT_POLICY,
    limits: Mapping[str, CarrierLimit] = DEFAULT_LIMITS,
    carrier_share: Mapping[str, float] = TYPICAL_CARRIER_SHARE,
    state_share: Mapping[ShipmentStatus | None, float] = TYPICAL_STATE_SHARE,
    run_minutes: int = 5,
    item_bytes: int = 300,
    dpd_events_per_parcel_day: float = 4.0,
    dpd_batch: int = 100,
    samples: int = 48,
    day: datetime = datetime(2026, 3, 10, tzinfo=UTC),
) -> RunEstimate:
    """Calls and DynamoDB units per sweeper run for `active_parcels` parcels in flight, from the rules above.

    Each (carrier, state) cell is simulated over one day with `samples` parcels whose first polls are spread
    over the day, each following `next_poll_at`; the counts are scaled to the cell's share of the parcels.
    DPD has no due queue: its account queue is drained every run, `dpd_batch` events per call, plus one
    acknowledgement per non-empty batch. `item_bytes` is the due-queue item read and rewritten per poll: 300
    for the small poll item the design note proposes (about 1,500 if the schedule sat on the shipment item,
    which carries the order's contact data). The events themselves cost what a pushed event costs
    (pattern 12d, the `tracking` profile of the cost model) and are not counted here.
    """
    runs = 24 * 60 // run_minutes
    step = timedelta(minutes=run_minutes)
    start = day.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=1)
    rows = []
    for carrier, share in carrier_share.items():
        parcels = active_parcels * share
        if carrier in QUEUED:
            events = parcels * dpd_events_per_parcel_day / runs
            calls = math.floor(events / dpd_batch) + 1 + math.ceil(events / dpd_batch)
            rows.append(CarrierRun(carrier, parcels, 0.0, float(calls), calls, 0.0, 0.0, 0.0))
            continue
        per_run = [0.0] * runs
        for status, state_part in state_share.items():
            weight = parcels * state_part / samples
            for i in range(samples):
                # A day of warm-up first, so the counted day sees every parcel on its own rhythm.
                number = f"{carrier}{i:06d}"
                at: datetime | None = start - timedelta(days=1) * (1 - i / samples)
                first_seen = start - timedelta(days=2)
                while at is not None and at < end:
                    if at >= start:
                        per_run[int((at - start) / step)] += weight
                    at = next_poll_at(carrier, number, status, at, first_seen, policy)
        batch = max(1, limits[carrier].batch_size) if carrier in limits else 1
        calls_per_run = [math.ceil(p / batch - 1e-9) for p in per_run]
        polls = sum(per_run) / runs
        reads = [0.5 * max(1, math.ceil(p * item_bytes / 4096)) for p in per_run]
        wru = polls * 3 * math.ceil(item_bytes / 1024)
        rows.append(
            CarrierRun(
                carrier,
                parcels,
                polls,
                sum(calls_per_run) / runs,
                max(calls_per_run),
                polls,
                sum(reads) / runs,
                wru,
            )
        )
    return RunEstimate(active_parcels, run_minutes, tuple(rows))


def estimate_table(estimates: Sequence[RunEstimate]) -> str:
    """Markdown: per carrier and in total, at each size (for `make bench` and docs/carrier-polling.md)."""
    lines = [
        "| active parcels | carrier | parcels | polls / run | calls / run (avg) | calls, busiest run "
        "| RRU / run | WRU / run |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for e in estimates:
        for c in e.carriers:
            lines.append(
                f"| {e.active_parcels:,} | {c.carrier} | {c.parcels:,.0f} | {c.polls:.1f} | {c.calls:.2f} "
                f"| {c.calls_peak} | {c.rru:.2f} | {c.wru:.1f} |"
            )
        lines.append(
            f"| {e.active_parcels:,} | **all** | | | **{e.calls:.2f}** | **{e.calls_peak}** "
            f"| **{e.rru:.2f}** | **{e.wru:.1f}** |"
        )
    return "\n".join(lines)
