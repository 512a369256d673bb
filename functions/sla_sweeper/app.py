"""Tickets and the sweeper. Every 5 minutes (schedule): flag silent parcels, turn stale payment queues
into finance tickets, record complaints unanswered past their deadline as accepted, run due follow-up
commands, read the polled order sources, retry pending customer messages, escalate tickets whose SLA step
is due. Monday 8:00 ({"task": "weekly_report"}): the team's weekly report. Over HTTP: `POST /tickets`
opens a ticket from outside (signed)."""

import time
from datetime import UTC, datetime
from http import HTTPStatus

from aws_lambda_powertools.utilities.typing import LambdaContext

from zwrotnica import startup
from zwrotnica.context import Context
from zwrotnica.dispatch import bus, sweeps
from zwrotnica.flows import tickets
from zwrotnica.http import create_app, documented, json_response, lower_headers, raw_body
from zwrotnica.models.ticket import TicketRequest
from zwrotnica.observability import logger, metrics
from zwrotnica.providers import ticket_intake
from zwrotnica.secrets import get_secrets

BATCH = 25
# Stop taking new work this long before the Lambda timeout; the next run continues from the index.
SAFETY_MS = 10_000
app = create_app()


@app.post(
    "/tickets",
    responses=documented(
        {200: "Already open, or the message joined its open ticket", 201: "Ticket opened"},
        (400, 401, 413, 422, 503),
    ),
)
def open_ticket():
    now = datetime.fromtimestamp(time.time(), UTC)
    request = ticket_intake.verify_and_parse(lower_headers(app), raw_body(app), get_secrets(), now)
    ctx = Context.build(now)
    if not isinstance(request, TicketRequest):
        # The customer's own words: the same loop as an e-mail (answer by e-mail to the contact, never
        # in this HTTP answer: it goes back to the tool, not to the customer's mailbox). Imported here:
        # the intent rules are not the 2,016 weekly sweeps' cold start.
        from zwrotnica.flows import conversations

        safety = ticket_intake.signed_tool()
        effect = bus.run(lambda fresh: conversations.receive(request, safety, ctx, fresh), ctx)
        created = bool(effect.data.get("opened")) and effect.outcome != "duplicate"
        body = {
            "ticket_id": effect.data.get("ticket_id"),
            "created": created,
            "answered": bool(effect.data.get("answered")) and effect.outcome != "duplicate",
        }
        return json_response(HTTPStatus.CREATED if created else HTTPStatus.OK, body)
    effect = bus.run(lambda fresh: tickets.open_ticket(request, ctx, fresh), ctx)
    created = effect.outcome == "opened"
    status = HTTPStatus.CREATED if created else HTTPStatus.OK
    return json_response(status, {"ticket_id": effect.data["ticket_id"], "created": created})


def sweep(context: LambdaContext) -> dict:
    totals = {"sent": 0, "failed": 0, "given_up": 0, "escalated": 0, "held": 0, "silent": 0, "batches": 0}
    # Carriers we ask ourselves (DPD's queue, DHL, Poczta Polska, ORLEN): first, within half the run.
    floor = SAFETY_MS + (context.get_remaining_time_in_millis() - SAFETY_MS) / 2
    polled = sweeps.poll_carriers(
        datetime.now(UTC),
        budget=max(0, int((context.get_remaining_time_in_millis() - floor) // sweeps.MS_PER_CALL)),
        time_left=lambda: context.get_remaining_time_in_millis() - floor,
    )
    totals["carrier_calls"], totals["carrier_events"] = sum(polled.calls.values()), polled.events
    totals["silent"] = sweeps.flag_silent(datetime.now(UTC), BATCH * 4)
    totals["payment_tickets"] = sweeps.payment_queues(datetime.now(UTC), BATCH * 4)
    totals["complaints_deemed_accepted"] = sweeps.complaints_past_deadline(datetime.now(UTC), BATCH * 4)
    totals["commands"], totals["commands_failed"], _ = bus.retry_due(
        Context.build(datetime.now(UTC)), BATCH * 4
    )
    # Polled order sources (BaseLinker, IdoSell, PrestaShop): at most half the time left to read them
    seconds = max(0.0, (context.get_remaining_time_in_millis() - SAFETY_MS) / 2000)
    totals |= {f"feed_{k}": v for k, v in sweeps.order_feeds(datetime.now(UTC), seconds).items()}
    more_messages = more_tickets = True
    while (more_messages or more_tickets) and context.get_remaining_time_in_millis() > SAFETY_MS:
        now = datetime.now(UTC)
        totals["batches"] += 1
        if more_messages:
            sent, more_messages = bus.retry_messages(Context.build(now), BATCH)
            for key in ("sent", "failed", "given_up"):
                totals[key] += getattr(sent, key)
            more_messages = more_messages and (sent.sent + sent.failed + sent.given_up) > 0
        if more_tickets:
            escalated, more_tickets = sweeps.escalate_due(now, BATCH)
            totals["escalated"] += escalated.escalated
            totals["held"] += escalated.held_for_morning
            more_tickets = more_tickets and (escalated.escalated + escalated.held_for_morning) > 0
    totals["more_left"] = more_messages or more_tickets
    logger.info("sweep done", extra=totals)
    return totals


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    if "requestContext" in event:
        return app.resolve(event, context)
    if event.get("task") == "weekly_report":  # Monday 8:00 schedule; sends each week's report once
        from zwrotnica.flows import report  # lazy: one run a week needs it, the 2,016 sweeps do not

        return report.send_weekly(datetime.now(UTC))
    return sweep(context)


startup.ready()  # the handler is loaded: collection resumes (zwrotnica/startup.py)
