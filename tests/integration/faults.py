"""Fault injection and a frozen clock, shared by test_faults and test_crash_points.

Faults go in through botocore's `before-call.<service>.<Operation>` events on the project's cached
clients, so they hit after the clients' own retries would have given up (what the code sees when AWS
stays down). `Killed` stands for the Lambda runtime ending an invocation (timeout, out of memory): it is
a BaseException, so nothing in the code can catch it. Handlers and the sweeper read a frozen clock
(`Clock`, the `clock` fixture in conftest), so quiet hours and backoff are deterministic.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError, ReadTimeoutError

from tests.factories import sweeper_context
from zwrotnica.store.table import client, from_item, table_name, to_item

# Tuesday 10:00 in Warsaw: no quiet hours, inside business hours.
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
SCHEDULE = {"source": "aws.scheduler"}
# The modules whose `datetime.now` the clock freezes: every edge a test drives, and the operator CLI.
FROZEN = ("order_status.app", "courier_webhook.app", "sla_sweeper.app", "return_form.app")


class Killed(BaseException):
    """The runtime ends the invocation here (timeout, out of memory): no except clause catches it."""


def aws_error(code: str, status: int = 400, operation: str = "Call") -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": f"injected {code}"},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        operation,
    )


def request_body(params: dict[str, Any]) -> dict[str, Any]:
    """The API parameters of a serialised request (DynamoDB, SES v2, SNS's query body aside)."""
    body = params.get("body") or b"{}"
    try:
        return json.loads(body)
    except (TypeError, ValueError):
        return {}


def conflict(params: dict[str, Any], at: int = 0) -> ClientError:
    """TransactionCanceledException: item `at` of the transaction was in another transaction."""
    count = len(request_body(params).get("TransactItems", [])) or 1
    reasons = [{"Code": "None"}] * count
    reasons[at] = {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
    codes = ", ".join(r["Code"] for r in reasons)
    return client().exceptions.TransactionCanceledException(
        {
            "Error": {
                "Code": "TransactionCanceledException",
                "Message": f"Transaction cancelled, please refer cancellation reasons [{codes}]",
            },
            "CancellationReasons": reasons,
            "ResponseMetadata": {"HTTPStatusCode": 400},
        },
        "TransactWriteItems",
    )


def throughput(_: dict) -> ClientError:
    return aws_error("ProvisionedThroughputExceededException", 400)


def throttling(_: dict) -> ClientError:
    return aws_error("ThrottlingException", 400)


def read_timeout(_: dict) -> ReadTimeoutError:
    return ReadTimeoutError(endpoint_url="https://dynamodb.eu-central-1.amazonaws.com/")


@dataclass
class Fault:
    """Raises `error(params)` on matching calls: after letting `after` through, `times` times (None: until
    healed). `calls` counts matching calls, failed or not."""

    error: Callable[[dict[str, Any]], BaseException]
    times: int | None = None
    after: int = 0
    match: Callable[[dict[str, Any]], bool] = lambda body: True
    calls: int = 0
    raised: int = 0
    healed: bool = False

    def __call__(self, params: dict[str, Any], **_: Any) -> None:
        if not self.match(request_body(params)):
            return
        self.calls += 1
        if self.healed or self.calls <= self.after:
            return
        if self.times is not None and self.raised >= self.times:
            return
        self.raised += 1
        raise self.error(params)


class Faults:
    """Hooks on the project's own cached clients, removed by `undo` (the `faults` fixture does it)."""

    def __init__(self) -> None:
        self._hooks: list[tuple[Any, str, Callable[..., Any]]] = []

    def hook(self, aws_client: Any, event: str, handler: Callable[..., Any]) -> None:
        aws_client.meta.events.register(event, handler)
        self._hooks.append((aws_client, event, handler))

    def on(self, aws_client: Any, operation: str, fault: Fault) -> Fault:
        service = aws_client.meta.service_model.service_id.hyphenize()
        self.hook(aws_client, f"before-call.{service}.{operation}", fault)
        return fault

    def undo(self) -> None:
        for aws_client, event, handler in self._hooks:
            aws_client.meta.events.unregister(event, handler)
        self._hooks.clear()


class FirstRun:
    """Fails the first commit of every follow-up command of `kind` (whose key `key` accepts): the
    transaction (or single delete) that removes its row, after everything the command did before it
    (provider calls, S3). The rows are recognised when the cause's commit writes them. `failed` lists
    the command ids failed so far."""

    def __init__(
        self,
        kind: str,
        error: Callable[[dict[str, Any]], BaseException] = throttling,
        key: Callable[[str], bool] = lambda key: True,
    ) -> None:
        self.kind, self.error, self.key = kind, error, key
        self.seen: set[str] = set()
        self.failed: list[str] = []

    def install(self, faults: Faults) -> FirstRun:
        for operation in ("TransactWriteItems", "PutItem", "DeleteItem"):
            faults.hook(client(), f"before-call.dynamodb.{operation}", self)
        return self

    def __call__(self, params: dict[str, Any], **_: Any) -> None:
        request = request_body(params)
        entries = request.get("TransactItems") or [
            {"Put": request} if "Item" in request else {"Delete": request}
        ]
        for entry in entries:
            put, delete = entry.get("Put", {}).get("Item", {}), entry.get("Delete", {}).get("Key", {})
            if (
                put.get("pk", {}).get("S", "").startswith("CMD#")
                and put.get("kind", {}).get("S") == self.kind
                and self.key(put.get("key", {}).get("S", ""))
            ):
                self.seen.add(put["pk"]["S"])
            pk = delete.get("pk", {}).get("S", "")
            if pk in self.seen and pk not in self.failed:
                self.failed.append(pk)
                raise self.error(params)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at


def frozen_datetime(clock: Clock) -> type[datetime]:
    """A `datetime` whose `now()` reads `clock` (patched into the modules in FROZEN)."""

    class FrozenDatetime(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return clock.at.astimezone(tz) if tz else clock.at.replace(tzinfo=None)

    return FrozenDatetime


def sweep(clock: Clock, at: datetime) -> dict[str, Any]:
    """The scheduled sweeper, run at `at`."""
    import sla_sweeper.app as sweeper_app

    clock.at = at
    return sweeper_app.lambda_handler(SCHEDULE, sweeper_context())


# --- Reading state ---------------------------------------------------------------------------------
def body(response: dict) -> dict:
    return json.loads(response["body"])


def partition(pk: str) -> list[dict[str, Any]]:
    page = client().query(
        TableName=table_name(),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues=to_item({":pk": pk}),
        ConsistentRead=True,
    )
    return [from_item(i) for i in page["Items"]]


def stored_messages(number: str) -> list[dict[str, Any]]:
    return [i for i in partition(f"ORDER#{number}") if i["sk"].startswith("MSG#")]


def order_item(number: str) -> dict[str, Any]:
    return next(i for i in partition(f"ORDER#{number}") if i["sk"] == "ORDER")


def table_items() -> list[dict[str, Any]]:
    """Every item of the table (moto: one page holds them all in these tests; checked)."""
    page = client().scan(TableName=table_name(), ConsistentRead=True)
    assert "LastEvaluatedKey" not in page
    return [from_item(i) for i in page["Items"]]


def tickets_in_table() -> list[dict[str, Any]]:
    return [i for i in table_items() if i["sk"] == "TICKET"]


def commands_in_table() -> list[dict[str, Any]]:
    return [i for i in table_items() if i["sk"] == "CMD"]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
