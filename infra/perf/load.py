"""`make load`: a bounded load test on loopback against the local stack.

It starts the stack (`python -m infra.local.run` on free ports, the sweeper's timer out of the way), or
targets one already running (`--url`). It seeds orders through the signed WooCommerce webhook, each naming
its parcel, then sends N courier and payment webhooks: InPost ShipX pushes, AfterShip (DPD) and generic
Standard Webhooks (DHL) tracking events, PayU and Przelewy24 notifications (P24's `transaction/verify` is
answered by the stack's local stand-in, `run.p24_sandbox`). A share of them are exact re-deliveries, the
whole plan is shuffled, and `--senders` threads send it over keep-alive connections.

Ordering: each order's webhooks go through one sender, in the shuffled plan's order (a provider delivers
one parcel's events in some order, not all at once), so every order sees a known, shuffled arrival order.
The expected outcome is computed from that plan alone, by replaying each order's arrivals through the
domain's pure rules (`shipments.decide`/`evolve`, `shipment_notices.messages`, `payments.on_payment`),
never from what the system answered. The report compares the two.

The local gateway runs one invocation at a time (one "container", `run._invoke_lock`): the figures are
those of a single warm container on this machine, against moto, with the senders queueing at the lock.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
STATE_CHANGES = frozenset({"apply", "refresh", "applied", "flagged"})  # what the handlers answer
INPOST_LIFE = (  # a Paczkomat parcel: label, pickup, sorting, last mile, in the locker, collected
    ("confirmed", "2026-11-20 15:30:00 +0100"),
    ("taken_by_courier", "2026-11-20 17:02:00 +0100"),
    ("adopted_at_sorting_center", "2026-11-20 22:10:00 +0100"),
    ("out_for_delivery", "2026-11-21 07:40:00 +0100"),
    ("ready_to_pickup", "2026-11-21 13:11:05 +0100"),
    ("delivered", "2026-11-21 18:20:00 +0100"),
)
AFTERSHIP_LIFE = (  # a DPD courier parcel through AfterShip: (tag, subtag, checkpoint time)
    ("InfoReceived", "InfoReceived_001", "2026-11-20T15:30:00+01:00"),
    ("InTransit", "InTransit_002", "2026-11-20T18:05:00+01:00"),
    ("InTransit", "InTransit_007", "2026-11-20T23:40:00+01:00"),
    ("InTransit", "InTransit_003", "2026-11-21T05:15:00+01:00"),
    ("OutForDelivery", "OutForDelivery_001", "2026-11-21T08:02:00+01:00"),
    ("Delivered", "Delivered_001", "2026-11-21T12:47:00+01:00"),
)
GENERIC_LIFE = (  # a DHL parcel reported by a 3PL in our canonical shape
    ("LABEL_CREATED", "2026-11-20T14:30:00Z"),
    ("IN_TRANSIT", "2026-11-20T17:00:00Z"),
    ("IN_TRANSIT", "2026-11-20T23:00:00Z"),
    ("IN_TRANSIT", "2026-11-21T04:30:00Z"),
    ("OUT_FOR_DELIVERY", "2026-11-21T07:10:00Z"),
    ("DELIVERED", "2026-11-21T11:35:00Z"),
)


# --- The plan: orders, their webhooks, duplicates, the shuffled arrival order -------------------------
@dataclass
class Delivery:
    order: str
    kind: str  # inpost, aftership, generic, payu, p24
    path: str
    body: bytes
    headers: dict[str, str]
    ident: int  # the event (a re-delivery has its original's ident)
    sign_at_send: bool = False  # Standard Webhooks: a retry carries the same id, signed when it is sent


@dataclass
class SeededOrder:
    number: str
    carrier: str  # inpost, dpd, dhl
    tracking: str
    payment: str  # payu, p24
    body: bytes


@dataclass
class Plan:
    orders: list[SeededOrder]
    deliveries: list[Delivery]  # shuffled; re-deliveries included
    unique: int
    duplicates: int


def _woo_payload(number: str, carrier: str, tracking: str) -> dict[str, Any]:
    from tests.factories import woo_order_shipped

    provider = {"inpost": "InPost", "dpd": "DPD", "dhl": "DHL"}[carrier]
    order = woo_order_shipped(number, tracking, provider)
    if carrier != "inpost":  # a courier to the door: no Paczkomat
        order["meta_data"] = [m for m in order["meta_data"] if m["key"] != "_paczkomat_id"]
        order["shipping_lines"] = [
            line | {"method_id": "flat_rate", "method_title": "Kurier"} for line in order["shipping_lines"]
        ]
    return order


def _events(order: SeededOrder) -> list[tuple[str, str, bytes, dict[str, str], bool]]:
    """(kind, path, body, headers, sign_at_send) of every webhook this order's life sends."""
    from infra.local.bootstrap import DEV_SECRETS
    from tests.factories import inpost_body, p24_notification, payu_order_body, payu_signature
    from zwrotnica.providers import aftership

    out = []
    number, tracking = order.number, order.tracking
    if order.carrier == "inpost":
        path = f"/webhooks/couriers/inpost/{DEV_SECRETS['inpost_webhook_token']}"
        for status, at in INPOST_LIFE:
            event = "shipment_confirmed" if status == "confirmed" else "shipment_status_changed"
            body = json.dumps(inpost_body(status, number=tracking, at=at, event=event)).encode()
            out.append(("inpost", path, body, {"Content-Type": "application/json"}, False))
    elif order.carrier == "dpd":
        for i, (tag, subtag, at) in enumerate(AFTERSHIP_LIFE):
            doc = {
                "ts": int(datetime.fromisoformat(at).timestamp()),
                "event": "tracking_update",
                "event_id": hashlib.md5(f"{tracking}:{i}".encode(), usedforsecurity=False).hexdigest(),
                "msg": {
                    "id": hashlib.md5(tracking.encode(), usedforsecurity=False).hexdigest(),
                    "tracking_number": tracking,
                    "slug": "dpd-poland",
                    "tag": tag,
                    "subtag": subtag,
                    "subtag_message": tag,
                    "checkpoints": [{"tag": tag, "subtag": subtag, "city": "Kraków", "checkpoint_time": at}],
                },
            }
            body = json.dumps(doc, ensure_ascii=False).encode()
            secret = DEV_SECRETS["aftership_webhook_secret"]
            headers = {
                "Content-Type": "application/json",
                "aftership-hmac-sha256": aftership.sign(secret, body),
            }
            out.append(("aftership", "/webhooks/couriers/aftership", body, headers, False))
    else:
        for i, (status, at) in enumerate(GENERIC_LIFE):
            data = {"carrier": "dhl", "tracking_number": tracking, "status": status, "occurred_at": at}
            data["raw_code"] = f"{status.lower()}_{i}"
            body = json.dumps({"type": "tracking.event", "timestamp": at, "data": data}).encode()
            headers = {"Content-Type": "application/json", "webhook-id": f"trk_{tracking}_{i}"}
            out.append(("generic", "/webhooks/couriers/generic", body, headers, True))
    if order.payment == "payu":
        for status in ("PENDING", "COMPLETED"):
            body = payu_order_body(number, status, 26100, order_id=f"PAYU{number}X")
            headers = {
                "Content-Type": "application/json;charset=UTF-8",
                "OpenPayu-Signature": payu_signature(body),
            }
            out.append(("payu", "/webhooks/payments/payu", body, headers, False))
    else:
        body = json.dumps(p24_notification(number, 26100, orderId=700_000_000 + int(number[-6:]))).encode()
        out.append(
            ("p24", "/webhooks/payments/przelewy24", body, {"Content-Type": "application/json"}, False)
        )
    return out


def make_plan(webhooks: int, duplicate_share: float, seed: int, run_id: str) -> Plan:
    """`webhooks` deliveries in all, `duplicate_share` of them exact re-deliveries of another one."""
    from tests.factories import woo_body

    rng = random.Random(seed)
    duplicates = round(webhooks * duplicate_share)
    unique = webhooks - duplicates
    orders: list[SeededOrder] = []
    originals: list[Delivery] = []
    k = 0
    while len(originals) < unique:
        carrier = ("inpost",) * 5 + ("dpd",) * 3 + ("dhl",) * 2
        number = f"{run_id}{k:06d}"
        order = SeededOrder(
            number=number,
            carrier=carrier[k % 10],
            tracking=f"{9 if carrier[k % 10] == 'inpost' else 8}{number}".ljust(24, "0"),
            payment="payu" if k % 5 < 3 else "p24",
            body=b"",
        )
        order.body = woo_body(_woo_payload(number, order.carrier, order.tracking))
        orders.append(order)
        for kind, path, body, headers, late_sign in _events(order):
            if len(originals) < unique:
                originals.append(Delivery(number, kind, path, body, headers, len(originals), late_sign))
        k += 1
    copies = [originals[i] for i in rng.sample(range(unique), duplicates)] if duplicates <= unique else []
    deliveries = originals + copies
    rng.shuffle(deliveries)
    return Plan(orders, deliveries, unique, duplicates)


# --- The expected outcome: the plan replayed through the domain's pure rules ---------------------------
@dataclass
class Expected:
    state_changes: int = 0
    changes_with_message: int = 0
    messages: int = 0
    by_channel: Counter = field(default_factory=Counter)
    absorbed: int = 0  # re-deliveries that change nothing
    results: dict[int, str] = field(default_factory=dict)  # position in the plan -> what should happen


def expected_outcome(plan: Plan, now: datetime) -> Expected:
    from zwrotnica.domain import payments as pay_rules
    from zwrotnica.domain import shipment_notices
    from zwrotnica.domain.payments import Context, PaymentState
    from zwrotnica.domain.shipments import Action, ShipmentState, decide, evolve
    from zwrotnica.providers import aftership, inpost, payu, przelewy24, shop, tracking_generic, woocommerce

    parsers = {
        "inpost": inpost.parse,
        "aftership": aftership.parse,
        "generic": tracking_generic.parse,
        "payu": payu.parse_notification,
        "p24": przelewy24.parse_notification,
    }
    ships: dict[str, ShipmentState] = {}
    pays: dict[str, PaymentState] = {}
    for o in plan.orders:
        order = shop.to_shop_order(woocommerce.to_order_fields(json.loads(o.body)))
        ref = order.shipments[0]
        ships[o.number] = ShipmentState(
            order_number=order.number,
            carrier=ref.carrier,
            tracking_number=ref.tracking_number,
            email=order.email,
            phone=order.phone,
            marketing_consent=order.marketing_consent,
            paczkomat=order.delivery.method.value == "paczkomat",
            point_id=order.delivery.point_id,
        )
        pays[o.number] = PaymentState(order.number, order.total, order.currency, email=order.email)
    out, seen = Expected(), set()
    ctx = Context(now, "https://example.invalid/status", "Sklep")
    for position, d in enumerate(plan.deliveries):  # per order, this is the order the sender keeps
        if d.ident in seen:
            out.absorbed += 1
            out.results[position] = "absorbed"
            continue
        seen.add(d.ident)
        event = parsers[d.kind](d.body)
        messages: list = []
        if d.kind in ("payu", "p24"):
            decision = pay_rules.on_payment(pays[d.order], event, ctx)
            changed = decision.writes
            messages = list(decision.messages)
            pays[d.order] = decision.state if changed else pays[d.order]
        else:
            state = ships[d.order]
            decision = decide(state, event)
            changed = decision.action is not Action.RECORD
            if changed and decision.trigger:
                messages = shipment_notices.messages(
                    decision.trigger,
                    decision.status,
                    state,
                    occurred_at=event.occurred_at,
                    now=now,
                    status_url=None,
                    shop_name="Sklep",
                    pickup_deadline=decision.pickup_deadline,
                )
            ships[d.order] = evolve(state, event, decision)
        out.results[position] = "change" if changed else "no change"
        out.state_changes += changed
        out.changes_with_message += bool(changed and messages)
        out.messages += len(messages)
        out.by_channel.update(m.channel.value for m in messages)
    return out


# --- Sending ----------------------------------------------------------------------------------------
class Sender:
    """One keep-alive connection; re-opened if the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=120)

    def request(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        for attempt in range(4):  # a connection the server dropped before answering: send again
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
                if attempt == 3:
                    raise
                time.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")


def _signed(d: Delivery) -> dict[str, str]:
    if not d.sign_at_send:
        return d.headers
    from infra.local.bootstrap import DEV_SECRETS
    from zwrotnica.providers import standard_webhooks

    ts = int(time.time())
    secret = DEV_SECRETS["standard_webhooks_secrets"][0]
    signature = standard_webhooks.sign(secret, d.headers["webhook-id"], ts, d.body)
    return d.headers | {"webhook-timestamp": str(ts), "webhook-signature": signature}


def _run_senders(host: str, port: int, lanes: list[list[tuple[int, Delivery]]]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    lock = threading.Lock()

    def work(lane: list[tuple[int, Delivery]]) -> None:
        sender, mine = Sender(host, port), []
        for position, d in lane:
            started = time.perf_counter()
            try:
                status, raw = sender.request("POST", d.path, d.body, _signed(d))
                result = json.loads(raw or b"{}").get("result") if 200 <= status < 300 else None
            except (OSError, ValueError, http.client.HTTPException) as exc:
                status, result = 0, repr(exc)
            ms = (time.perf_counter() - started) * 1000
            mine.append({"position": position, "status": status, "result": result, "ms": ms})
        sender.conn.close()
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=work, args=(lane,), daemon=True) for lane in lanes if lane]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _lanes(items: list[tuple[int, Delivery]], senders: int) -> list[list[tuple[int, Delivery]]]:
    """Each order's deliveries to one sender (a stable hash of the order number), in plan order."""
    lanes: list[list[tuple[int, Delivery]]] = [[] for _ in range(senders)]
    for position, d in items:
        lane = int(hashlib.md5(d.order.encode(), usedforsecurity=False).hexdigest(), 16) % senders
        lanes[lane].append((position, d))
    return lanes


def _seed(host: str, port: int, orders: list[SeededOrder], senders: int) -> int:
    from tests.factories import woo_headers

    seeds = [
        (i, Delivery(o.number, "woo", "/webhooks/shop/woocommerce", o.body, woo_headers(o.body), -1))
        for i, o in enumerate(orders)
    ]
    done = _run_senders(host, port, _lanes(seeds, senders))
    failed = [r for r in done if not 200 <= r["status"] < 300]
    for r in failed[:5]:
        print(f"seed order not stored: {r['status']} {r['result']}", file=sys.stderr)
    return len(failed)


def _outbox(host: str, port: int, numbers: set[str]) -> list[dict[str, Any]]:
    status, raw = Sender(host, port).request("GET", "/_dev/outbox.json", None, {})
    if status != 200:
        raise RuntimeError(f"/_dev/outbox.json answered {status}")
    return [m for m in json.loads(raw) if m["order_number"] in numbers]


# --- The stack --------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalStack:
    """`python -m infra.local.run` on free ports, its output in a temporary log file."""

    def __init__(self, fast_moto: bool = True) -> None:
        self.port, self.moto_port, self.smtp_port = free_port(), free_port(), free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="zwrotnica-load-", suffix=".log", delete=False)  # noqa: SIM115
        env = os.environ | {
            "PORT": str(self.port),
            "MOTO_PORT": str(self.moto_port),
            "SMTP_PORT": str(self.smtp_port),  # a `make run` elsewhere may hold 2525
            "SWEEP_SECONDS": str(10**7),  # the sweeper's timer never fires during the run
            "LOG_LEVEL": "ERROR",
            "PYTHONPATH": f"{ROOT / 'functions'}:{ROOT}",
            "LOCAL_FAST_MOTO": "1" if fast_moto else "0",
        }
        self.process = subprocess.Popen(  # noqa: S603  (our interpreter, our module)
            [sys.executable, "-m", "infra.local.run"], cwd=ROOT, env=env, stdout=self.log, stderr=self.log
        )

    def wait(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the local stack exited; see {self.log.name}")
            try:
                if Sender("127.0.0.1", self.port).request("GET", "/_dev/outbox.json", None, {})[0] == 200:
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"the local stack did not answer within {timeout} s; see {self.log.name}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


# --- The run ----------------------------------------------------------------------------------------
def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else 0.0


def run(
    webhooks: int = 10_000,
    senders: int = 50,
    duplicate_share: float = 0.2,
    seed: int = 7,
    url: str | None = None,
    fast_moto: bool = True,
) -> dict[str, Any]:
    """The whole test; returns the figures (and the checks' inputs) as a dict."""
    sys.path[:0] = [p for p in (str(ROOT / "functions"), str(ROOT)) if p not in sys.path]
    run_id = f"{int(time.time()) % 10**6:06d}"
    plan = make_plan(webhooks, duplicate_share, seed, run_id)
    stack = None
    if url is None:
        stack = LocalStack(fast_moto)
        host, port = "127.0.0.1", stack.port
    else:
        host, _, port_text = url.removeprefix("http://").rstrip("/").partition(":")
        port = int(port_text or 80)
    try:
        if stack:
            stack.wait()
        numbers = {o.number for o in plan.orders}
        seed_errors = _seed(host, port, plan.orders, senders)
        baseline = _outbox(host, port, numbers)
        expected = expected_outcome(plan, datetime.now(UTC))
        started = time.perf_counter()
        results = _run_senders(host, port, _lanes(list(enumerate(plan.deliveries)), senders))
        wall = time.perf_counter() - started
        after = _outbox(host, port, numbers)
    finally:
        if stack:
            stack.stop()
    before = {(m["dedup_key"], m["channel"]) for m in baseline}
    new = [m for m in after if (m["dedup_key"], m["channel"]) not in before]
    keys = Counter((m["order_number"], m["dedup_key"], m["channel"]) for m in after)
    ok = [r for r in results if 200 <= r["status"] < 300]
    redelivered = {p for p, what in expected.results.items() if what == "absorbed"}
    latencies = [r["ms"] for r in results]
    kinds = Counter(plan.deliveries[r["position"]].kind for r in results)
    figures = {
        "webhooks": webhooks,
        "senders": senders,
        "orders": len(plan.orders),
        "sent": len(results),
        "accepted": len(ok),
        "errors": len(results) - len(ok) + seed_errors,
        "duplicates_sent": plan.duplicates,
        "duplicates_absorbed": sum(
            1 for r in ok if r["position"] in redelivered and r["result"] not in STATE_CHANGES
        ),
        "state_changes": sum(1 for r in ok if r["result"] in STATE_CHANGES),
        "expected_state_changes": expected.state_changes,
        "expected_changes_with_message": expected.changes_with_message,
        "messages": len(new),
        "expected_messages": expected.messages,
        "messages_by_channel": dict(Counter(m["channel"] for m in new)),
        "expected_by_channel": dict(expected.by_channel),
        "messages_by_status": dict(Counter(m["status"] for m in new)),
        "duplicate_message_keys": sum(1 for n in keys.values() if n > 1),
        "results": dict(Counter(str(r["result"]) for r in results)),
        "kinds": dict(kinds),
        "error_samples": [r["result"] for r in results if not 200 <= r["status"] < 300][:5],
        "median_ms": statistics.median(latencies) if latencies else 0.0,
        "p99_ms": _percentile(latencies, 0.99),
        "wall_s": wall,
        "throughput": len(results) / wall if wall else 0.0,
        "messages_per_1000": 1000 * len(new) / max(len(results), 1),
        "service_ms": 1000 * wall / max(len(results), 1),
        "fast_moto": fast_moto,
        "cpu_count": os.cpu_count(),
        "log": stack.log.name if stack else None,
    }
    return figures


def report(f: dict[str, Any]) -> str:
    rows = [
        ("webhooks sent (courier + payment)", f"{f['sent']:,}"),
        ("kinds", ", ".join(f"{k} {n:,}" for k, n in sorted(f["kinds"].items()))),
        ("orders seeded (signed shop webhook, not counted above)", f"{f['orders']:,}"),
        ("accepted (2xx)", f"{f['accepted']:,}"),
        ("errors (non-2xx or no answer)", f"{f['errors']:,}"),
        ("exact re-deliveries sent", f"{f['duplicates_sent']:,}"),
        ("re-deliveries absorbed (no state change)", f"{f['duplicates_absorbed']:,}"),
        (
            "state changes (observed / expected from the plan)",
            f"{f['state_changes']:,} / {f['expected_state_changes']:,}",
        ),
        ("state changes that send a message (expected)", f"{f['expected_changes_with_message']:,}"),
        ("messages in the outbox (observed / expected)", f"{f['messages']:,} / {f['expected_messages']:,}"),
        ("messages by channel", ", ".join(f"{k} {n:,}" for k, n in sorted(f["messages_by_channel"].items()))),
        ("messages by status", ", ".join(f"{k} {n:,}" for k, n in sorted(f["messages_by_status"].items()))),
        ("messages with the same (order, dedup key, channel)", f"{f['duplicate_message_keys']}"),
        ("messages per 1,000 webhooks", f"{f['messages_per_1000']:.0f}"),
        (
            "latency median / p99 (client side, incl. queueing)",
            f"{f['median_ms']:.0f} ms / {f['p99_ms']:.0f} ms",
        ),
        ("throughput (one container, serialized)", f"{f['throughput']:.1f} req/s"),
        ("service time per request (wall / sent)", f"{f['service_ms']:.1f} ms"),
        ("wall time of the load phase", f"{f['wall_s']:.1f} s"),
    ]
    lines = [
        f"Load test, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {f['cpu_count']} cores, "
        f"{f['webhooks']:,} webhooks, {f['senders']} senders, "
        f"{f['duplicates_sent'] / max(f['sent'], 1):.0%} exact re-deliveries, shuffled; "
        f"local stack on loopback, one invocation at a time (gateway lock), moto"
        + (" with LOCAL_FAST_MOTO" if f["fast_moto"] else ""),
        "",
        "| load | figure |",
        "| --- | ---: |",
        *[f"| {name} | {value} |" for name, value in rows],
    ]
    return "\n".join(lines)


DOC_HEADER = """# Load test

Latest `make load` run ({command}), rewritten by it; how it works: infra/perf/load.py and docs/benchmarks.md
("Load test"). The expected figures come from replaying the plan through the domain's pure rules; the
run fails when the observed ones differ, when any webhook errs, or when a message exists twice.

"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--webhooks", type=int, default=10_000)
    parser.add_argument("-c", "--senders", type=int, default=50)
    parser.add_argument("--duplicates", type=float, default=0.2, help="share of exact re-deliveries")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--url", help="a stack already running (e.g. http://127.0.0.1:3000); else one is started"
    )
    parser.add_argument(
        "--moto-as-is", action="store_true", help="without LOCAL_FAST_MOTO (slow as the table grows)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--doc", type=Path, help="also write the report here (make load: docs/load-test.md)")
    args = parser.parse_args(argv)
    figures = run(args.webhooks, args.senders, args.duplicates, args.seed, args.url, not args.moto_as_is)
    print(report(figures))
    if args.doc:
        command = f'make load ARGS="-n {args.webhooks} -c {args.senders} --duplicates {args.duplicates}"'
        args.doc.write_text(DOC_HEADER.format(command=command) + report(figures) + "\n", encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    failed = [
        name
        for name, bad in (
            ("errors", figures["errors"]),
            ("messages differ from the expected", figures["messages"] != figures["expected_messages"]),
            ("state changes differ", figures["state_changes"] != figures["expected_state_changes"]),
            ("a message twice", figures["duplicate_message_keys"]),
        )
        if bad
    ]
    if failed:
        print(
            "\nFAILED: " + "; ".join(failed) + (f" (stack log: {figures['log']})" if figures["log"] else "")
        )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
