"""Slow AWS means a fast 503, not a slow webhook (issue 12, defect 8).

DynamoDB (or SES) stalls: a botocore hook plays the stall, moving a simulated clock on by the client's
own timeout and raising what botocore raises then (ReadTimeoutError, ConnectTimeoutError); botocore's
retry backoff sleeps on the same simulated clock. Nothing really waits. Every handler must answer within
the Lambda timeout of template.yaml: before a commit with a 503 and Retry-After (nothing written), after
it with its 2xx (the message left for the sweeper)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import botocore.endpoint
import pytest
from botocore.exceptions import ConnectTimeoutError, ReadTimeoutError

from infra import template
from order_status.app import lambda_handler as orders
from return_form.app import lambda_handler as returns_app
from tests.factories import api_event, woo_order, woo_webhook
from zwrotnica import aws
from zwrotnica.notify import sender
from zwrotnica.store.table import client

pytestmark = pytest.mark.integration
TIMEOUT_S = float(template.load()["Globals"]["Function"]["Timeout"])  # 10


class Clock:
    """Simulated monotonic time: what the handler would have waited."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class SimContext:
    """A Lambda context whose remaining time runs on the simulated clock."""

    function_name, memory_limit_in_mb = "test", 512
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:test"
    aws_request_id = "slow-aws"

    def __init__(self, clock: Clock) -> None:
        self.clock, self.started = clock, clock.now

    def get_remaining_time_in_millis(self) -> int:
        return int((TIMEOUT_S - (self.clock.now - self.started)) * 1000)

    @property
    def elapsed(self) -> float:
        return self.clock.now - self.started


class Stall:
    """Every request of a client stalls: connect or read, as long as the client waits (its timeout)."""

    def __init__(self, clock: Clock, aws_client: Any, phase: str = "read", slow: float | None = None) -> None:
        self.clock, self.client, self.phase, self.slow = clock, aws_client, phase, slow
        self.attempts = 0

    def __call__(self, request: Any = None, **_: Any) -> None:
        self.attempts += 1
        config = self.client.meta.config
        if self.slow is not None:  # slow, not stalled: the answer comes, late
            self.clock.now += self.slow
            return
        if self.phase == "connect":
            self.clock.now += config.connect_timeout
            raise ConnectTimeoutError(endpoint_url=request.url)
        self.clock.now += config.connect_timeout * 0.1 + config.read_timeout
        raise ReadTimeoutError(endpoint_url=request.url)


@pytest.fixture
def clock(stack, monkeypatch) -> Clock:
    simulated = Clock()
    monkeypatch.setattr(aws, "_clock", simulated)
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=simulated.sleep))
    return simulated


@pytest.fixture
def stall(clock):
    hooks: list[tuple[Any, str, Stall]] = []

    def on(aws_client: Any, **kwargs: Any) -> Stall:
        event = f"before-send.{aws_client.meta.service_model.service_id.hyphenize()}"
        hook = Stall(clock, aws_client, **kwargs)
        aws_client.meta.events.register(event, hook)
        hooks.append((aws_client, event, hook))
        return hook

    yield on
    for aws_client, event, hook in hooks:
        aws_client.meta.events.unregister(event, hook)


def table_items() -> int:
    return client().scan(TableName="ZwrotnicaTable", Select="COUNT")["Count"]


def test_every_client_gives_up_well_within_the_lambda_timeout():
    """A stalled call costs at most its attempts' timeouts and backoff: less than the whole budget."""
    for config in (aws.DYNAMODB, aws.MESSAGES, aws.S3, aws.CONFIGURATION):
        assert aws.worst_case(config) <= TIMEOUT_S - aws.MARGIN_S, config.__dict__


def test_every_boto3_client_is_made_with_our_timeouts():
    """No function makes a boto3 client of its own (botocore's 60 s defaults): zwrotnica.aws makes them all,
    the inbound e-mail function's S3 reader too."""
    from inbound_email import raw_mail

    functions = Path(__file__).resolve().parents[2] / "functions"
    own = re.compile(r"boto3\.(client|resource|Session|session\.Session)\(")
    makers = sorted(
        str(path.relative_to(functions))
        for path in functions.rglob("*.py")
        if own.search(path.read_text(encoding="utf-8"))
    )
    assert makers == ["zwrotnica/aws.py"]
    raw_mail._s3.cache_clear()
    config = raw_mail._s3().meta.config
    assert (config.connect_timeout, config.read_timeout) == (aws.S3.connect_timeout, aws.S3.read_timeout)
    raw_mail._s3.cache_clear()


@pytest.mark.parametrize("phase", ["read", "connect"])
def test_a_stalled_dynamodb_makes_the_shop_webhook_a_fast_503(clock, stall, sent, phase):
    # Given DynamoDB stalls (every request waits until the client's timeout)
    dynamodb = stall(client(), phase=phase)
    context = SimContext(clock)
    # When the shop delivers an order
    answer = orders(woo_webhook(woo_order("1001")), context)
    dynamodb.slow = 0.0  # DynamoDB recovers (the test can read the table)
    # Then it gets a 503 with Retry-After, within the Lambda timeout, and nothing was stored or sent
    assert answer["statusCode"] == 503 and answer["headers"]["Retry-After"] == "5"
    assert json.loads(answer["body"]) == {"message": "temporarily unavailable, retry"}
    assert context.elapsed <= TIMEOUT_S - aws.MARGIN_S, context.elapsed
    assert dynamodb.attempts == 2  # one retry, with its backoff
    assert table_items() == 0 and sent.emails == []


def test_a_stalled_dynamodb_gives_the_customer_a_polish_503_page_fast(clock, stall, context):
    assert orders(woo_webhook(woo_order("1001")), context)["statusCode"] == 200
    stall(client())
    sim = SimContext(clock)
    event = api_event(
        "GET",
        "/orders/1001/status",
        query="email=anna.kowalska%40example.com",
        headers={"accept": "text/html"},
    )
    answer = orders(event, sim)
    assert answer["statusCode"] == 503 and answer["headers"]["Retry-After"] == "5"
    assert "Chwilowa przerwa" in answer["body"] and sim.elapsed <= TIMEOUT_S - aws.MARGIN_S


def test_a_slow_dynamodb_still_answers_before_the_timeout(clock, stall, context, sent):
    """Not stalled, slow: every call answers after 1.9 s, just under the read timeout. A return submission
    makes a dozen calls (counters, the proof, the order, the case's commit, its label): 20 s of them. The
    deadline stops new calls that could not end in time, so the answer comes before the function's
    timeout: the case committed whole (201) or not at all (503), never a Lambda timed out mid-way."""
    assert orders(woo_webhook(woo_order("1001")), context)["statusCode"] == 200
    submission = {
        "order_number": "1001",
        "email": "anna.kowalska@example.com",
        "items": {"CZAPKA-WEL": 1},
        "kind": "withdrawal",
        "return_method": "paczkomat",
        "submission_key": "slow-aws-1",
    }
    slow = stall(client(), slow=1.9)
    sim = SimContext(clock)
    event = api_event(
        "POST", "/returns", body=json.dumps(submission), headers={"content-type": "application/json"}
    )
    answer = returns_app(event, sim)
    slow.slow = 0.0
    assert sim.elapsed <= TIMEOUT_S, (sim.elapsed, answer["statusCode"])
    assert answer["statusCode"] in (201, 503), answer["body"]
    opened = [
        i for i in client().scan(TableName="ZwrotnicaTable")["Items"] if i["sk"]["S"].startswith("CASE#")
    ]
    assert len(opened) == (1 if answer["statusCode"] == 201 else 0)
    if answer["statusCode"] == 503:
        assert answer["headers"]["Retry-After"] == "5"


def test_a_stalled_ses_after_the_commit_still_answers_200_and_leaves_the_message_queued(clock, stall, sent):
    # Given SES stalls, and the shop delivers an order (one confirmation e-mail)
    ses = stall(sender.ses_client())
    context = SimContext(clock)
    answer = orders(woo_webhook(woo_order("1001")), context)
    # Then the order is committed and the shop hears 200 in time; the e-mail waits for the sweeper
    assert answer["statusCode"] == 200, answer["body"]
    assert context.elapsed <= TIMEOUT_S, context.elapsed
    assert ses.attempts >= 1 and sent.emails == []
    pending = client().scan(
        TableName="ZwrotnicaTable",
        FilterExpression="#t = :m",
        ExpressionAttributeNames={"#t": "type"},
        ExpressionAttributeValues={":m": {"S": "message"}},
    )["Items"]
    assert [m["status"]["S"] for m in pending] == ["pending"]
