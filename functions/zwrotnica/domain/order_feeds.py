"""Cursors of the order sources we poll: what to read next, and why a re-read is harmless.

Two shapes, both pure (the sweeper's due queue runs them; the cursor is stored after the orders read
with it are committed, never before):

- A change log with increasing ids (BaseLinker `getJournalList`): read the events after the last id
  processed, fetch the orders they name, store the highest id whose orders are all committed.
- A modification-time window (PrestaShop `date_upd`, IdoSell `ordersDateType: modified`): read
  [cursor - overlap, now - lag], page through all of it, store its end.

A crash between committing orders and storing the cursor reads the same events or window again.
That is absorbed downstream: an order version already stored is a DUPLICATE (domain.orders), an event id
at or below the cursor is dropped here, and the overlap re-reads a few seconds of orders on purpose
(the shop's clock, a transaction committed after our read of its second). Cost grows with the changes,
not with the shop: each read asks for what changed since the cursor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from zwrotnica.models.order import ShopStatus

# BaseLinker keeps its journal for 3 days; a cursor older than this may have missed events.
JOURNAL_RETENTION = timedelta(days=3)
JOURNAL_SAFETY = timedelta(hours=6)
WINDOW_OVERLAP = timedelta(minutes=2)
WINDOW_LAG = timedelta(seconds=30)
WINDOW_MAX = timedelta(days=1)  # a first run, or one after a long stop, catches up a day per read
WINDOW_MIN = timedelta(minutes=1)  # the shortest window a crowded one is cut to (fit_window)


@dataclass(frozen=True)
class JournalPlan:
    """The orders to fetch this run, oldest event first, and the cursor once they are committed."""

    orders: tuple[int, ...]
    changed_at: Mapping[int, int]  # order id → newest event time (unix) of this run: its version
    packages: frozenset[int]  # orders whose parcels changed: read their packages too
    cursor: int  # the last event id covered; store it after the orders are committed
    more: bool  # events were left for the next run (budget)
    events: tuple[int, ...] = field(default=())  # ids taken, for the log


PACKAGE_EVENTS = frozenset({9, 10})  # package created, package deleted


def plan_journal(logs: Iterable[Mapping[str, Any]], cursor: int, budget: int) -> JournalPlan:
    """Group journal events by order, at most `budget` orders. Events at or below the cursor are
    dropped (whether `last_log_id` is inclusive is not documented: either way nothing is read twice
    into a plan); an order named by an event past the budget waits, and so does every later event,
    so the cursor never passes an order not yet read."""
    ordered = sorted((e for e in logs if _event_id(e) > cursor), key=_event_id)
    orders: dict[int, int] = {}
    packages: set[int] = set()
    last, taken = cursor, []
    for event in ordered:
        order_id = event["order_id"]
        if order_id not in orders and len(orders) >= budget:
            return JournalPlan(tuple(orders), orders, frozenset(packages), last, True, tuple(taken))
        stamp = event.get("date") if isinstance(event.get("date"), int) else 0
        orders[order_id] = max(orders.get(order_id, 0), stamp)
        if event.get("log_type") in PACKAGE_EVENTS:
            packages.add(order_id)
        last = event["id"]
        taken.append(last)
    return JournalPlan(tuple(orders), orders, frozenset(packages), last, False, tuple(taken))


def _event_id(event: Mapping[str, Any]) -> int:
    """The event's id, or -1 (dropped) for an event without integer id and order id."""
    ok = all(isinstance(event.get(k), int) and not isinstance(event.get(k), bool) for k in ("id", "order_id"))
    return event["id"] if ok else -1


def journal_expired(cursor_saved_at: datetime | None, now: datetime) -> bool:
    """True when the journal may have dropped events we never read (or we never read it): read the
    orders confirmed since the cursor's time with getOrders instead, then resume the journal."""
    return cursor_saved_at is None or now - cursor_saved_at > JOURNAL_RETENTION - JOURNAL_SAFETY


@dataclass(frozen=True)
class Window:
    begin: datetime
    end: datetime

    @property
    def empty(self) -> bool:
        return self.end <= self.begin


def next_window(cursor: datetime | None, now: datetime, first_read: timedelta = WINDOW_MAX) -> Window:
    """The modification-time window to read: from a little before the cursor (overlap) to a little
    before now (lag), at most a day long. Without a cursor: the last `first_read`."""
    end = now - WINDOW_LAG
    begin = (cursor - WINDOW_OVERLAP) if cursor else end - first_read
    return Window(begin, min(end, begin + WINDOW_MAX))


def cursor_after(window: Window, pages_read: int, pages_total: int) -> datetime | None:
    """The cursor to store once a window's orders are committed: its end when every page was read,
    else None (keep the old one: the next run reads the window again, the versions absorb it)."""
    return window.end if pages_read >= pages_total else None


def fit_window(
    window: Window, pages_total: int, pages_budget: int, minimum: timedelta = WINDOW_MIN
) -> Window:
    """A window whose changes fill more pages than one run may read, cut to the share that fits (at
    least `minimum`): every page of a window is read in one run, so no order can slip between pages
    while others leave the window (an order modified meanwhile moves to a later window)."""
    if pages_total <= pages_budget or window.end - window.begin <= minimum:
        return window
    share = (window.end - window.begin) * pages_budget / pages_total
    return Window(window.begin, window.begin + max(minimum, share))


def parse_status_map(setting: str) -> dict[int, ShopStatus]:
    """BASELINKER_STATUS_MAP / PRESTASHOP_STATES: `id:status` pairs separated by spaces or commas, the
    platform's own status ids and ours (`6624:processing 6625:completed`). ValueError names the entry
    that is not one (a typo fails the deploy, not one order quietly)."""
    found: dict[int, ShopStatus] = {}
    for entry in setting.replace(",", " ").split():
        key, _, value = entry.partition(":")
        try:
            found[int(key)] = ShopStatus(value.strip().lower())
        except ValueError as exc:
            known = ", ".join(s.value for s in ShopStatus)
            raise ValueError(f"{entry!r} is not status_id:status ({known})") from exc
    return found
