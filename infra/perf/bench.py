"""`make bench`: per handler, DynamoDB round trips per request (counted by a botocore hook), warm
in-process latency against moto (median, p99; the time spent inside the emulator apart), cold import time
as a ratio to bare boto3, importing the artifact `sam build` makes (infra/perf/cold.py), the sweeper's
reads at 1k/10k(/100k) tickets, DynamoDB write units per request of one order's life computed from item sizes
(infra/perf/profiles.py, infra/perf/units.py: moto's own capacity figures are not DynamoDB's), a short
load test on the local stack (infra/perf/load.py) and the cost model (infra/perf/cost.py) fed with
these figures.

Honest warm latency (docs/benchmarks.md explains the earlier multi-second p99s):
- moto's TransactWriteItems deep-copies the whole table and its Query sorts the whole table, so latency
  grew with every row's runs; `infra.local.fast_moto` keeps moto's answers without that O(table) work;
- those deep copies made gigabytes of garbage: full (gen-2) collections of the emulator's heap took 0.3-4 s
  inside whichever request triggered them. The collector is paused during each timed request and run
  between requests, outside the timing;
- WARMUP runs per row are excluded (first calls load clients, secrets, templates), and each state-changing
  run works on a fresh order.

Env: BENCH_RUNS (200), BENCH_WARMUP (5), COLD_RUNS (9 pairs), BENCH_SWEEPER_SIZES (1000,10000; add 100000
for the 100k row, ~1 min), BENCH_LOAD_WEBHOOKS (1000; 0 skips the load test), BENCH_POLL_SIZES (1000,10000:
a day of carrier poll runs each, ~2 and ~15 minutes in moto).
Figures are written to docs/benchmarks.md with the date, machine and command.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
WARM_RUNS = int(os.environ.get("BENCH_RUNS", "200"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "5"))
LOAD_WEBHOOKS = int(os.environ.get("BENCH_LOAD_WEBHOOKS", "1000"))
# Assumptions for billed Lambda time: our code's time (measured, emulator excluded) plus real AWS latency.
DDB_ROUND_TRIP_MS = 8.0  # an in-region DynamoDB call from Lambda
SEND_MS = 30.0  # an SES SendEmail / SNS Publish call
os.environ |= {
    "AWS_DEFAULT_REGION": "eu-central-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "ERROR",
    "LOG_LEVEL": "ERROR",
    "POWERTOOLS_METRICS_NAMESPACE": "Zwrotnica",
}
os.environ.pop("AWS_ENDPOINT_URL", None)


class RoundTrips:
    """Counts DynamoDB API calls and the capacity they consume, through botocore's event system."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.capacity = 0.0
        self.capacity_by_op: Counter[str] = Counter()
        self.items_read = 0  # ScannedCount of queries: what DynamoDB bills reads for
        self.transact_items = 0
        self._op = ""

    def attach(self, client) -> None:
        client.meta.events.register("before-call.dynamodb.*", self._count)
        client.meta.events.register("provide-client-params.dynamodb.*", self._ask_capacity)
        client.meta.events.register("after-call.dynamodb.*", self._capacity)

    def _count(self, model, **_: object) -> None:
        self.calls[model.name] += 1

    def _ask_capacity(self, params: dict, **_: object) -> None:
        params.setdefault("ReturnConsumedCapacity", "TOTAL")
        self.transact_items += len(params.get("TransactItems") or ())

    def _capacity(self, parsed: dict, **_: object) -> None:
        self.items_read += int(parsed.get("ScannedCount", 0))
        consumed = parsed.get("ConsumedCapacity")
        for entry in consumed if isinstance(consumed, list) else [consumed] if consumed else []:
            self.capacity += float(entry.get("CapacityUnits", 0))
            self.capacity_by_op[self._op] += float(entry.get("CapacityUnits", 0))

    def reset(self) -> None:
        self.calls.clear()
        self.capacity = 0.0
        self.capacity_by_op.clear()
        self.items_read = 0
        self.transact_items = 0


class EmulatorClock:
    """Time spent inside moto (its botocore stub answers every AWS call in-process)."""

    spent = 0.0

    @classmethod
    def install(cls) -> None:
        from moto.core import botocore_stubber

        original = botocore_stubber.BotocoreStubber.__call__
        if getattr(original, "clocked", False):
            return

        def timed(self, *args, **kwargs):
            started = time.perf_counter()
            try:
                return original(self, *args, **kwargs)
            finally:
                cls.spent += time.perf_counter() - started

        timed.clocked = True
        botocore_stubber.BotocoreStubber.__call__ = timed


def measure(name: str, request: Callable[[int], object], counter: RoundTrips, runs: int) -> dict:
    """`runs` timed calls after WARMUP untimed ones (request(i) for i < 0 warms up: callers keep
    those on their own fixtures). The collector is paused during each call and run between calls."""
    for i in range(-WARMUP, 0):
        request(i)
    latencies, outside, trips, capacity, transact = [], [], [], [], []
    gc.collect()
    for i in range(runs):
        counter.reset()
        EmulatorClock.spent = 0.0
        gc.disable()
        started = time.perf_counter()
        try:
            request(i)
        finally:
            elapsed = time.perf_counter() - started
            gc.enable()
        latencies.append(elapsed * 1000)
        outside.append((elapsed - EmulatorClock.spent) * 1000)
        trips.append(sum(counter.calls.values()))
        capacity.append(counter.capacity)
        transact.append(counter.transact_items)
        if i % 20 == 19:
            gc.collect()
    calls = dict(counter.calls)
    return {
        "name": name,
        "calls": ", ".join(f"{op} {n}" for op, n in sorted(calls.items())),
        "calls_map": calls,
        "trips": statistics.median(trips),
        "transact_items": statistics.median(transact),
        "capacity": statistics.median(capacity),
        "p50": statistics.median(latencies),
        "p99": _p99(latencies),
        "code_p50": statistics.median(outside),
        "code_p99": _p99(outside),
    }


def _later(n: int) -> str:
    """The n-th newer `date_modified_gmt` of order 1 (warm-up runs take the first ones)."""
    return f"2026-11-21T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}"


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def warm_figures() -> tuple[list[dict], Any]:
    """The timed rows, then one order's life metered for its write units (profiles.Units)."""
    from moto import mock_aws

    from infra.local.fast_moto import fast_moto

    fast_moto()
    EmulatorClock.install()
    with mock_aws():
        from infra import template
        from infra.local import bootstrap
        from infra.local.gateway import FakeContext

        env = template.environment(bootstrap.bootstrap()) | {
            "PUBLIC_BASE_URL": "https://bench.example",
            "POWERTOOLS_LOG_LEVEL": "ERROR",
        }
        os.environ.update(env)
        from order_status.app import lambda_handler as orders
        from sla_sweeper.app import lambda_handler as sweeper
        from tests.factories import api_event, woo_order, woo_webhook
        from zwrotnica.notify import sender
        from zwrotnica.store.table import client

        counter = RoundTrips()
        counter.attach(client())
        sender.ses_client()
        ctx = FakeContext(function_name="bench", reused=True)  # one context, many invocations
        orders(woo_webhook(woo_order("1")), ctx)  # warm: first call loads secrets and clients
        results = [
            measure(
                "order webhook: new order (+1 e-mail sent)",
                lambda i: orders(woo_webhook(woo_order(str(1000 + i))), ctx),
                counter,
                WARM_RUNS,
            ),
            measure(
                "order webhook: retry of the same event",
                lambda i: orders(woo_webhook(woo_order("1")), ctx),
                counter,
                WARM_RUNS,
            ),
            measure(
                "order webhook: newer update",
                lambda i: orders(
                    woo_webhook(
                        woo_order("1", modified=_later(i + WARMUP + 1)),
                        topic="order.updated",
                    ),
                    ctx,
                ),
                counter,
                WARM_RUNS,
            ),
            *payment_figures(orders, ctx, counter),
            *courier_figures(orders, ctx, counter),
            *inbound_figures(orders, ctx, counter),
            measure(
                "order status GET (JSON)",
                lambda i: orders(
                    api_event(
                        "GET",
                        f"/orders/{1000 + i}/status",
                        query="email=anna.kowalska%40example.com",
                        source_ip=f"198.51.{i // 250}.{i % 250 + 1}",  # one customer each: no lookup limit
                    ),
                    ctx,
                ),
                counter,
                WARM_RUNS,
            ),
            measure(
                "sweeper run, nothing due",
                lambda i: sweeper({}, FakeContext(timeout_ms=120_000)),
                counter,
                WARM_RUNS,
            ),
        ]
        from infra.perf import profiles

        life = profiles.Life(profiles.meter_for(client()))  # after the timed rows: its reads are not timed
        units = profiles.units(life.run("90001", ctx))
    return results, units


def payment_figures(orders: Callable, ctx: object, counter: RoundTrips) -> list[dict]:
    """Payment webhooks on the orders the "new order" row made (1000 + i, 261,00 zł, unpaid). P24's
    verify call goes to an httpx.MockTransport (no sandbox): its latency is not P24's."""
    import httpx

    from infra.local.bootstrap import DEV_SECRETS as S
    from tests.factories import (
        p24_notification,
        p24_webhook,
        payu_order_body,
        payu_webhook,
        woo_order,
        woo_webhook,
    )
    from zwrotnica.providers import payment_clients
    from zwrotnica.providers.przelewy24 import Przelewy24Client

    verified = httpx.Response(200, json={"data": {"status": "success"}, "responseCode": 0})
    keys = (S["p24_merchant_id"], S["p24_pos_id"], S["p24_api_key"], S["p24_crc"])
    transport = httpx.MockTransport(lambda request: verified)
    payment_clients.p24_client = lambda: Przelewy24Client(
        "https://sandbox.przelewy24.pl", *keys, transport=transport
    )
    for i in range(-WARMUP, WARM_RUNS):  # unpaid orders for the P24 row, made outside the measurement
        orders(woo_webhook(woo_order(str(5000 + i))), ctx)
    return [
        measure(
            "payment webhook: PayU COMPLETED (+1 e-mail sent)",
            lambda i: orders(payu_webhook(payu_order_body(str(1000 + i), "COMPLETED", 26100)), ctx),
            counter,
            WARM_RUNS,
        ),
        measure(
            "payment webhook: PayU COMPLETED retried",
            lambda i: orders(payu_webhook(payu_order_body("1000", "COMPLETED", 26100)), ctx),
            counter,
            WARM_RUNS,
        ),
        measure(
            "payment webhook: Przelewy24 paid, verified (+1 verify call, +1 e-mail sent)",
            lambda i: orders(p24_webhook(p24_notification(str(5000 + i), 26100)), ctx),
            counter,
            WARM_RUNS,
        ),
    ]


def courier_figures(orders: Callable, ctx: object, counter: RoundTrips) -> list[dict]:
    """InPost webhooks for parcels that orders 7000 + i name. ShipX's confirmation read goes to an
    httpx.MockTransport (never the network): its latency is not ShipX's."""
    import httpx

    from courier_webhook.app import lambda_handler as couriers
    from tests.factories import inpost_webhook, shipx_tracking, woo_order_shipped, woo_webhook
    from zwrotnica.providers import inpost

    def parcel(i: int) -> str:
        return f"6026774393316303377{i + 1000:05d}"

    known = ["confirmed", "taken_by_courier", "delivered"]
    inpost.use_transport(
        httpx.MockTransport(lambda r: httpx.Response(200, json=shipx_tracking(r.url.path[13:], known)))
    )
    for i in range(-WARMUP, WARM_RUNS):  # orders naming their parcels, made outside the measurement
        orders(woo_webhook(woo_order_shipped(str(7000 + i), parcel(i))), ctx)
    taken = "2026-11-20 15:02:00 +0100"
    return [
        measure(
            "courier webhook: InPost status, new state (+1 e-mail sent)",
            lambda i: couriers(inpost_webhook("taken_by_courier", number=parcel(i), at=taken), ctx),
            counter,
            WARM_RUNS,
        ),
        measure(
            "courier webhook: the same InPost event again (duplicate)",
            lambda i: couriers(inpost_webhook("taken_by_courier", number=parcel(0), at=taken), ctx),
            counter,
            WARM_RUNS,
        ),
        measure(
            "courier webhook: InPost delivered, confirmed by ShipX (+1 read, +1 e-mail sent)",
            lambda i: couriers(
                inpost_webhook("delivered", number=parcel(i), at="2026-11-21 12:00:00 +0100"), ctx
            ),
            counter,
            WARM_RUNS,
        ),
    ]


class Queued:
    """When the answer is queued: the moment the commit (TransactWriteItems) returned, and the emulator
    time spent until then, so "our code until queued" excludes moto like the other rows."""

    def __init__(self) -> None:
        self.at: float | None = None
        self.emulator = 0.0
        self.trips_before = 0
        self._trips = 0

    def attach(self, client) -> None:
        client.meta.events.register("before-call.dynamodb.*", self._count)
        client.meta.events.register("after-call.dynamodb.TransactWriteItems", self._queued)

    def reset(self) -> None:
        self.at, self.emulator, self.trips_before, self._trips = None, 0.0, 0, 0

    def _count(self, **_: object) -> None:
        self._trips += 1

    def _queued(self, **_: object) -> None:
        if self.at is None:
            self.at, self.emulator, self.trips_before = time.perf_counter(), EmulatorClock.spent, self._trips


def inbound_figures(orders: Callable, ctx: object, counter: RoundTrips) -> list[dict]:
    """Inbound e-mail, the S3 event to the automatic answer: orders 9000 + i ship an InPost parcel the
    courier has (made outside the measurement), their customer asks where it is. The raw message is put
    into the bucket as SES's S3 action would, outside the timing; the timing starts at the Lambda action's
    event. The row's time includes sending the answer (moto's SES); "until queued" stops at the commit."""
    import boto3
    import httpx

    from courier_webhook.app import lambda_handler as couriers
    from inbound_email.app import lambda_handler as inbound
    from tests.factories import inpost_webhook, shipx_tracking, woo_order_shipped, woo_webhook
    from zwrotnica.providers import inpost
    from zwrotnica.store.table import client

    def parcel(i: int) -> str:
        return f"6026774393316303379{i + 1000:05d}"

    inpost.use_transport(
        httpx.MockTransport(
            lambda r: httpx.Response(200, json=shipx_tracking(r.url.path[13:], ["taken_by_courier"]))
        )
    )
    os.environ["INBOUND_ADDRESS"] = "pomoc@reply.bench.example"
    from zwrotnica.settings import get_settings

    get_settings.cache_clear()

    def customer(i: int) -> str:  # one customer per order: the per-sender answer limit never applies
        return f"klient{i + WARMUP}@example.com"

    billing = woo_order_shipped("1", parcel(0))["billing"]
    for i in range(-WARMUP, WARM_RUNS):
        order = woo_order_shipped(str(9000 + i), parcel(i), billing=billing | {"email": customer(i)})
        orders(woo_webhook(order), ctx)
        couriers(inpost_webhook("taken_by_courier", number=parcel(i), at="2026-11-20 15:02:00 +0100"), ctx)
    s3 = boto3.client("s3")
    bucket = os.environ["INBOUND_BUCKET"]
    event = json.loads((ROOT / "tests/events/email/ses_lambda_event.json").read_text())
    queued = Queued()
    queued.attach(client())

    def request(i: int) -> None:
        message_id = f"bench-inbound-{i + WARMUP:05d}"
        record = event["Records"][0]["ses"]
        record["mail"]["messageId"] = message_id
        record["mail"]["source"] = customer(i)
        record["receipt"]["timestamp"] = record["mail"]["timestamp"] = datetime.now(UTC).strftime(
            "%Y-%m-%dT%H:%M:%S.000Z"
        )
        queued.reset()
        inbound(event, ctx)

    for i in range(-WARMUP, WARM_RUNS):
        raw = (
            f"From: Klient <{customer(i)}>\r\nTo: pomoc@reply.bench.example\r\n"
            f"Subject: Gdzie jest moja paczka?\r\nMessage-ID: <b{i + WARMUP}@poczta.example.pl>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            f"Dzień dobry, gdzie jest moja paczka? Zamówienie {9000 + i}\r\n"
        ).encode()
        s3.put_object(Bucket=bucket, Key=f"inbound/bench-inbound-{i + WARMUP:05d}", Body=raw)
    until_queued: list[float] = []
    trips_before: list[int] = []

    def timed(i: int) -> None:
        started = time.perf_counter()
        request(i)
        if i >= 0 and queued.at is not None:
            until_queued.append((queued.at - started - queued.emulator) * 1000)
            trips_before.append(queued.trips_before)

    row = measure(
        "inbound e-mail: parcel question, S3 event to the answer (+1 e-mail sent)", timed, counter, WARM_RUNS
    )
    row["queued_p50"] = statistics.median(until_queued) if until_queued else float("nan")
    row["queued_p99"] = _p99(until_queued) if until_queued else float("nan")
    row["trips_before_queued"] = max(trips_before) if trips_before else 0
    return [row]


def cost_profiles(warm: list[dict], units: Any) -> dict:
    """Request profiles for infra/perf/cost.py: billed time = our code's median from the warm rows
    (emulator excluded) + DDB_ROUND_TRIP_MS per DynamoDB call + SEND_MS per message sent; read units from
    the call mix; write units from item sizes over one order's life (profiles.Units: each request kind's
    own writes, its messages apart: cost.py prices them per message)."""
    from infra.perf.cost import RequestProfile, dynamodb_units

    def profile(name: str, function: str, row_prefix: str) -> RequestProfile:
        row = next(r for r in warm if r["name"].startswith(row_prefix))
        sends = 1 if "sent" in row["name"] else 0
        rru, _ = dynamodb_units(row["calls_map"], row["transact_items"])
        ms = row["code_p50"] + DDB_ROUND_TRIP_MS * row["trips"] + SEND_MS * sends
        return RequestProfile(name, function, ms, rru, units.events[name])

    return {
        "order": profile("order", "OrderStatusFunction", "order webhook: new order"),
        "payment": profile("payment", "OrderStatusFunction", "payment webhook: PayU COMPLETED (+1"),
        "tracking": profile("tracking", "CourierWebhookFunction", "courier webhook: InPost status, new"),
        # the return form's billed time and reads are not benchmarked (assumptions: the page one read, the
        # POST a few); its write units are measured (a withdrawal with its label and its two e-mails)
        "return_page": RequestProfile(
            "return_page", "ReturnFormFunction", 60.0, 1, units.events["return_page"]
        ),
        "return_post": RequestProfile(
            "return_post", "ReturnFormFunction", 250.0, 3, units.events["return_post"]
        ),
    }


# Before issue 19, measured the same way (infra/perf/profiles.py on the code before it, same life): the
# WRU of each request (its messages included) and the per-order figure.
BEFORE_WRU = {
    "order webhook: new order": 34,
    "payment webhook: PayU PENDING": 6,
    "payment webhook: PayU COMPLETED": 41,
    "order webhook: update naming the parcel": 7,
    "courier webhook: InPost confirmed": 41,
    "courier webhook: InPost taken_by_courier": 7,
    "courier webhook: InPost adopted_at_sorting_center": 7,
    "courier webhook: InPost sent_from_sorting_center": 7,
    "courier webhook: InPost ready_to_pickup": 49,
    "courier webhook: InPost delivered": 43,
    "return form: lookup (the form for the order)": 2,
    "return form: submit (case, label, 2 e-mails)": 98,
}
BEFORE_MESSAGE_WRU = 29.5
BEFORE_PER_ORDER = 181.0


def write_units(units: Any, life_profiles: Any) -> list[str]:
    """The write-units tables: per request of one order's life, before and after issue 19, and per order."""
    rows = [
        "| DynamoDB write units, one order's life (from item sizes) | before issue 19 | now | of which its "
        "messages' | messages |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for m in units.requests:
        before = BEFORE_WRU.get(m.request)
        rows.append(
            f"| {m.request} | {before if before is not None else '–'} | {m.wru} | {m.wru - m.event_wru} "
            f"| {m.messages} |"
        )
    rows += [
        f"| one message (mean: its item in the commit, the due index in and out, marked sent, its week "
        f"bucket) | {BEFORE_MESSAGE_WRU:.1f} | {units.message:.2f} | | |",
        f"| **per order** (1 order event, 2 payment and 6 tracking events, 4 e-mails, 5 % returns) "
        f"| **{BEFORE_PER_ORDER:.1f}** | **{units.per_order():.1f}** | | |",
        "",
        "Every write of that life, item by item (size, table units, index units):",
        "",
        *life_profiles.table(units),
    ]
    return rows


HANDLERS = {  # which handler answers which benchmarked request (by the row's name)
    "order webhook": "order_status.app",
    "payment webhook": "order_status.app",
    "order status": "order_status.app",
    "courier webhook": "courier_webhook.app",
    "sweeper": "sla_sweeper.app",
    "inbound e-mail": "inbound_email.app",
}


def package_sizes(root: Path = ROOT) -> list[str]:
    """Unzipped size of what `sam build` packages per function: functions/Makefile's artifact (the wheels
    of requirements.txt for the template's runtime and CPU, our folders, their bytecode)."""
    import tempfile

    from infra import template
    from infra.perf import artifact

    tpl = template.load(root / "template.yaml")
    defaults = tpl["Globals"]["Function"]
    python = artifact.lambda_python()
    sizes: dict[tuple[str, str], tuple[float, float]] = {}
    rows = []
    for name, props in template.resources("AWS::Serverless::Function", tpl).items():
        arch = props.get("Architectures", defaults["Architectures"])[0].replace("arm64", "aarch64")
        runtime = props.get("Runtime", defaults["Runtime"])
        if (arch, runtime) not in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                built = artifact.build(Path(tmp) / "a", python, f"manylinux2014_{arch}")
                pyc = sum(f.stat().st_size for f in built.rglob("*.pyc")) / 1e6
                sizes[arch, runtime] = (artifact.size_mb(built), pyc)
        total, pyc = sizes[arch, runtime]
        rows.append(f"| {name} | {props['Handler']} | {runtime} {arch} | {total:.1f} | {pyc:.1f} |")
    return [
        "| Lambda package (what `sam build` zips, unzipped) | handler | runtime | MB "
        "| of which bytecode MB |",
        "| --- | --- | --- | ---: | ---: |",
        *rows,
        "",
        "Before issue 19 every function carried 60.7 MB by this measure, 45.8 MB of it fpdf2 with fontTools "
        "and Pillow for the return slip. Until functions/Makefile, SAM's Python builder shipped 20.9 MB "
        "and no bytecode at all: every cold start compiled every module it imported (see the cold-import "
        "table)."
        + (
            ""
            if python.is_runtime
            else f" Bytecode compiled by Python {python.version}, standing in for the runtime's."
        ),
    ]


def summary(
    cold: dict[str, float], warm: list[dict], sweep: list[dict], load_figures: dict | None
) -> list[str]:
    """The one table to compare runs by: every figure the issue asks for, one row per request."""

    def handler(name: str) -> str:
        return next(h for prefix, h in HANDLERS.items() if name.startswith(prefix))

    lines = [
        "| per request | handler (cold import x boto3) | warm median / p99 ms | our code median / p99 ms "
        "| DynamoDB round trips | moto capacity units |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
        *[
            f"| {r['name']} | `{handler(r['name'])}` ({cold[handler(r['name'])]:.2f}) "
            f"| {r['p50']:.1f} / {r['p99']:.1f} | {r['code_p50']:.1f} / {r['code_p99']:.1f} "
            f"| {r['trips']:.0f} | {r['capacity']:.1f} |"
            for r in warm
        ],
        *[
            f"| sweeper, find due tickets among {r['open']:,} open ({r['due']} due) "
            f"| `sla_sweeper.app` ({cold['sla_sweeper.app']:.2f}) | {r['ms']:.0f} (moto scans) | | "
            f"{r['queries']} | {r['items_read']} items read = {r['read_per_due']:.2f} per due ticket |"
            for r in sweep
        ],
    ]
    for r in warm:
        if "queued_p50" in r:
            lines.append(
                f"| {r['name'].split(',')[0]}: until the answer is queued (the commit) "
                f"| `inbound_email.app` | | {r['queued_p50']:.1f} / {r['queued_p99']:.1f} "
                f"| {r['trips_before_queued']} before it (target: at most 3) | |"
            )
    if load_figures:
        f = load_figures
        lines.append(
            f"| load: {f['sent']:,} courier + payment webhooks, 50 senders, 20 % re-deliveries "
            f"| one container, {f['throughput']:.1f} req/s | {f['median_ms']:.0f} / {f['p99_ms']:.0f} "
            f"(client side, queueing) | {f['service_ms']:.1f} service time per request | "
            f"| {f['errors']} errors, "
            f"{f['messages'] * 1000 / max(f['sent'], 1):.0f} messages per 1,000 webhooks |"
        )
    return lines


def main() -> int:
    from infra.perf import cold as cold_start

    started = time.perf_counter()
    cold = cold_start.measure()  # first: the other rows leave the machine warm and busy
    warm, units = warm_figures()
    from infra.perf.bench_sweeper import SIZES, scaling

    sweep = scaling(RoundTrips())
    from infra.perf import bench_polling

    polling = bench_polling.measure(RoundTrips())
    load_figures = None
    if LOAD_WEBHOOKS:
        from infra.perf import load

        load_figures = load.run(webhooks=LOAD_WEBHOOKS, senders=50, duplicate_share=0.2)
    from infra import template
    from infra.perf import cost
    from infra.perf import profiles as life_profiles

    memory = cost.memory_sizes(template.load())
    profiles = cost_profiles(warm, units)
    lines = [
        f"Benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, command `make bench` "
        f"(moto in-process with `fast_moto`, {WARM_RUNS} timed runs after {WARMUP} warm-up runs each; "
        f"sweeper sizes {', '.join(f'{n:,}' for n in SIZES)}; load test {LOAD_WEBHOOKS:,} webhooks)",
        "",
        *summary({c.module: c.ratio for c in cold.results}, warm, sweep, load_figures),
        "",
        "The details:",
        "",
        *cold_start.table(cold),
        "",
        "| request (warm, in-process, against moto) | DynamoDB round trips | calls | moto capacity units "
        "| median ms | p99 ms | our code median ms | our code p99 ms |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
        *[
            f"| {r['name']} | {r['trips']:.0f} | {r['calls']} | {r['capacity']:.1f} "
            f"| {r['p50']:.1f} | {r['p99']:.1f} | {r['code_p50']:.1f} | {r['code_p99']:.1f} |"
            for r in warm
        ],
        "",
        "| sweeper: find the due tickets (1 % due) | due | queries | items read | items read per due ticket "
        "| ms (moto) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *[
            f"| {r['open']:,} open tickets | {r['due']} | {r['queries']} | {r['items_read']} "
            f"| {r['read_per_due']:.2f} | {r['ms']:.0f} |"
            for r in sweep
        ],
    ]
    lines += [
        "",
        "Carrier polling (issue 18): the sweeper's real poll step on moto, a day of runs every 5 minutes "
        "(infra/perf/bench_polling.py; BENCH_POLL_SIZES), beside `domain.polling.estimate_run`:",
        "",
        *bench_polling.table(polling),
        "",
        *bench_polling.cost_lines(polling, memory["SlaSweeperFunction"]),
    ]
    if load_figures:
        from infra.perf import load

        lines += ["", load.report(load_figures)]
    lines += ["", *write_units(units, life_profiles)]
    lines += ["", *package_sizes()]
    lines += ["", cost.table(profiles, memory, message_wru=units.message)]
    lines += ["", f"(bench wall time {time.perf_counter() - started:.0f} s)"]
    report = "\n".join(lines)
    print(report)
    out = ROOT / "docs" / "benchmarks.md"
    out.write_text(HEADER + report + "\n" + NOTES, encoding="utf-8")
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return 0


HEADER = """# Benchmarks

Latest `make bench` run (the figures below are rewritten by it; this text is in infra/perf/bench.py).
"moto capacity units" are what moto reports, not what DynamoDB bills: moto answers every write with 1.0
whatever the item's size and indexes, and a transaction with nothing. DynamoDB's write units are in the
write-units table, computed from item sizes by DynamoDB's documented rules (infra/perf/units.py). "Our
code" is the request's time minus the time spent inside moto's emulated AWS calls: what the handler
itself costs on this machine, before real network latency.

"""

NOTES = """
## How to read these figures

**Cold import.** `make cold` (infra/perf/cold.py; part of `make bench`) imports what Lambda imports: the
artifact functions/Makefile builds for `sam build` (the wheels of `functions/requirements.txt`, our folders,
their bytecode; built here for this host's CPU so its binary wheels load), with Lambda's Python 3.12 when
this machine has it, boto3 pinned as in requirements-dev.txt in a folder of its own as the runtime holds
it, and PYTHONDONTWRITEBYTECODE as on Lambda's read-only /var/task. Per handler it runs alternating fresh
processes (handler, bare `import boto3`, the handler from the same artifact without its bytecode, ...)
and divides the medians. Imports are timed in CPU time: on this shared 2-core machine wall time also
counts waiting for a core (the wall figures are in the table).

Bytecode at build time (functions/Makefile, `Metadata: BuildMethod: makefile` on every function). SAM's
own Python builder unpacks the wheels and copies our folders without any .pyc (aws-lambda-builders'
python_pip workflow excludes `*.pyc` and `__pycache__`, and unpacks wheels as zip files), and /var/task
cannot be written, so every cold start compiled pydantic, Powertools and our ~80 modules from source and
threw the result away: the "without bytecode" column, 4.9-5.3 times a bare boto3 import. Compiled at
build time (unchecked-hash .pyc: no source stat, nothing depends on the zip's timestamps) the same imports
take about half as long; the artifact grows by 8.4 MB of bytecode. The earlier figures below were taken
in a venv whose pip had compiled everything, so they never showed that cost.

Before and after issue 11's edge changes, 9 pairs each, same venv, same hour (CPU ms, boto3 149-161 ms):

| handler | before | after | what changed for it |
| --- | ---: | ---: | --- |
| `order_status.app` | 2.27 | 2.26 | no Powertools request validation (`openapi.params`, its middleware) |
| `courier_webhook.app` | 2.43 | 2.30 | the same; httpx only when ShipX is asked (was: every push) |
| `return_form.app` | 2.40 | 2.26 | the same; the request body's JSON schema built for the document only |
| `sla_sweeper.app` | 2.50 | 2.33 | httpx as above; the weekly report imported on Mondays only |

Path and query parameters are checked by `zwrotnica.http` against the same declarations (`Path`,
`Query` in the route's signature) that infra/build/openapi.py documents, so docs/openapi.json is
unchanged. The target, 1.5 times a bare `import boto3`, is below what the stack itself costs before any
of our code runs. What one cold import is made of (order_status, CPU ms, median of 9, boto3 = 145 ms):

| imported so far | ms | × boto3 |
| --- | ---: | ---: |
| `import boto3` | 145 | 1.00 |
| + Powertools event handler, logging, metrics | 184 | 1.27 |
| + `from pydantic import BaseModel` | 225 | 1.55 |
| + the edge: settings, http, observability, secrets (the first pydantic models) | 256 | 1.76 |
| + every model in `zwrotnica.models` (about 40 pydantic classes) | 312 | 2.15 |
| + the domain rules and message templates the flows use | 330 | 2.28 |
| + store/, notify/ (boto3 is already there) | 331 | 2.28 |
| the handler (its flows) | 338 | 2.33 |

Levers measured and not taken here: the cyclic garbage collector runs during the imports (they allocate
and keep): `gc.disable()` before them and `gc.enable()` after brings order_status from 2.33 to 1.99 and
the sweeper from 2.41 to 2.11; `defer_build` on every pydantic model saves about 0.06.

**Warm latency.** An earlier version of this page showed p99s of 3.5 to 11.5 s for some requests (PayU
COMPLETED 3527 ms, Przelewy24 5910 ms, InPost delivered 11510 ms) next to medians of 0.3-0.6 s. They were
the emulator, not the handlers. Measured request by request (gc callbacks and a clock around moto's
botocore stub): (1) moto's `TransactWriteItems` deep-copies the whole table once per item of every
transaction (its rollback backup), and its `Query` sorts the whole table, so each row got slower as its
own runs grew the table: a new order took 60 ms at run 1 and 200-450 ms at run 200; (2) those copies
made so much garbage that full (generation 2) collections of the emulator's heap ran inside whichever
request triggered them: every outlier above 0.4 s was one such collection of 0.35-4.5 s; (3) the first
calls of a row also load clients, secrets and templates. Our own code's time stayed at 11 ms median,
21 ms p99 for a new order throughout. The bench now (a) applies `infra.local.fast_moto.fast_moto()` (the same
answers; a cancelled transaction restores only the items it named, a base-table query reads only its
partition), (b) pauses the collector during each timed request and collects between requests, (c)
excludes warm-up runs and gives each state-changing run a fresh order, and (d) reports our code's time
apart. The remaining total is still mostly moto parsing expressions in Python; on AWS each DynamoDB
call is a few milliseconds over the network instead.

**Load test.** `make load` (infra/perf/load.py; ARGS="-n 2000 -c 20" to change N and senders) starts the
local stack on free ports, seeds orders through the signed shop webhook, then sends courier and payment
webhooks with 20 % exact re-deliveries, shuffled, from concurrent keep-alive senders. The expected state
changes and messages are computed from the plan by replaying each order's arrivals through the domain's
pure rules, not read from the system. The local gateway runs one invocation at a time (one "container",
the `_invoke_lock` in infra/local/run.py), so throughput is that of one warm container against moto on
this machine, and the client-side latency includes queueing behind the other senders (roughly senders x
service time). On AWS, Lambda runs concurrent requests in parallel containers. SMS asked for between
21:00 and 8:00 Warsaw time wait in the outbox (quiet hours): "pending" messages are those.

**Carrier polling.** infra/perf/bench_polling.py fills moto with the poll items of 1k or 10k active parcels
(the carrier and state mix `domain.polling.estimate_run` assumes; DPD's 35 % have none, their queue is
drained), each at a random point of its own rhythm, then runs the sweeper's real step every 5 minutes for
a whole day against carriers answering "found, nothing new" in their documented shapes (new events cost
what a pushed event costs: the `tracking` profile). Read units are computed from what each call read (the
due queries: 0.5 per 4 KB, at least 0.5 each; the health read: 1 per carrier, consistent, so 3 of the
RRU per run are that read); write units from the claims (1 for the item and 2 for its index entry; 1 + 1
when it leaves the queue). The busiest run is the morning after the quiet hours: measured, it stays within
the run's budget (137 calls) and DHL's 120 calls a run, where the estimate, which applies no limit, shows
the whole burst in one run; the rest waits a run or two. DPD: an hour of runs with its queue filled at 4
events per parcel and day, for waybills no order names (held, the unmatched path).

**Cost.** infra/perf/cost.py is a pure model (unit tests in tests/unit/test_cost_model.py). Billed Lambda time
per request = our code's median above + 8 ms per DynamoDB round trip + 30 ms per message sent (both
assumptions for in-region calls), at the function's MemorySize from template.yaml. Read units follow from
the measured call mix; write units from item sizes over one order's life (below). The return form's
billed time and reads are assumptions; its write units are measured. Prices: the table lists each with
its source and whether it was verified or assumed; free tiers are not deducted. The sweeper (every 5
minutes: 8,640 runs a month) and CloudWatch logs are fixed monthly costs outside the per-order figure.

**Write units (issue 19).** moto reports no real capacity (1.0 for any single-item write, nothing for a
transaction), so infra/perf/profiles.py drives one order's life through the handlers (a new order, PayU
PENDING and COMPLETED, the update naming the parcel, six InPost events to a Paczkomat, the return form)
and infra/perf/units.py prices every write from the items it wrote, read before and after the call: 1
WRU per started KB of the larger image, twice in a transaction, and per index 1 write per started KB of
the entry to put, to delete or to change it (2 when its key changes, none when nothing it holds changed).
Index writes of a transaction's items are counted once: the documentation doubles the table's writes of
a transaction and describes index writes as ordinary ones; doubling them too would make it 93 WRU per
order now (232 before). Messages are counted apart (cost.typical_life: 4 e-mails per order, each at the
measured mean). tests/integration/test_write_units.py runs the same life and fails when a profile grows
past its budget (cost.WRU_BUDGET). The "before" column was measured with the same code on the commit
before issue 19 (PYTHONPATH=functions:. python -m infra.perf.profiles in a checkout of it, with
infra/perf/units.py, profiles.py, cost.py and infra/template.py copied in).

Where the units went, before (181 WRU per order): each e-mail's item held its HTML (3-4 KB: 4-5 WRU a
write, 8-10 in the transaction) and both indexes projected ALL of it again, on creation and when marked
sent: 29.5 WRU per message, 118 of the 181. What changed: e-mails are stored as the layout's blocks and
rendered again when read (store/outbox.py); the due index projects keys only and the refs index keys and
a message's four counted fields, so a shipment's, a case's or a ticket's updates never write it; a
message joins its week bucket once, when it leaves the queue; a courier payload is compressed in its
timeline line. After issue 19 (79 WRU, before issue 18's log): the events' own writes are 52 (1 order
event 4, 2 payments 12, 6 parcel events 36 of which 10 are the silent-parcel clock moving on the due
index), the 4 messages 25 (each: its item in the commit 2, the due index in and out 2, marked sent 1,
its week bucket 1), returns 2.

Why not 40: with the guarantees kept, an event is one transaction of at least two items (its state and
its line or marker: 4 WRU; a payment has three: 6), 9 events are at least 40 WRU alone, and a message
that must survive a crash and be counted weekly costs at least 6 (its item in the commit, its queue entry
in and out, marked sent, its bucket). Taken since: a parcel's silent clock is set once per rule
(`domain.shipments.silent_clock`; the sweeper, when it falls due and news came since, moves it then)
instead of moving the due index on every courier event: -6 WRU per order measured (117.5 to 111.5).
What would go further: a payment notification's marker folded into its
timeline line (the line's key made unique per notification, as a courier event's is: -4); a courier
event that changes nothing the customer sees written as its line alone (one plain PutItem) if the
silent clock read the last line.

Issue 18's event log (every inbound delivery kept for replay: store/event_log.py) rides each webhook's
commit: one item under 1 KB (the canonical event compact, no second copy of a kept body or its hash) is
2 WRU in the transaction and 1 on the lookup index, so +3 per logged event, +30 per order (ten webhooks;
a PayU COMPLETED with its trimmed payload is 1.1 KB: +5). Kept in the commit so an applied event is never
missing from the log and no round trip is added; written after it as a plain PutItem it would cost 2, at
the price of a second call and a window where a crash loses the record. At on-demand prices the log is
about 0.02 USD per 1,000 orders (0.7625 USD per million WRU).
"""


if __name__ == "__main__":
    raise SystemExit(main())
