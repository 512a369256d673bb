"""Orders from the sources we poll, because they send no webhooks: BaseLinker's order journal (every
channel the shop sells on), IdoSell and PrestaShop by modification time.

`read` asks a source for what changed since its cursor, within a budget, and returns the changed
orders as ShopOrders with the cursor to store once they are committed. The sweeper
(dispatch.sweeps.order_feeds) commits each order through the orders use case, one commit per order, and
only then stores the cursor (`advance`, conditional on the cursor it read). A crash between the two
reads the same changes again; the orders' versions absorb them (domain.order_feeds).

Budgets keep a run inside the sweeper's time and the providers' limits: BaseLinker answers 100 calls a
minute per token (a run makes at most 1 + 2 x JOURNAL_ORDERS); IdoSell charges CLOUD plans per call
(a run reads PAGES pages of 100 orders plus one packages call per page); PrestaShop has no documented
limit (PAGES pages, six calls each).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from zwrotnica.context import Context
from zwrotnica.domain.order_feeds import (
    WINDOW_LAG,
    WINDOW_OVERLAP,
    Window,
    cursor_after,
    fit_window,
    journal_expired,
    next_window,
    parse_status_map,
    plan_journal,
)
from zwrotnica.effect import Effect, Guard
from zwrotnica.errors import InvalidPayload
from zwrotnica.models.common import iso
from zwrotnica.models.order import ShopOrder
from zwrotnica.observability import logger
from zwrotnica.providers import baselinker, feed_clients, idosell, prestashop
from zwrotnica.providers.shop import to_shop_order
from zwrotnica.store import feeds as store

SOURCES = feed_clients.SOURCES
LEASE = timedelta(minutes=10)  # a sweep runs at most 2 minutes: the next one takes over after this
POLL_EVERY = timedelta(minutes=4)  # due again a little before the next 5-minute sweep
JOURNAL_ORDERS = 40  # BaseLinker: getOrders (+ getOrderPackages) per order; 81 calls < 100 a minute
PAGES = 5  # IdoSell, PrestaShop: pages of 100 orders per run
Stop = Callable[[], bool]  # True once the sweep must stop reading (its time is up)


@dataclass
class Batch:
    """What one run read: the changed orders, and the cursor to store once they are committed."""

    source: str
    cursor: dict[str, Any]
    orders: list[ShopOrder] = field(default_factory=list)
    more: bool = False  # changes were left for the next run
    unreadable: int = 0  # records the platform sent that are no order we can keep (logged, skipped)

    def add(self, fields: Callable[[], Mapping[str, Any]], ref: object) -> None:
        """One order from the adapter's fields; one that cannot be an order is skipped and counted,
        never a reason to stop reading the source (its id is logged, nothing personal)."""
        try:
            self.orders.append(to_shop_order(fields()))
        except (InvalidPayload, ValueError, TypeError) as exc:
            self.unreadable += 1
            why = exc.reason if isinstance(exc, InvalidPayload) else type(exc).__name__  # field names only
            logger.warning("polled order skipped", extra={"source": self.source, "ref": str(ref), "why": why})


def configured() -> list[str]:
    return feed_clients.configured()


def read(item: Mapping[str, Any], ctx: Context, stop: Stop) -> Batch:
    """The source's changes since its cursor (item: its FEED# item, claimed by this sweep)."""
    cursor = dict(item.get("cursor") or {})
    saved = _time(item.get("cursor_saved_at"))
    source = item["source"]
    if source == "baselinker":
        return _baselinker(cursor, saved, ctx, stop)
    if source == "idosell":
        return _idosell(cursor, ctx, stop)
    if source == "prestashop":
        return _prestashop(cursor, ctx, stop)
    raise ValueError(f"no such order source: {source}")


def advance(item: Mapping[str, Any], batch: Batch, ctx: Context) -> Effect:
    """The new cursor, after the batch's orders are committed. Its condition failing (another sweep took
    the source over after this one's lease ran out) makes it a duplicate: nothing is lost."""
    next_due = ctx.now if batch.more else ctx.now + POLL_EVERY
    effect = Effect(
        "advanced", data={"source": batch.source, "orders": len(batch.orders), "more": batch.more}
    )
    return effect.write(store.advance(dict(item), batch.cursor, next_due, ctx.now), Guard.DUPLICATE)


# --- BaseLinker: the journal from the last event id (getOrders by confirmation date after 3 days) -----
def _baselinker(cursor: dict[str, Any], saved: datetime | None, ctx: Context, stop: Stop) -> Batch:
    client = feed_clients.baselinker_client()
    try:
        if "confirmed_from" in cursor or ("log_id" in cursor and journal_expired(saved, ctx.now)):
            return _baselinker_confirmed(client, cursor, saved, ctx)
        return _baselinker_journal(client, int(cursor.get("log_id", 0)), ctx, stop)
    finally:
        client.close()


def _bl_fields(
    order: Mapping[str, Any], ctx: Context, packages: Iterable[Mapping[str, Any]] = (), changed_at: int = 0
) -> Callable[[], dict[str, Any]]:
    settings = ctx.settings
    return lambda: baselinker.to_order_fields(
        order,
        packages,
        changed_at=changed_at,
        statuses=parse_status_map(settings.baselinker_status_map),
        number_from=settings.baselinker_order_number,
    )


def _baselinker_journal(client: baselinker.BaseLinkerClient, log_id: int, ctx: Context, stop: Stop) -> Batch:
    """Events after `log_id` (the first run: the journal's whole 3 days), grouped by order, at most
    JOURNAL_ORDERS orders; each order read once with its parcels when they changed. Stopped early, the
    cursor stops before the first order not read."""
    logs = client.journal(log_id)
    plan = plan_journal(logs, log_id, JOURNAL_ORDERS)
    batch = Batch("baselinker", {})
    taken = 0
    for order_id in plan.orders:
        if stop():
            break
        taken += 1
        order = client.order(order_id)
        if order is None:
            continue  # removed since the event: nothing to keep of it
        packages = client.packages(order_id) if order_id in plan.packages else ()
        batch.add(_bl_fields(order, ctx, packages, plan.changed_at[order_id]), order_id)
    if taken < len(plan.orders):
        plan = plan_journal(logs, log_id, taken)
    batch.cursor, batch.more = {"log_id": plan.cursor}, plan.more
    return batch


def _baselinker_confirmed(
    client: baselinker.BaseLinkerClient, cursor: dict[str, Any], saved: datetime | None, ctx: Context
) -> Batch:
    """The journal keeps 3 days: after a longer stop, the orders confirmed since (100 a call, paged by
    the last date_confirmed + 1, as BaseLinker documents), then the journal again from its start."""
    since = cursor.get("confirmed_from") or int(((saved or ctx.now) - WINDOW_OVERLAP).timestamp())
    orders = client.orders_confirmed_since(int(since))
    batch = Batch("baselinker", {"log_id": 0}, more=True)
    for order in orders:
        batch.add(_bl_fields(order, ctx), order.get("order_id"))
    if len(orders) >= 100:
        last = max(_whole(o.get("date_confirmed")) for o in orders)
        batch.cursor = {"confirmed_from": max(last + 1, int(since) + 1)}
    return batch


# --- IdoSell: orders modified in a window, every page in one run -------------------------------------
def _idosell(cursor: dict[str, Any], ctx: Context, stop: Stop) -> Batch:
    window = next_window(_time(cursor.get("since")), ctx.now)
    batch = Batch("idosell", cursor)
    if window.empty:
        return batch
    client = feed_clients.idosell_client()
    try:
        rows, pages = client.changed_orders(window, 0)
        fitted = fit_window(window, pages, PAGES)
        if fitted != window:  # more changes than a run reads: a shorter window, all of its pages
            window = fitted
            rows, pages = client.changed_orders(window, 0)
        read = 1
        while read < pages and not stop():
            more_rows, _ = client.changed_orders(window, read)
            rows, read = rows + more_rows, read + 1
        serials = sorted({s for s in (r.get("orderSerialNumber") for r in rows) if isinstance(s, int)})
        parcels: dict[int, list[dict[str, Any]]] = {}
        for start in range(0, len(serials), 100):
            parcels |= client.packages(serials[start : start + 100])
    finally:
        client.close()
    for row in rows:
        serial = row.get("orderSerialNumber")
        batch.add(
            lambda row=row, serial=serial: idosell.to_order_fields(row, parcels.get(serial, [])), serial
        )
    end = cursor_after(window, read, pages)
    if end is not None:
        batch.cursor = {"since": iso(end)}
    batch.more = end is None or _behind(window, ctx.now)
    return batch


# --- PrestaShop: orders modified in a window, by id after the last one read -------------------------
def _prestashop(cursor: dict[str, Any], ctx: Context, stop: Stop) -> Batch:
    if "end" in cursor:  # a window read in parts: the same window, after the last id read
        window, after = Window(_time(cursor["begin"]), _time(cursor["end"])), int(cursor.get("after_id", 0))
    else:
        window, after = next_window(_time(cursor.get("since")), ctx.now), 0
    batch = Batch("prestashop", cursor)
    if window.empty:
        return batch
    client = feed_clients.prestashop_client()
    complete = False
    try:
        for _ in range(PAGES):
            if stop():
                break
            rows = client.changed_orders(window, after_id=after)
            _prestashop_page(client, rows, batch, ctx)
            after = max([after, *(_whole(r.get("id")) for r in rows)])
            if len(rows) < prestashop.PAGE_SIZE:
                complete = True
                break
    finally:
        client.close()
    if complete:
        batch.cursor, batch.more = {"since": iso(window.end)}, _behind(window, ctx.now)
    else:
        kept = {"since": cursor["since"]} if cursor.get("since") else {}
        batch.cursor = kept | {"begin": iso(window.begin), "end": iso(window.end), "after_id": after}
        batch.more = True
    return batch


def _prestashop_page(
    client: prestashop.PrestaShopClient, rows: list[dict[str, Any]], batch: Batch, ctx: Context
) -> None:
    """One page of orders with their customers, delivery addresses, waybills, carriers and currencies:
    five batched calls."""
    if not rows:
        return

    def by_id(resource: str, key: str) -> dict[str, dict[str, Any]]:
        found = client.by_ids(resource, [r.get(key) for r in rows])
        return {str(found_row.get("id")): found_row for found_row in found}

    customers = by_id("customers", "id_customer")
    addresses = by_id("addresses", "id_address_delivery")
    currencies = by_id("currencies", "id_currency")
    waybills: dict[str, list[dict[str, Any]]] = {}
    for row in client.by_ids("order_carriers", [r.get("id") for r in rows], field="id_order"):
        waybills.setdefault(str(row.get("id_order")), []).append(row)
    carrier_ids = [r.get("id_carrier") for r in rows] + [
        w.get("id_carrier") for ws in waybills.values() for w in ws
    ]
    names = {str(c.get("id")): str(c.get("name") or "") for c in client.by_ids("carriers", carrier_ids)}
    statuses = parse_status_map(ctx.settings.prestashop_states)
    for row in rows:
        currency = str(currencies.get(str(row.get("id_currency")), {}).get("iso_code") or "PLN").upper()
        batch.add(
            lambda row=row, currency=currency: prestashop.to_order_fields(
                row,
                customer=customers.get(str(row.get("id_customer"))),
                address=addresses.get(str(row.get("id_address_delivery"))),
                order_carriers=waybills.get(str(row.get("id")), []),
                carrier_names=names,
                statuses=statuses,
                currency=currency,
            ),
            row.get("id"),
        )


def _behind(window: Window, now: datetime) -> bool:
    """The window ended well before now: a long stop is being caught up, read on at once."""
    return window.end < now - WINDOW_LAG - timedelta(minutes=1)


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) and value else None


def _whole(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
