"""Carrier polling measured: the sweeper's real poll step (dispatch.sweeps.poll_carriers) on moto at 1k and
10k active parcels, a whole day of runs every 5 minutes, against carriers answering in their documented
shapes (httpx.MockTransport, the fixtures of tests/events/).

- Poll items: the parcels of DHL, Poczta Polska and ORLEN Paczka at the mix `domain.polling.estimate_run`
  assumes (carrier and state shares), each at a random point of its own rhythm before the day starts.
  The carriers answer "found, nothing new" (one event older than the parcel's last one): what most polls
  find, and what isolates polling's own cost; new events cost what a pushed event costs (the `tracking`
  profile of the cost model).
- DPD: its queue at the estimate's rate (4 events per parcel and day), for waybills no order names (held,
  as in life for other channels' parcels), measured over an hour of runs: calls per run (fetch and
  acknowledgement); the events' DynamoDB cost is the `tracking` profile's.

Per run: carrier calls, DynamoDB calls and the items the due queries read, read units (moto's estimate)
and write units from the call mix (each claim rewrites the item and moves its index entry: 1 + 2 WRU; a
parcel leaving the queue: 1 + 1). Beside them, `estimate_run`'s figures for the same mix.
"""

from __future__ import annotations

import os
import random
import re
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

SIZES = tuple(int(n) for n in os.environ.get("BENCH_POLL_SIZES", "1000,10000").split(","))
DAY = datetime(2026, 3, 10, tzinfo=UTC)  # the estimate's default day: a Tuesday
RUN = timedelta(minutes=5)
EVENTS = Path(__file__).resolve().parents[2] / "tests" / "events"
OLD = "2026-03-01 10:00:00"  # the one event each answer carries: older than every parcel's last one


def _text(name: str) -> str:
    return (EVENTS / name).read_text(encoding="utf-8")


class Carriers:
    """Every carrier answers "found, nothing new" for any number; DPD's queue holds `dpd_per_run` new
    events each run. Counts calls per carrier."""

    def __init__(self, dpd_per_run: float = 0.0) -> None:
        self.calls: Counter[str] = Counter()
        self.dpd_per_run = dpd_per_run
        self._dpd_due = 0.0
        self._dpd_batch: list[str] = []
        self._dpd_seq = 0
        dhl = _text("dhl24/track_life.xml")
        self._dhl = re.sub(r"(<events>\s*<item>.*?</item>).*?(</events>)", r"\1\2", dhl, flags=re.S)
        self._dhl = self._dhl.replace("2026-03-09 10:02:11", OLD)
        pp = _text("poczta_polska/sprawdz_przesylki.xml")
        row = re.search(r"<ax21:przesylka>.*?</ax21:przesylka>", pp, re.S).group(0)
        first = r"(<ax21:zdarzenia>\s*<ax21:zdarzenie>.*?</ax21:zdarzenie>).*?(</ax21:zdarzenia>)"
        row = re.sub(first, r"\1\2", row, flags=re.S).replace("2026-03-02 11:59", OLD[:16])
        self._pp_row = row.replace("<ax21:zakonczonoObsluge>true<", "<ax21:zakonczonoObsluge>false<")
        self._pp = (
            pp[: pp.index("<ax21:przesylki>") + len("<ax21:przesylki>")],
            pp[pp.index("</ax21:przesylki>") :],
        )
        orlen = _text("orlen/history_life.xml")
        self._orlen_row = (
            re.search(r"<PackStatus>.*?</PackStatus>", orlen)
            .group(0)
            .replace("2026-10-07T13:18:49.9237746Z", "2026-03-01T09:00:00Z")
        )
        self._orlen = orlen[: orlen.index("<PackStatus>")], orlen[orlen.rindex("</PackStatus>") + 13 :]
        dpd = _text("dpd/customer_events_life.xml")
        self._dpd_row = re.search(r"<eventsList>.*?</eventsList>", dpd, re.S).group(0)
        self._dpd = dpd[: dpd.index("<confirmId>")], dpd[dpd.rindex("</eventsList>") + 13 :]

    def next_run(self, now: datetime) -> None:
        """DPD records this run's events (waybills no order names), in Warsaw time."""
        self._dpd_due += self.dpd_per_run
        while self._dpd_due >= 1:
            self._dpd_due -= 1
            self._dpd_seq += 1
            at = (now - timedelta(minutes=2)).astimezone(ZONE).strftime("%Y-%m-%dT%H:%M:%S")
            self._dpd_batch.append(
                re.sub(r"<eventTime>[^<]+<", f"<eventTime>{at}<", self._dpd_row)
                .replace("1000635967411U", f"9{self._dpd_seq:012d}U")
                .replace("<id>880001<", f"<id>{self._dpd_seq}<")
            )

    def handle(self, request: httpx.Request) -> httpx.Response:
        body = request.content.decode("utf-8")
        host = request.url.host
        carrier = {"dhl24.com.pl": "dhl", "tt.poczta-polska.pl": "poczta_polska"}.get(host) or (
            "orlen" if "orlen" in host else "dpd"
        )
        self.calls[carrier] += 1
        if carrier == "dhl":
            number = re.search(r"<(?:\w+:)?shipmentId>([^<]+)<", body).group(1)
            return _xml(self._dhl.replace("24333892874", number))
        if carrier == "poczta_polska":
            numbers = re.findall(r"<(?:\w+:)?numer>([^<]+)<", body)
            rows = "".join(self._pp_row.replace("PX0123456789PL", n) for n in numbers)
            return _xml(self._pp[0] + rows + self._pp[1])
        if carrier == "orlen":
            numbers = re.findall(r"<(?:\w+:)?string>([^<]+)<", body)
            rows = "".join(self._orlen_row.replace("2100012345678", n) for n in numbers)
            return _xml(self._orlen[0] + rows + self._orlen[1])
        if "markEventsAsProcessedV1" in body:
            self._dpd_batch = []
            return _xml(_text("dpd/mark_processed.xml"))
        if not self._dpd_batch:
            return _xml(_text("dpd/customer_events_empty.xml"))
        rows = "\n".join(self._dpd_batch[:100])
        return _xml(f"{self._dpd[0]}<confirmId>bench-{self._dpd_seq}</confirmId>{rows}{self._dpd[1]}")


def _xml(text: str) -> httpx.Response:
    return httpx.Response(200, content=text.encode("utf-8"), headers={"Content-Type": "text/xml"})


ZONE = None  # set in measure(): zoneinfo Warsaw


def _fill(ddb, table: str, active: int, start: datetime) -> int:
    """The polled carriers' poll items, each at a random point of its rhythm before `start`."""
    from zwrotnica.domain import polling
    from zwrotnica.models.common import iso
    from zwrotnica.store import polling as poll_store

    rng = random.Random(18)
    states = list(polling.TYPICAL_STATE_SHARE)
    weights = list(polling.TYPICAL_STATE_SHARE.values())
    batch, count = [], 0
    first_seen = start - timedelta(days=2)
    for carrier, share in polling.TYPICAL_CARRIER_SHARE.items():
        if carrier not in polling.POLLED:
            continue
        for i in range(round(active * share)):
            status = rng.choices(states, weights)[0]
            number = f"{i + 1:011d}"
            interval = polling.DEFAULT_INTERVALS.get(status, polling.DEFAULT_INTERVALS[None])
            previous = start - interval * 1.2 * rng.random()
            due = polling.next_poll_at(carrier, number, status, previous, first_seen) or start
            item = {
                "pk": {"S": f"POLL#{carrier}#{number}"},
                "sk": {"S": "POLL"},
                "type": {"S": "poll"},
                "carrier": {"S": carrier},
                "tracking_number": {"S": number},
                "first_seen": {"S": iso(first_seen)},
                "last_event_at": {"S": iso(start - timedelta(days=1))},
                "last_code": {"S": "x"},
                "queue": {"S": poll_store.queue(carrier)},
                "due_at": {"S": iso(due)},
                "expires_at": {"N": str(int((start + timedelta(days=60)).timestamp()))},
            }
            if status is not None:
                item["status"] = {"S": status.value}
            batch.append({"PutRequest": {"Item": item}})
            count += 1
            if len(batch) == 25:
                ddb.batch_write_item(RequestItems={table: batch})
                batch = []
    if batch:
        ddb.batch_write_item(RequestItems={table: batch})
    return count


def measure(counter) -> list[dict]:
    """Fresh moto per size: a day of poll runs, then an hour of DPD's queue drained."""
    global ZONE
    import json
    from zoneinfo import ZoneInfo

    import boto3
    from aws_lambda_powertools.utilities import parameters
    from moto import mock_aws

    from infra import template
    from infra.local import bootstrap
    from zwrotnica.dispatch import sweeps
    from zwrotnica.domain import polling
    from zwrotnica.observability import metrics
    from zwrotnica.providers import carrier_tracking
    from zwrotnica.settings import get_settings
    from zwrotnica.store.table import client

    ZONE = ZoneInfo("Europe/Warsaw")
    credentials = {
        "dhl24_username": "bench",
        "dhl24_password": "bench",
        "poczta_polska_login": "bench",
        "poczta_polska_password": "bench",
        "orlen_partner_id": "bench",
        "orlen_partner_key": "bench",
    }
    dpd_credentials = {"dpd_info_login": "bench", "dpd_info_password": "bench", "dpd_info_channel": "1"}
    rows = []
    for size in SIZES:
        with mock_aws():
            os.environ.update(template.environment(bootstrap.bootstrap()))
            get_settings.cache_clear()
            client.cache_clear()
            ddb = client()
            counter.attach(ddb)
            units = ReadUnits()
            units.attach(ddb)
            secrets = boto3.client("secretsmanager")
            secret = get_settings().secrets_name
            secrets.put_secret_value(
                SecretId=secret, SecretString=json.dumps(bootstrap.DEV_SECRETS | credentials)
            )
            parameters.clear_caches()
            parcels = _fill(ddb, os.environ["TABLE_NAME"], size, DAY)
            fake = Carriers()
            carrier_tracking.use_transport(httpx.MockTransport(fake.handle))
            started = time.perf_counter()
            per_run = []
            claims = ended = 0
            units.take()
            for step in range(24 * 60 // 5):
                counter.reset()
                before = sum(fake.calls.values())
                result = sweeps.poll_carriers(DAY + step * RUN, budget=137)
                metrics.clear_metrics()  # as the handler's flush would: no EMF blobs on the bench's stdout
                claims += result.claimed
                ended += result.ended
                per_run.append(
                    {
                        "calls": sum(fake.calls.values()) - before,
                        "ddb": sum(counter.calls.values()),
                        "read": counter.items_read,
                        "rru": units.take(),
                        "claimed": result.claimed,
                        "ended": result.ended,
                        "ops": dict(counter.calls),
                    }
                )
            day_ms = (time.perf_counter() - started) * 1000
            # DPD's queue: an hour of runs at the estimate's event rate
            secrets.put_secret_value(
                SecretId=secret, SecretString=json.dumps(bootstrap.DEV_SECRETS | dpd_credentials)
            )
            parameters.clear_caches()
            share = polling.TYPICAL_CARRIER_SHARE["dpd"]
            fake_dpd = Carriers(dpd_per_run=size * share * 4 / 288)
            carrier_tracking.use_transport(httpx.MockTransport(fake_dpd.handle))
            dpd_calls, dpd_events = [], 0
            for step in range(12):
                now = DAY + timedelta(hours=12) + step * RUN
                fake_dpd.next_run(now)
                before = fake_dpd.calls["dpd"]
                result = sweeps.poll_carriers(now, budget=137)
                metrics.clear_metrics()
                dpd_calls.append(fake_dpd.calls["dpd"] - before)
                dpd_events += result.events
            carrier_tracking.use_transport(None)
            estimate = polling.estimate_run(size)
            rows.append(
                {
                    "active": size,
                    "polled_parcels": parcels,
                    "runs": len(per_run),
                    "calls": sum(r["calls"] for r in per_run) / len(per_run),
                    "calls_peak": max(r["calls"] for r in per_run),
                    "ddb": sum(r["ddb"] for r in per_run) / len(per_run),
                    "read": sum(r["read"] for r in per_run) / len(per_run),
                    "rru": sum(r["rru"] for r in per_run) / len(per_run),
                    "wru": (3 * (claims - ended) + 2 * ended) / len(per_run),
                    "claims": claims / len(per_run),
                    "by_carrier": {c: n / len(per_run) for c, n in fake.calls.items()},
                    "dpd_calls": sum(dpd_calls) / len(dpd_calls),
                    "dpd_events": dpd_events / len(dpd_calls),
                    "estimate": estimate,
                    "day_ms": day_ms,
                }
            )
            client.cache_clear()
            get_settings.cache_clear()
    return rows


class ReadUnits:
    """Read units as DynamoDB bills them, from what each call really read: a Query on the (eventually
    consistent) due index 0.5 per 4 KB of the items it returned, rounded up per query; a consistent
    BatchGetItem 1 per key asked (an item that does not exist costs the same)."""

    def __init__(self) -> None:
        self.units = 0.0
        self._keys = 0

    def attach(self, client) -> None:
        client.meta.events.register("provide-client-params.dynamodb.BatchGetItem", self._asked)
        client.meta.events.register("after-call.dynamodb.Query", self._query)
        client.meta.events.register("after-call.dynamodb.BatchGetItem", self._batch)

    def _asked(self, params: dict, **_: object) -> None:
        self._keys = sum(len(r.get("Keys", ())) for r in params.get("RequestItems", {}).values())

    def _query(self, parsed: dict, **_: object) -> None:
        size = sum(_item_bytes(i) for i in parsed.get("Items", []))
        self.units += 0.5 * max(1, -(-size // 4096))

    def _batch(self, parsed: dict, **_: object) -> None:
        self.units += self._keys

    def take(self) -> float:
        units, self.units = self.units, 0.0
        return units


def _item_bytes(item: dict) -> int:
    """DynamoDB's item size: attribute names plus values (strings in UTF-8, numbers about 1 byte per 2
    digits plus 1)."""
    total = 0
    for name, value in item.items():
        total += len(name.encode())
        kind, data = next(iter(value.items()))
        total += len(str(data)) // 2 + 1 if kind == "N" else len(str(data).encode()) if kind == "S" else 1
    return total


def cost_lines(rows: list[dict], memory_mb: int) -> list[str]:
    """The cost model (infra/perf/cost.py `carrier_polling_estimate`) fed with the measured runs: per 30
    days of runs every 5 minutes, DPD's calls included (its events cost what pushed events cost)."""
    from infra.perf.cost import carrier_polling_estimate

    runs = 30 * 24 * 60 // 5
    lines = [
        "| active parcels, 30 days | carrier calls | GB-s waiting (0.4 s a call) | RRU | WRU | USD |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        calls = (r["calls"] + r["dpd_calls"]) * runs
        month = carrier_polling_estimate(calls, r["rru"] * runs, r["wru"] * runs, memory_mb)
        gbs = next(line.quantity for line in month.lines if line.unit == "GB-s")
        lines.append(
            f"| {r['active']:,} | {calls:,.0f} | {gbs:,.0f} | {r['rru'] * runs:,.0f} "
            f"| {r['wru'] * runs:,.0f} | {month.total:.2f} |"
        )
    return lines


def table(rows: list[dict]) -> list[str]:
    """Markdown: measured per run (a day of runs) beside estimate_run's figures."""
    lines = [
        "| active parcels | poll items | runs | carrier calls / run (avg) | busiest run "
        "| estimate: calls / run, busiest | DynamoDB calls / run | items read / run | RRU / run | WRU / run "
        "| DPD: calls / run (events / run) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        e = r["estimate"]
        polled_calls = sum(c.calls for c in e.carriers if c.carrier in ("dhl", "poczta_polska", "orlen"))
        polled_peak = sum(c.calls_peak for c in e.carriers if c.carrier in ("dhl", "poczta_polska", "orlen"))
        lines.append(
            f"| {r['active']:,} | {r['polled_parcels']:,} | {r['runs']} | {r['calls']:.2f} "
            f"| {r['calls_peak']} | {polled_calls:.2f}, {polled_peak} | {r['ddb']:.2f} | {r['read']:.1f} "
            f"| {r['rru']:.2f} | {r['wru']:.1f} | {r['dpd_calls']:.2f} ({r['dpd_events']:.1f}) |"
        )
    return lines
