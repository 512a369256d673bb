"""DynamoDB write units of one order's life stay within their budgets (issue 19). The units are computed
from the items each request wrote, per DynamoDB's documented rules (infra/perf/units.py), not timed and
not moto's own figure (which is 1.0 for any single-item write and nothing for a transaction)."""

from __future__ import annotations

import pytest

from infra.perf import cost, profiles
from zwrotnica.providers import inpost
from zwrotnica.store.table import client

pytestmark = pytest.mark.integration


@pytest.fixture
def life(stack, context):
    meter = profiles.meter_for(client())
    try:
        yield profiles.units(profiles.Life(meter).run("4242", context))
    finally:
        client().meta.events.unregister("provide-client-params.dynamodb.*", meter._before)
        client().meta.events.unregister("after-call.dynamodb.*", meter._after)
        inpost.use_transport(None)


def test_every_request_kind_and_an_orders_life_stay_within_their_budgets(life):
    over = {p: v for p, v in life.events.items() if p in cost.WRU_BUDGET and v > cost.WRU_BUDGET[p]}
    assert not over, f"over budget: {over} (budgets {cost.WRU_BUDGET})"
    assert life.message <= cost.WRU_BUDGET["message"], life.message
    assert life.per_order() <= cost.ORDER_WRU_BUDGET, life.per_order()


def test_the_meter_prices_what_the_requests_wrote(life):
    by_request = {m.request: m for m in life.requests}
    new_order = by_request["order webhook: new order"]
    # The order, its contact digests (issue 12), its event-log item, its line and its e-mail in one
    # transaction; the e-mail marked sent after it.
    assert [(c.operation, c.kind, c.transactional) for c in new_order.costs] == [
        ("Update", "ORDER", True),
        ("Update", "CONTACT", True),
        ("Put", "EVT", True),
        ("Put", "T", True),
        ("Put", "MSG", True),
        ("Update", "MSG", False),
    ]
    put_message, sent = new_order.message_costs
    assert put_message.index == {"due": 1}  # pending: in the due queue, not yet in a week bucket
    assert sent.index == {"due": 1, "refs": 1}  # out of the queue, into MSGWEEK
    assert all(c.size < 1024 for c in new_order.costs)  # no HTML in the item: one unit per write
    # An update that changes neither the e-mail nor the phone leaves the contact digests as they are.
    update = by_request["order webhook: update naming the parcel"]
    assert "CONTACT" not in {c.kind for c in update.costs}
    # A courier event that moves the parcel on: its line and the parcel, nothing written on refs.
    moving = by_request["courier webhook: InPost adopted_at_sorting_center"]
    assert {c.kind for c in moving.costs} == {"SHIPMENT", "T", "EVT"}
    assert all("refs" not in c.index for c in moving.costs if c.kind != "EVT")
    # Its log item fits one KB (2 units in the transaction) and its lookup-index entry is one unit.
    [logged] = [c for c in moving.costs if c.kind == "EVT"]
    assert logged.size < 1024 and logged.index == {"refs": 1}
    assert life.per_order() == pytest.approx(
        sum(n * life.events[p] for p, n in cost.typical_life(False).per_order.items()) + 4 * life.message
    )
