"""Write units per request profile: one order's life driven through the handlers against moto, every
write priced from item sizes (infra/perf/units.py, DynamoDB's documented rules).

The life: a new order (WooCommerce), PayU's PENDING and COMPLETED notifications, the order update that
names its parcel, six InPost events of the parcel to a Paczkomat (confirmed ... delivered, Monday and
Tuesday) and the return form (its page and its POST: a withdrawal, its case, its label, its 2 e-mails).
Each request's writes are split into the event's own (the state change, its timeline line, its
markers) and its messages' (an outbox item: its creation in the commit, its index entries, its marking
as sent), because the issue's life (cost.typical_life) counts messages apart: 1 order event, 2 payment
and 6 tracking events, 4 e-mails, 5 % returns. The order update that names the parcel is measured as
its own row but is not part of that life (it counts one order event).

Used by `make bench` (docs/benchmarks.md) and by tests/integration/test_write_units.py, which fails when
a profile grows past its budget (infra/perf/cost.py WRU_BUDGET).
Run it alone: `PYTHONPATH=functions:. .venv/bin/python -m infra.perf.profiles` (moto in-process).
"""

from __future__ import annotations

import os
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from infra.perf.units import WriteCost, WriteMeter, indexes_of

# The parcel's life in ShipX's status names (couriers.md 2.2).
INPOST_LIFE = (
    "confirmed",
    "taken_by_courier",
    "adopted_at_sorting_center",
    "sent_from_sorting_center",
    "ready_to_pickup",
    "delivered",
)


@dataclass
class Measured:
    """One request's writes."""

    profile: str  # order, payment, order_update, tracking, return_page, return_post
    request: str
    costs: list[WriteCost] = field(default_factory=list)

    @property
    def wru(self) -> int:
        return sum(c.total for c in self.costs)

    @property
    def event_wru(self) -> int:
        """The request's own writes, without its messages'."""
        return sum(c.total for c in self.costs if c.kind != "MSG")

    @property
    def message_costs(self) -> list[WriteCost]:
        return [c for c in self.costs if c.kind == "MSG"]

    @property
    def messages(self) -> int:
        return sum(1 for c in self.message_costs if c.operation == "Put" and not c.failed)

    def lines(self) -> list[str]:
        return [
            f"{c.operation} {c.kind}{' (txn)' if c.transactional else ''}{' FAILED' if c.failed else ''}: "
            f"{c.size} B, table {c.table}" + "".join(f", {k} {v}" for k, v in c.index.items())
            for c in self.costs
        ]


class Life:
    """Drives orders through their life with a meter attached to the store's client."""

    def __init__(self, meter: WriteMeter) -> None:
        self.meter = meter
        self.measured: list[Measured] = []

    def request(self, profile: str, name: str, call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        self.meter.reset()
        answer = call()
        status = answer.get("statusCode", 200)
        if status >= 300:
            raise AssertionError(f"{name}: {status} {str(answer.get('body'))[:300]}")
        self.measured.append(Measured(profile, name, list(self.meter.costs)))
        return answer

    def run(self, number: str, context: Any, *, with_return: bool = True) -> list[Measured]:
        """One order's whole life; returns what each of its requests wrote."""
        import httpx

        from courier_webhook.app import lambda_handler as couriers
        from order_status.app import lambda_handler as orders
        from tests.factories import (
            inpost_webhook,
            payu_order_body,
            payu_webhook,
            shipx_tracking,
            woo_order,
            woo_order_shipped,
            woo_webhook,
        )
        from zwrotnica.providers import inpost

        start = len(self.measured)
        parcel = f"6026774393316303377{int(number) % 100000:05d}"
        inpost.use_transport(
            httpx.MockTransport(
                lambda r: httpx.Response(200, json=shipx_tracking(r.url.path[13:], list(INPOST_LIFE)))
            )
        )
        new = woo_webhook(woo_order(number))
        self.request("order", "order webhook: new order", lambda: orders(new, context))
        for status in ("PENDING", "COMPLETED"):
            body = payu_order_body(number, status, 26100)
            self.request(
                "payment", f"payment webhook: PayU {status}", lambda b=body: orders(payu_webhook(b), context)
            )
        shipped = woo_order_shipped(number, parcel, modified="2026-11-20T15:00:00", status="completed")
        self.request(
            "order_update",
            "order webhook: update naming the parcel",
            lambda: orders(woo_webhook(shipped, topic="order.updated"), context),
        )
        for n, status in enumerate(INPOST_LIFE):  # Monday and Tuesday, 8:00, 11:00, 14:00
            at = f"2026-11-2{3 + n // 3} {8 + 3 * (n % 3):02d}:00:00 +0100"
            event = inpost_webhook(status, number=parcel, at=at)
            self.request(
                "tracking", f"courier webhook: InPost {status}", lambda e=event: couriers(e, context)
            )
        if with_return:
            self._return(number, context)
        return self.measured[start:]

    def _return(self, number: str, context: Any) -> None:
        from urllib.parse import urlencode

        from return_form.app import lambda_handler as returns_app
        from tests.factories import api_event

        def post(fields: dict[str, str]) -> dict[str, Any]:
            headers = {"content-type": "application/x-www-form-urlencoded"}
            event = api_event("POST", "/returns", body=urlencode(fields), headers=headers)
            return returns_app(event, context)

        email = "anna.kowalska@example.com"
        page = self.request(
            "return_page",
            "return form: lookup (the form for the order)",
            lambda: post({"step": "lookup", "order_number": number, "email": email}),
        )["body"]
        fields = {
            "step": "submit",
            "order_number": number,
            "email": email,
            "csrf": _hidden(page, "csrf"),
            "submission_key": _hidden(page, "submission_key"),
            "qty_KURTKA-ZIM-M": "1",
            "kind": "withdrawal",
            "reason": "wrong_size",
            "return_method": "paczkomat",
        }
        self.request("return_post", "return form: submit (case, label, 2 e-mails)", lambda: post(fields))


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    if not found:
        raise AssertionError(f"no {name} in the return form: {page[:300]}")
    return found.group(1)


@dataclass(frozen=True)
class Units:
    """What one order's life wrote, per profile: the events' own units (mean per request) and a
    message's (mean over the messages of the order, its payments and its parcel)."""

    events: dict[str, float]  # profile -> mean WRU of its requests, messages apart (but for WHOLE ones)
    message: float  # mean WRU of one message (its item in the commit, its indexes, marked sent)
    requests: list[Measured]

    def per_order(self) -> float:
        """The issue's life (cost.typical_life), messages at the measured mean."""
        from infra.perf.cost import typical_life, wru_per_order

        return wru_per_order(self.events, typical_life(with_sms=False), self.message)


WHOLE = frozenset({"return_post"})  # profiles counted with their messages (cost.OrderLife)


def units(measured: list[Measured]) -> Units:
    by: dict[str, list[int]] = {}
    for m in measured:
        by.setdefault(m.profile, []).append(m.wru if m.profile in WHOLE else m.event_wru)
    apart = [m for m in measured if m.profile not in WHOLE]
    message_costs = [c.total for m in apart for c in m.message_costs]
    messages = sum(m.messages for m in apart)
    return Units(
        events={p: statistics.fmean(v) for p, v in by.items()},
        message=sum(message_costs) / messages if messages else 0.0,
        requests=measured,
    )


def meter_for(client: Any, template: dict[str, Any] | None = None) -> WriteMeter:
    """A meter on the store's client, reading images through a client of its own."""
    import boto3

    from infra import template as tpl

    reader = boto3.client("dynamodb", region_name=os.environ.get("AWS_DEFAULT_REGION", "eu-central-1"))
    return WriteMeter(indexes_of(template or tpl.load()), reader).attach(client)


def table(result: Units) -> list[str]:
    """The rows of docs/benchmarks.md's write-units table."""
    rows = [
        "| request (one order's life, moto) | WRU | of which its messages' | messages | writes |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for m in result.requests:
        writes = "; ".join(m.lines())
        rows.append(f"| {m.request} | {m.wru} | {m.wru - m.event_wru} | {m.messages} | {writes} |")
    return rows


def main() -> int:
    """Print every request of one order's life with its writes (moto in-process)."""
    os.environ |= {
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_ACCESS_KEY_ID": "units",
        "AWS_SECRET_ACCESS_KEY": "units",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "LOG_LEVEL": "ERROR",
        "POWERTOOLS_METRICS_NAMESPACE": "Zwrotnica",
    }
    os.environ.pop("AWS_ENDPOINT_URL", None)
    from moto import mock_aws

    with mock_aws():
        from infra import template
        from infra.local import bootstrap
        from infra.local.gateway import FakeContext

        env = template.environment(bootstrap.bootstrap()) | {"PUBLIC_BASE_URL": "https://u.example"}
        os.environ.update(env | {"POWERTOOLS_LOG_LEVEL": "ERROR"})
        from zwrotnica.store.table import client

        life = Life(meter_for(client()))
        result = units(life.run("4242", FakeContext(function_name="units")))
    for m in result.requests:
        print(f"{m.wru:4d} WRU ({m.event_wru} own, {m.messages} messages)  {m.request}")
        for line in m.lines():
            print("          " + line)
    print({k: round(v, 2) for k, v in result.events.items()}, f"message {result.message:.2f}")
    print(f"per order (the issue's life): {result.per_order():.1f} WRU")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
