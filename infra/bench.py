"""`make bench`: per handler, DynamoDB round trips per request (counted by a botocore hook), warm
in-process latency against moto (median, p99), and cold import time as a ratio to bare boto3.

Figures are written to docs/benchmarks.md with the date, machine and command.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WARM_RUNS = int(os.environ.get("BENCH_RUNS", "200"))
COLD_RUNS = 5
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


def cold_import(module: str) -> float:
    """Median over fresh processes of the time to import `module` (.pyc warm, as on a Lambda)."""
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = os.environ | {"PYTHONPATH": f"{ROOT / 'functions'}:{ROOT}"}
    times = []
    for _ in range(COLD_RUNS + 1):
        out = subprocess.run(  # noqa: S603  (our interpreter, our code string)
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(times[1:]) * 1000  # the first run also compiles .pyc files


class RoundTrips:
    """Counts DynamoDB API calls and the capacity they consume, through botocore's event system."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.capacity = 0.0
        self.capacity_by_op: Counter[str] = Counter()
        self.items_read = 0  # ScannedCount of queries: what DynamoDB bills reads for
        self._op = ""

    def attach(self, client) -> None:
        client.meta.events.register("before-call.dynamodb.*", self._count)
        client.meta.events.register("provide-client-params.dynamodb.*", self._ask_capacity)
        client.meta.events.register("after-call.dynamodb.*", self._capacity)

    def _count(self, model, **_: object) -> None:
        self.calls[model.name] += 1

    @staticmethod
    def _ask_capacity(params: dict, **_: object) -> None:
        params.setdefault("ReturnConsumedCapacity", "TOTAL")

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


def measure(name: str, request: Callable[[int], object], counter: RoundTrips, runs: int) -> dict:
    latencies, trips, capacity = [], [], []
    for i in range(runs):
        counter.reset()
        started = time.perf_counter()
        request(i)
        latencies.append((time.perf_counter() - started) * 1000)
        trips.append(sum(counter.calls.values()))
        capacity.append(counter.capacity)
    latencies.sort()
    calls = ", ".join(f"{op} {n}" for op, n in sorted(counter.calls.items()))
    return {
        "name": name,
        "calls": calls,
        "trips": statistics.median(trips),
        "capacity": statistics.median(capacity),
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
    }


def warm_figures() -> list[dict]:
    from moto import mock_aws

    with mock_aws():
        from infra.local import bootstrap, template
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
        ctx = FakeContext(function_name="bench")
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
                        woo_order(
                            "1", modified=f"2026-11-21T{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}"
                        ),
                        topic="order.updated",
                    ),
                    ctx,
                ),
                counter,
                WARM_RUNS,
            ),
            *payment_figures(orders, ctx, counter),
            *courier_figures(orders, ctx, counter),
            measure(
                "order status GET (JSON)",
                lambda i: orders(
                    api_event("GET", "/orders/1/status", query="email=anna.kowalska%40example.com"), ctx
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
    return results


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
    from zwrotnica.flows import payments
    from zwrotnica.providers.przelewy24 import Przelewy24Client

    verified = httpx.Response(200, json={"data": {"status": "success"}, "responseCode": 0})
    keys = (S["p24_merchant_id"], S["p24_pos_id"], S["p24_api_key"], S["p24_crc"])
    transport = httpx.MockTransport(lambda request: verified)
    payments.p24_client = lambda: Przelewy24Client(
        "https://sandbox.przelewy24.pl", *keys, transport=transport
    )
    for i in range(WARM_RUNS):  # unpaid orders for the P24 row, made outside the measurement
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
        return f"6026774393316303377{i:05d}"

    known = ["confirmed", "taken_by_courier", "delivered"]
    inpost.use_transport(
        httpx.MockTransport(lambda r: httpx.Response(200, json=shipx_tracking(r.url.path[13:], known)))
    )
    for i in range(WARM_RUNS):  # orders naming their parcels, made outside the measurement
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


def main() -> int:
    boto3_ms = cold_import("boto3")
    cold = [(m, cold_import(m)) for m in ("order_status.app", "courier_webhook.app", "sla_sweeper.app")]
    warm = warm_figures()
    from infra.bench_sweeper import scaling

    sweep = scaling(RoundTrips())
    lines = [
        f"Benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, command `make bench` "
        f"(moto in-process, {WARM_RUNS} warm runs each)",
        "",
        "| cold import | ms (median of 5 fresh processes) | ratio to bare `import boto3` |",
        "| --- | ---: | ---: |",
        f"| `import boto3` | {boto3_ms:.0f} | 1.00 |",
        *[f"| `import {m}` | {ms:.0f} | {ms / boto3_ms:.2f} |" for m, ms in cold],
        "",
        "| request (warm, in-process, against moto) | DynamoDB round trips | calls | capacity units "
        "| median ms | p99 ms |",
        "| --- | ---: | --- | ---: | ---: | ---: |",
        *[
            f"| {r['name']} | {r['trips']:.0f} | {r['calls']} | {r['capacity']:.1f} "
            f"| {r['p50']:.1f} | {r['p99']:.1f} |"
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
    report = "\n".join(lines)
    print(report)
    out = ROOT / "docs" / "benchmarks.md"
    out.write_text(
        "# Benchmarks\n\nLatest `make bench` run. Capacity units are moto's estimate; moto answers index\n"
        "queries by walking the whole table, so its sweeper wall time grows with the table while DynamoDB's\n"
        "reads (items read) grow only with the due tickets.\n\n" + report + "\n",
        encoding="utf-8",
    )
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
