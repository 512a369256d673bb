"""The sweeper, every 5 minutes: retries pending customer messages (SLA escalation: SLA issue)."""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.utilities.typing import LambdaContext

from zwrotnica.flows import outbox
from zwrotnica.observability import logger, metrics

BATCH = 25
# Stop taking new work this long before the Lambda timeout; the next run continues from the index.
SAFETY_MS = 10_000


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    totals = {"sent": 0, "failed": 0, "given_up": 0, "batches": 0}
    more = True
    while more and context.get_remaining_time_in_millis() > SAFETY_MS:
        result, more = outbox.retry_due(datetime.now(UTC), BATCH)
        totals["batches"] += 1
        for key in ("sent", "failed", "given_up"):
            totals[key] += getattr(result, key)
        if result.sent + result.failed + result.given_up == 0:
            break  # everything due was claimed by an overlapping run
    totals["more_left"] = more
    logger.info("sweep done", extra=totals)
    return totals
