"""How long we wait for AWS, in one place: every boto3 client we make, with its connect and read timeouts
and its retries, and a deadline taken from the Lambda's remaining time (issue 12).

botocore's defaults (60 s to connect, 60 s to read, legacy retries) let a webhook hang far past its 10 s
Lambda timeout when a service stalls: the caller then sees the platform's 5xx after 10 s and nothing says
why. Here a stalled service costs at most `worst_case(config)` per call, and no new attempt starts when
it could not end before the function's deadline (`OutOfTime`, a BotoCoreError like a timeout): the
HTTP edge answers 503 with Retry-After, nothing was written (writes are single transactions), and what
follows a commit (sending messages) stays queued for the sweeper.
"""

from __future__ import annotations

import time
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError

# DynamoDB answers in milliseconds (a 100-item transaction in ~0.1 s): 2 s of silence is a stall.
DYNAMODB = Config(connect_timeout=1, read_timeout=2, retries={"mode": "standard", "total_max_attempts": 2})
# SES, SNS: a failed send is retried by the sweeper, so one retry here is plenty.
MESSAGES = Config(connect_timeout=1, read_timeout=2, retries={"mode": "standard", "total_max_attempts": 2})
# S3 labels (a PDF of ~100 KB each way; the read timeout is per socket read, not for the whole body).
S3 = Config(
    signature_version="s3v4",
    connect_timeout=1,
    read_timeout=2,
    retries={"mode": "standard", "total_max_attempts": 2},
)
# Secrets Manager and SSM Parameter Store, read once per container and cached.
CONFIGURATION = Config(
    connect_timeout=1, read_timeout=2, retries={"mode": "standard", "total_max_attempts": 2}
)

# Kept free before the Lambda's own timeout: one retry's backoff (standard mode: at most 1 s before the
# second attempt) and the time to answer.
MARGIN_S = 1.5
_clock = time.monotonic
_deadline: float | None = None


class OutOfTime(BotoCoreError):
    fmt = "no time left for an AWS call before the function's timeout"


def worst_case(config: Config) -> float:
    """The longest one call can take: every attempt connecting and reading up to its timeouts, plus the
    standard mode's backoff between attempts (at most 2^(n-1) s before attempt n+1)."""
    attempts = int((config.retries or {})["total_max_attempts"])
    per_attempt = float(config.connect_timeout) + float(config.read_timeout)
    return attempts * per_attempt + sum(2**n for n in range(attempts - 1))


def start(lambda_context: Any) -> None:
    """The invocation began: AWS calls must end `MARGIN_S` before its timeout."""
    global _deadline
    remaining = getattr(lambda_context, "get_remaining_time_in_millis", None)
    _deadline = _clock() + remaining() / 1000 - MARGIN_S if remaining else None


def stop() -> None:
    global _deadline
    _deadline = None


def _guard(config: Config) -> Any:
    budget = float(config.connect_timeout) + float(config.read_timeout)

    def before_send(**_: Any) -> None:
        if _deadline is not None and _clock() + budget > _deadline:
            raise OutOfTime()

    return before_send


def client(service: str, config: Config) -> Any:
    """A boto3 client with `config`, whose every attempt starts only if it can end before the deadline.
    Create it once per container (the callers cache it)."""
    import boto3

    made = boto3.client(service, config=config)
    made.meta.events.register(f"before-send.{made.meta.service_model.service_id.hyphenize()}", _guard(config))
    return made


def parameters_provider(kind: str) -> Any:
    """Powertools' default provider for `kind` ("secrets", "ssm") on a client of ours: get_secret and
    get_parameter use it, and parameters.clear_caches() drops it like its own."""
    from aws_lambda_powertools.utilities.parameters import base

    if kind not in base.DEFAULT_PROVIDERS:
        if kind == "secrets":
            from aws_lambda_powertools.utilities.parameters import SecretsProvider

            base.DEFAULT_PROVIDERS[kind] = SecretsProvider(
                boto3_client=client("secretsmanager", CONFIGURATION)
            )
        else:
            from aws_lambda_powertools.utilities.parameters import SSMProvider

            base.DEFAULT_PROVIDERS[kind] = SSMProvider(boto3_client=client("ssm", CONFIGURATION))
    return base.DEFAULT_PROVIDERS[kind]
