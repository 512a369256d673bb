"""A pure cost model: what 1,000 orders cost on AWS in eu-central-1, from measured figures.

Per request kind (order webhook, payment, tracking event, return form) the model takes its billed Lambda
duration, its function's MemorySize (template.yaml) and its DynamoDB reads and writes; per order a typical
life (how many of each kind, how many e-mails and SMS). Everything is arithmetic on the PRICES below: no
AWS call, no clock. `make bench` fills the profiles from its measurements and prints `table()`.

DynamoDB on-demand: a read request unit (RRU) reads up to 4 KB strongly consistent (half for eventually
consistent), a write request unit (WRU) writes up to 1 KB; a transactional write costs 2 WRU per started
KB of each item, and a write that changes what an index holds writes the index too, per KB of the entry.
Write units are measured from item sizes (infra/perf/units.py, infra/perf/profiles.py: one order's life
through the handlers against moto, which itself reports no real capacity), per request kind with its
messages apart, and per message; read units still follow from the call mix (items under 4 KB).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

VERIFIED = "2026-11-24"
# One place for every price. `basis`: "verified" (read on the cited page on VERIFIED), "secondary" (read on
# another site on VERIFIED, not on AWS's own page) or "assumption"
# (not confirmed for eu-central-1 / Poland on that date: check the source before relying on it).
PRICES: dict[str, dict[str, Any]] = {
    "lambda_gb_s_arm": {
        "usd": 0.0000133334,
        "unit": "GB-second, arm64, first 7.5 bn GB-s/month",
        "source": "https://aws.amazon.com/lambda/pricing/",
        "basis": "assumption",
        "note": "US East arm64 rate (cloudchipr.com/blog/aws-lambda-pricing); Frankfurt taken equal",
    },
    "lambda_request": {
        "usd": 0.20 / 1_000_000,
        "unit": "request",
        "source": "https://aws.amazon.com/lambda/pricing/",
        "basis": "assumption",
        "note": "USD 0.20 per million, the rate in every commercial region we know of",
    },
    "http_api_request": {
        "usd": 1.20 / 1_000_000,
        "unit": "HTTP API request (first 300 M/month, up to 512 KB)",
        "source": "https://aws.amazon.com/api-gateway/pricing/",
        "basis": "assumption",
        "note": "USD 1.00/M in US East; eu-central-1 taken as USD 1.20/M",
    },
    "dynamodb_wru": {
        "usd": 0.7625 / 1_000_000,
        "unit": "on-demand write request unit",
        "source": "https://aws.amazon.com/dynamodb/pricing/on-demand/",
        "basis": "assumption",
        "note": "after the Nov 2024 50 % cut: USD 0.625/M in US East (airbyte.com summary); Frankfurt x1.22",
    },
    "dynamodb_rru": {
        "usd": 0.1525 / 1_000_000,
        "unit": "on-demand read request unit",
        "source": "https://aws.amazon.com/dynamodb/pricing/on-demand/",
        "basis": "assumption",
        "note": "after the Nov 2024 cut: USD 0.125/M in US East (airbyte.com summary); Frankfurt x1.22",
    },
    "ses_email": {
        "usd": 0.10 / 1_000,
        "unit": "outbound e-mail",
        "source": "https://aws.amazon.com/ses/pricing/",
        "basis": "secondary",
        "note": "USD 0.10 per 1,000 in every region (read on acecloudinterviews.com, not on AWS)",
    },
    "sms_pl": {
        "usd": 0.0400,
        "unit": "SMS part to a Polish mobile number (transactional, sender id)",
        "source": "https://aws.amazon.com/end-user-messaging/pricing/",
        "basis": "assumption",
        "note": "order of magnitude only: the per-country table was not read; check PL first",
    },
}


# Write units an order's life may cost, per request kind (its own writes, messages apart) and per
# message, from item sizes: tests/integration/test_write_units.py fails when a measurement grows past
# these. Before issue 19 (measured the same way on its code): order 4, payment 6, tracking 6.8,
# message 30.2, return_post 32, per order 181.9.
# Since issue 18 every inbound webhook's event-log item (INBOUND#day / EVT#id, store/event_log.py) rides its
# commit: under 1 KB in a transaction it costs 2 units, its lookup-index entry 1, so +3 per order, payment
# and tracking event (a PayU COMPLETED, 1.1 KB with its trimmed payload, +5).
# Since issue 15 an order with an e-mail address is in the customers' orders index (gsi1pk
# CUSTOMER#{mailbox key}, gsi1sk ORDER#{created_at} on the refs index: a customer's e-mail without an
# order number finds their order, and their orders make them a VIP): its entry +1 when the order is
# created; the two key attributes (86 B) take this life's order item past 1 KB when the delivery writes
# its possession date (+2 on that event: +1/3 per tracking event).
WRU_BUDGET = {
    # the order + its timeline line, one transaction; the event's log item (+3); since issue 12 a new
    # order's CONTACT digests (+2: what a customer's proof is compared with; rewritten later only when
    # the e-mail or phone changes); its customers'-index entry (+1, issue 15)
    "order": 10,
    # the order's payment state + the notification's marker + its line (6), and since issue 13 the
    # attempt's own record (PAYATTEMPT#: each attempt kept, the order paid once); the log item (+3, +5)
    "payment": 12,
    # the parcel + the event's line (the due index when the silent clock is set or ends: not on every
    # event since domain.shipments.silent_clock; the order's possession date is read from its parcels,
    # no longer written on the order); the log item (+3)
    "tracking": 8,
    "message": 6.5,  # its item in the commit, the due index in and out, marked sent, its week bucket
    # the two lookup counters (2), and since issue 12 both given back when the proof matched (+2:
    # failed proofs are counted, not lookups)
    "return_page": 4,
    # counters, RMA counter, case + marker + line, label command, case moved, 2 e-mails (40), and since
    # issue 14 the withdrawal's refund-deadline ticket for finance: its command, the ticket, its SLA entry
    "return_post": 55,
}
# The life: 1 order event, 2 payment and 6 tracking events, 4 e-mails, 5 % returns (80 after
# issue 19; +4 for issue 13's per-attempt payment records, which the life's two payments each write;
# +30 for issue 18's event log: ten logged webhooks, 112.5 measured; +2 for issue 12's CONTACT digests of
# the new order, 114.5 measured; +3 for issue 15's customers' orders index, 117.5 measured; -6 for the
# silent clock set once per rule instead of moved by every courier event, 111.5 measured; -4 for the
# order's possession date no longer copied onto the order item, 107.5 measured).
ORDER_WRU_BUDGET = 108


@dataclass(frozen=True)
class RequestProfile:
    """One kind of request, as measured: a Lambda invocation behind one HTTP API request."""

    name: str
    function: str  # the template's logical id, for its MemorySize
    duration_ms: float  # billed duration (rounded up to 1 ms by Lambda)
    rru: float  # DynamoDB read request units per request
    wru: float  # DynamoDB write request units per request, its messages apart (they are per message)
    via_http_api: bool = True


@dataclass(frozen=True)
class OrderLife:
    """What a typical order does in its life."""

    per_order: Mapping[str, float]  # request profile name -> how many per order
    emails: float
    sms: float
    messages_in_requests: float = 0.0  # messages whose writes a request profile counts (the return's)


@dataclass(frozen=True)
class Line:
    item: str
    quantity: float
    unit: str
    usd: float


@dataclass
class Estimate:
    lines: list[Line] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(line.usd for line in self.lines)

    def by_item(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for line in self.lines:
            out[line.item] = out.get(line.item, 0.0) + line.usd
        return out


def gb_seconds(duration_ms: float, memory_mb: int) -> float:
    """Lambda bills whole milliseconds of the configured memory (1 GB = 1024 MB)."""
    billed_ms = -(-duration_ms // 1) if duration_ms > 0 else 0
    return billed_ms / 1000 * memory_mb / 1024


def dynamodb_units(
    calls: Mapping[str, float], transact_items: float = 0, index_writes: float = 0
) -> tuple[float, float]:
    """(RRU, WRU) of a request's call mix, items under 4 KB / 1 KB. GetItem and Query: 1 RRU each
    (strongly consistent; a Query reading more items costs more: pass them as extra Query calls);
    UpdateItem, PutItem, DeleteItem: 1 WRU; TransactWriteItems: 2 WRU per item; each index write 1 WRU.
    A floor only: items over 1 KB cost more (profiles.py measures WRU from item sizes)."""
    rru = calls.get("GetItem", 0) + calls.get("Query", 0) + calls.get("BatchGetItem", 0)
    wru = calls.get("UpdateItem", 0) + calls.get("PutItem", 0) + calls.get("DeleteItem", 0)
    return float(rru), float(wru + 2 * transact_items + index_writes)


def wru_per_order(events: Mapping[str, float], life: OrderLife, message_wru: float) -> float:
    """Write units of one order's life: each request kind's own units times how often it happens, plus
    every message (e-mail or SMS) at `message_wru`."""
    messages = life.emails + life.sms - life.messages_in_requests
    return sum(n * events[name] for name, n in life.per_order.items()) + messages * message_wru


def estimate(
    profiles: Mapping[str, RequestProfile],
    memory_mb: Mapping[str, int],
    life: OrderLife,
    orders: int = 1000,
    prices: Mapping[str, Mapping[str, Any]] = PRICES,
    message_wru: float = 0.0,
) -> Estimate:
    """The cost of `orders` orders living `life`, line by line (`message_wru`: each message's writes)."""
    price = {k: float(v["usd"]) for k, v in prices.items()}
    requests = http = gbs = rru = 0.0
    wru = (life.emails + life.sms - life.messages_in_requests) * orders * message_wru
    for name, per_order in life.per_order.items():
        p = profiles[name]
        n = per_order * orders
        requests += n
        http += n if p.via_http_api else 0
        gbs += n * gb_seconds(p.duration_ms, memory_mb[p.function])
        rru += n * p.rru
        wru += n * p.wru
    emails, sms = life.emails * orders, life.sms * orders
    return Estimate(
        [
            Line("Lambda requests", requests, "requests", requests * price["lambda_request"]),
            Line("Lambda duration (arm64)", gbs, "GB-s", gbs * price["lambda_gb_s_arm"]),
            Line("API Gateway HTTP API", http, "requests", http * price["http_api_request"]),
            Line("DynamoDB writes (on-demand)", wru, "WRU", wru * price["dynamodb_wru"]),
            Line("DynamoDB reads (on-demand)", rru, "RRU", rru * price["dynamodb_rru"]),
            Line("SES e-mail", emails, "e-mails", emails * price["ses_email"]),
            Line("SMS to Poland", sms, "SMS", sms * price["sms_pl"]),
        ]
    )


def memory_sizes(template: Mapping[str, Any]) -> dict[str, int]:
    """Each function's MemorySize from a loaded template.yaml (its own, else the Globals')."""
    default = int(template.get("Globals", {}).get("Function", {}).get("MemorySize", 128))
    return {
        name: int(r.get("Properties", {}).get("MemorySize", default))
        for name, r in template.get("Resources", {}).items()
        if r.get("Type") == "AWS::Serverless::Function"
    }


# The typical life the issue asks about: 1 order event, 2 payment notifications, 6 tracking events,
# 4 messages, 5 % of orders returned (the form's page and its POST; the return's own 2 e-mails, whose
# writes the return_post profile counts).
def typical_life(with_sms: bool) -> OrderLife:
    returns = 0.05
    return OrderLife(
        per_order={
            "order": 1,
            "payment": 2,
            "tracking": 6,
            "return_page": returns,
            "return_post": returns,
        },
        emails=(3 if with_sms else 4) + 2 * returns,
        sms=1 if with_sms else 0,
        messages_in_requests=2 * returns,
    )


def table(
    profiles: Mapping[str, RequestProfile],
    memory_mb: Mapping[str, int],
    orders: int = 1000,
    message_wru: float = 0.0,
) -> str:
    """The cost table (markdown), with and without SMS, and the prices with their basis."""
    without, with_sms = (
        estimate(profiles, memory_mb, typical_life(s), orders, message_wru=message_wru) for s in (False, True)
    )
    per_order = wru_per_order({k: p.wru for k, p in profiles.items()}, typical_life(False), message_wru)
    lines = [
        f"| cost per {orders:,} orders, eu-central-1 (USD) | quantity | without SMS | with 1 SMS per order |",
        "| --- | ---: | ---: | ---: |",
    ]
    for a, b in zip(without.lines, with_sms.lines, strict=True):
        quantity = (
            f"{a.quantity:,.1f}" if a.quantity == b.quantity else f"{a.quantity:,.1f} / {b.quantity:,.1f}"
        )
        lines.append(f"| {a.item} | {quantity} {a.unit} | {a.usd:.4f} | {b.usd:.4f} |")
    lines.append(f"| **total** | | **{without.total:.4f}** | **{with_sms.total:.4f}** |")
    lines += [
        "",
        f"DynamoDB write units per order: **{per_order:.1f} WRU** (budget {ORDER_WRU_BUDGET}; "
        f"each message {message_wru:.1f} WRU, counted apart from the request that makes it).",
        "",
        "| request profile | function (MemorySize) | billed ms | RRU | WRU (messages apart) |",
        "| --- | --- | ---: | ---: | ---: |",
        *[
            f"| {p.name} | {p.function} ({memory_mb[p.function]} MB) | {p.duration_ms:.0f} "
            f"| {p.rru:g} | {p.wru:.1f} |"
            for p in profiles.values()
        ],
        "",
        "| price | USD | unit | basis | source |",
        "| --- | ---: | --- | --- | --- |",
        *[
            f"| {k} | {v['usd']:.10g} | {v['unit']} | {v['basis']} ({VERIFIED}): {v['note']} "
            f"| {v['source']} |"
            for k, v in PRICES.items()
        ],
    ]
    return "\n".join(lines)


def carrier_polling_estimate(
    calls: float,
    rru: float,
    wru: float,
    memory_mb: int,
    seconds_per_call: float = 0.4,
    prices: Mapping[str, Mapping[str, Any]] = PRICES,
) -> Estimate:
    """What polling carriers adds to the sweeper, for `calls` carrier API calls and `rru` / `wru` DynamoDB
    units (per run, per day or per month: the lines come out in the same period as the inputs). The
    sweeper waits on each call (`seconds_per_call`, an assumption until `make bench` measures it) at its
    MemorySize; the carriers' APIs themselves cost nothing. Feed it `zwrotnica.domain.polling.estimate_run`
    (calls, rru, wru per run) times the runs in the period."""
    price = {k: float(v["usd"]) for k, v in prices.items()}
    gbs = calls * seconds_per_call * memory_mb / 1024
    return Estimate(
        [
            Line("Lambda duration waiting on carriers (arm64)", gbs, "GB-s", gbs * price["lambda_gb_s_arm"]),
            Line("DynamoDB writes (next poll times)", wru, "WRU", wru * price["dynamodb_wru"]),
            Line("DynamoDB reads (due queue)", rru, "RRU", rru * price["dynamodb_rru"]),
        ]
    )
