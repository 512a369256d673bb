"""The cost model's arithmetic (infra/perf/cost.py): hand-computed figures, no AWS."""

from __future__ import annotations

import pytest

from infra.perf import cost

PRICES = {
    "lambda_request": {"usd": 0.2e-6},
    "lambda_gb_s_arm": {"usd": 1e-5},
    "http_api_request": {"usd": 1e-6},
    "dynamodb_wru": {"usd": 1e-6},
    "dynamodb_rru": {"usd": 0.1e-6},
    "ses_email": {"usd": 1e-4},
    "sms_pl": {"usd": 0.05},
}


def test_gb_seconds_bill_whole_milliseconds_of_the_configured_memory() -> None:
    assert cost.gb_seconds(100, 1024) == pytest.approx(0.1)
    assert cost.gb_seconds(100.2, 512) == pytest.approx(0.101 / 2)  # 101 ms billed
    assert cost.gb_seconds(0, 512) == 0


def test_transactional_writes_count_twice_and_index_writes_once() -> None:
    rru, wru = cost.dynamodb_units(
        {"GetItem": 1, "Query": 2, "UpdateItem": 1}, transact_items=3, index_writes=2
    )
    assert (rru, wru) == (3.0, 1 + 2 * 3 + 2)


def test_an_estimate_adds_requests_duration_units_and_messages_per_order() -> None:
    profiles = {
        "a": cost.RequestProfile("a", "F", duration_ms=50, rru=2, wru=4),
        "b": cost.RequestProfile("b", "G", duration_ms=10, rru=0, wru=1, via_http_api=False),
    }
    life = cost.OrderLife(per_order={"a": 2, "b": 1}, emails=3, sms=1)
    e = cost.estimate(profiles, {"F": 1024, "G": 2048}, life, orders=1000, prices=PRICES)
    got = e.by_item()
    assert got["Lambda requests"] == pytest.approx(3000 * 0.2e-6)
    assert got["Lambda duration (arm64)"] == pytest.approx((2000 * 0.05 * 1 + 1000 * 0.01 * 2) * 1e-5)
    assert got["API Gateway HTTP API"] == pytest.approx(2000 * 1e-6)  # b is not behind the API
    assert got["DynamoDB writes (on-demand)"] == pytest.approx((2000 * 4 + 1000) * 1e-6)
    assert got["DynamoDB reads (on-demand)"] == pytest.approx(4000 * 0.1e-6)
    assert got["SES e-mail"] == pytest.approx(3000 * 1e-4)
    assert got["SMS to Poland"] == pytest.approx(1000 * 0.05)
    assert e.total == pytest.approx(sum(got.values()))


def test_the_typical_life_has_the_issues_counts_and_sms_replaces_one_email() -> None:
    plain, sms = cost.typical_life(False), cost.typical_life(True)
    assert (
        plain.per_order["order"] == 1 and plain.per_order["payment"] == 2 and plain.per_order["tracking"] == 6
    )
    assert plain.per_order["return_post"] == 0.05
    assert plain.emails + plain.sms == sms.emails + sms.sms == pytest.approx(4 + 0.1)
    assert (plain.sms, sms.sms) == (0, 1)


def test_memory_sizes_take_the_functions_own_else_the_globals() -> None:
    template = {
        "Globals": {"Function": {"MemorySize": 512}},
        "Resources": {
            "A": {"Type": "AWS::Serverless::Function", "Properties": {"MemorySize": 1024}},
            "B": {"Type": "AWS::Serverless::Function", "Properties": {}},
            "T": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
        },
    }
    assert cost.memory_sizes(template) == {"A": 1024, "B": 512}


def test_every_price_names_its_source_and_basis() -> None:
    for name, price in cost.PRICES.items():
        assert price["usd"] > 0, name
        assert price["source"].startswith("https://"), name
        assert price["basis"] in ("verified", "secondary", "assumption"), name


def test_carrier_polling_adds_the_sweepers_wait_and_the_queue_units():
    e = cost.carrier_polling_estimate(
        calls=1000, rru=200, wru=3000, memory_mb=512, seconds_per_call=0.5, prices=PRICES
    )
    got = e.by_item()
    assert got["Lambda duration waiting on carriers (arm64)"] == pytest.approx(1000 * 0.5 * 0.5 * 1e-5)
    assert got["DynamoDB writes (next poll times)"] == pytest.approx(3000 * 1e-6)
    assert got["DynamoDB reads (due queue)"] == pytest.approx(200 * 0.1e-6)
    assert e.total == pytest.approx(sum(got.values()))


def test_write_units_per_order_add_each_request_kind_and_each_message_once() -> None:
    life = cost.OrderLife(per_order={"a": 1, "b": 2}, emails=3, sms=1, messages_in_requests=0.5)
    # a's and b's own units, and 3.5 messages (the 0.5 a request profile already counts are not added)
    assert cost.wru_per_order({"a": 4, "b": 6}, life, message_wru=6) == 4 + 2 * 6 + 3.5 * 6
    profiles = {"a": cost.RequestProfile("a", "F", 10, 0, 4), "b": cost.RequestProfile("b", "F", 10, 0, 6)}
    e = cost.estimate(profiles, {"F": 1024}, life, orders=1000, prices=PRICES, message_wru=6)
    assert e.by_item()["DynamoDB writes (on-demand)"] == pytest.approx((4 + 12 + 21) * 1000 * 1e-6)


def test_the_typical_life_counts_the_returns_own_emails_in_its_request() -> None:
    life = cost.typical_life(False)
    assert life.messages_in_requests == pytest.approx(2 * life.per_order["return_post"])
    assert life.emails - life.messages_in_requests == pytest.approx(4)
