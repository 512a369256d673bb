"""Courier tracking webhooks: InPost ShipX, AfterShip, and generic Standard Webhooks-signed events.

InPost signs nothing, so its URL carries a secret: `/webhooks/couriers/inpost/{token}` (a path segment,
because ShipX's support for query strings is unconfirmed). ShipX checks a URL with a GET when it is saved.
"""

import time
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from zwrotnica import startup
from zwrotnica.context import Context
from zwrotnica.dispatch import inbound
from zwrotnica.effect import Effect
from zwrotnica.errors import ZwrotnicaError
from zwrotnica.flows import shipments
from zwrotnica.http import (
    Path,
    create_app,
    documented,
    json_response,
    lower_headers,
    raw_body,
)
from zwrotnica.models.tracking import TrackingEvent
from zwrotnica.observability import logger, metrics
from zwrotnica.providers import couriers
from zwrotnica.secrets import get_secrets
from zwrotnica.settings import get_settings

app = create_app()
Source = Annotated[str, Path(max_length=40)]
Token = Annotated[str, Path(max_length=200)]
# 200 for everything received, held or not: ShipX asks for 200 (couriers.md 2.2), AfterShip and Standard
# Webhooks resend anything but 2xx; the body says what it did.
RECEIVED = documented(
    {200: "Received: applied, ignored, a duplicate, refuted, or held until an order names the parcel"},
    (400, 401, 404, 413, 422, 503),
)
URL_CHECK = documented({200: "The URL is ours"}, (401, 404, 422, 503))


def _request(source: str, token: str | None, body: bytes = b"") -> couriers.CourierRequest:
    source_ip = app.current_event.request_context.http.source_ip
    return couriers.CourierRequest(source, lower_headers(app), body, token, source_ip)


def _receive(source: str, token: str | None):
    request = _request(source, token, raw_body(app))
    settings = get_settings()
    ctx = Context.build(datetime.now(UTC))
    try:
        event = couriers.verify_and_parse(request, get_secrets(), time.time(), settings.inpost_source_check)
    except ZwrotnicaError as exc:  # kept (capped) with its verdict, then answered as before
        inbound.refused(source, "tracking", request.body, exc, ctx)
        raise
    if event is None:
        return json_response(HTTPStatus.OK, {"result": "ignored"})
    record = inbound.tracking(event, ctx, "webhook", request.body)
    effect = inbound.run_logged(lambda fresh: shipments.ingest(event, ctx, fresh), ctx, record)
    _record(event, effect)
    return json_response(HTTPStatus.OK, {"result": effect.outcome})


def _record(event: TrackingEvent, effect: Effect) -> None:
    """One log line and one metric per courier event, by what it did (never the customer's data)."""
    if effect.outcome == "unmatched":
        logger.info("courier event for an unknown number held", extra={"carrier": event.carrier})
        metrics.add_metric(name="CourierEventUnmatched", unit="Count", value=1)
        return
    action = effect.data.get("action", effect.outcome) if effect.outcome != "duplicate" else "duplicate"
    logger.info("courier event", extra={"carrier": event.carrier, "code": event.raw_code, "action": action})
    metrics.add_metric(name=f"CourierEvent{action.title()}", unit="Count", value=1)


def _url_check(source: str, token: str | None):
    couriers.check_caller(_request(source, token), get_secrets(), get_settings().inpost_source_check)
    return json_response(HTTPStatus.OK, {"result": "ok"})


@app.post("/webhooks/couriers/<source>", responses=RECEIVED)
def courier_webhook(source: Source):
    return _receive(source, None)


@app.post("/webhooks/couriers/inpost/<token>", responses=RECEIVED)
def inpost_webhook(token: Token):
    return _receive("inpost", token)


@app.get("/webhooks/couriers/<source>", responses=URL_CHECK)
def courier_url_check(source: Source):
    return _url_check(source, None)


@app.get("/webhooks/couriers/inpost/<token>", responses=URL_CHECK)
def inpost_url_check(token: Token):
    return _url_check("inpost", token)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)


startup.ready()  # the handler is loaded: collection resumes (zwrotnica/startup.py)
