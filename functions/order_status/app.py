"""Orders: the shop's order webhooks in, the customer's order status out."""

import time
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from zwrotnica import startup
from zwrotnica.context import Context
from zwrotnica.dispatch import bus, inbound
from zwrotnica.domain import links, order_numbers
from zwrotnica.errors import InvalidUnsubscribeLink, OrderNotFound, ZwrotnicaError
from zwrotnica.flows import consent, orders
from zwrotnica.flows import payments as payment_flow
from zwrotnica.http import (
    HTML,
    JSON,
    Path,
    Query,
    client_ip,
    create_app,
    documented,
    html_response,
    json_response,
    lower_headers,
    raw_body,
    wants_html,
)
from zwrotnica.models.order import ParcelAdded
from zwrotnica.models.payment import PaymentEvent, RefundEvent
from zwrotnica.observability import logger, metrics
from zwrotnica.providers import payments, shop
from zwrotnica.secrets import get_secrets
from zwrotnica.web import unsubscribe

app = create_app()
# The number as its token (domain.order_numbers: `ZAM/2026/1` travels as `ZAM~2F2026~2F1`)
OrderToken = Annotated[str, Path(pattern=order_numbers.TOKEN_PATTERN)]


@app.post(
    "/webhooks/shop/<platform>",
    responses=documented(
        {200: "Applied, a parcel added to an order, or acknowledged and ignored"},
        (400, 401, 404, 413, 422, 503),
    ),
)
def shop_webhook(platform: Annotated[str, Path(max_length=40)]):
    body = raw_body(app)
    ctx = Context.build(datetime.now(UTC))
    try:
        order = shop.verify_and_parse(platform, lower_headers(app), body, get_secrets(), time.time())
    except ZwrotnicaError as exc:  # kept (capped) with its verdict, then answered as before
        inbound.refused(platform, "order", body, exc, ctx)
        raise
    if order is None:
        return json_response(HTTPStatus.OK, {"message": "acknowledged"})
    if isinstance(order, ParcelAdded):
        return _parcel(order, ctx)
    record = inbound.shop_order(platform, order.number, order.version(), ctx, body)
    effect = inbound.run_logged(lambda fresh: orders.ingest(order, ctx, fresh), ctx, record)
    action = effect.data["action"]
    logger.info("shop order ingested", extra={"order_number": order.number, "action": action})
    metrics.add_metric(name=f"ShopOrder{action.title()}", unit="Count", value=1)
    orders.count_reach(effect)
    return json_response(HTTPStatus.OK, {"order_number": order.number, "action": action})


def _parcel(parcel: ParcelAdded, ctx: Context):
    """A waybill added to an order (Shoper parcel events): received (200) whatever it did."""
    effect = bus.run(lambda fresh: orders.add_parcel(parcel, ctx, fresh), ctx)
    action = "duplicate" if effect.outcome == "duplicate" else effect.data["action"]
    logger.info("shop parcel", extra={"platform": parcel.platform, "action": action})
    metrics.add_metric(
        name="ShopParcelAdded" if action == "parcel_added" else "ShopParcelNotAdded", unit="Count", value=1
    )
    return json_response(HTTPStatus.OK, {"order_number": parcel.order_number, "action": action})


@app.post(
    "/webhooks/payments/<provider>",
    responses=documented(
        {200: "Received: applied, ignored, a duplicate, or held until its order arrives"},
        (400, 401, 404, 413, 422, 503),
    ),
)
def payment_webhook(provider: Annotated[str, Path(max_length=40)]):
    """PayU and Przelewy24 notifications: 200 once stored, whatever it did (P24: a payment after
    transaction/verify). PayU resends anything but 200 for 72 hours (payments.md 1.4), P24 until it is
    verified; a notification held for an order that has not arrived is received all the same (the
    order applies it when it comes, or finance gets a ticket after the grace period)."""
    body = raw_body(app)
    ctx = Context.build(datetime.now(UTC))
    try:
        event = payments.verify_and_parse(provider, lower_headers(app), body, get_secrets())
    except ZwrotnicaError as exc:  # kept (capped) with its verdict, then answered as before
        inbound.refused(provider, "payment", body, exc, ctx)
        raise
    record = inbound.payment(event, ctx, body)
    effect = inbound.run_logged(lambda fresh: payment_flow.ingest(event, ctx, fresh), ctx, record)
    _record(event, effect.outcome)
    if effect.outcome == "unverified":
        raise payment_flow.PaymentNotVerified("Przelewy24 refused the verification")
    return json_response(HTTPStatus.OK, {"result": effect.outcome})


def _record(event: PaymentEvent | RefundEvent, outcome: str) -> None:
    kind = "refund" if isinstance(event, RefundEvent) else "payment"
    if outcome == "unmatched":
        logger.info("payment notification for an unknown order held", extra={"provider": event.provider})
    logger.info("payment notification", extra={"provider": event.provider, "kind": kind, "outcome": outcome})
    metrics.add_metric(name=f"Payment{outcome.title()}", unit="Count", value=1)


@app.get(
    "/orders/<order_number>/status",
    responses=documented({200: "The order's status"}, (400, 404, 422, 429, 503), media=(JSON, HTML)),
)
def order_status(
    order_number: OrderToken,
    email: Annotated[str | None, Query(max_length=254)] = None,
    phone: Annotated[str | None, Query(max_length=32)] = None,
    t: Annotated[str | None, Query(max_length=100)] = None,
):
    now, proof = datetime.now(UTC), {"email": email, "phone": phone, "token": t}
    number = _number(order_number)
    if wants_html(app):
        page = orders.status_html(number, **proof, now=now, client=client_ip(app))
        return html_response(HTTPStatus.OK, page)
    view = orders.read_status(number, **proof, now=now, client=client_ip(app))
    return json_response(HTTPStatus.OK, view.model_dump(mode="json"))


def _number(token: str) -> str:
    """The order number of a path token. A token `encode` never writes names no order: answered like an
    order we do not have (404, the same body); nothing is read for it."""
    try:
        return order_numbers.decode(token)
    except ValueError:
        raise OrderNotFound() from None


# ---- One-click marketing unsubscribe (RFC 8058): the signed link of every marketing e-mail --------------
UnsubscribeToken = Annotated[str | None, Query(max_length=100)]


def _unsubscribing(token: str, t: str | None) -> str:
    """The order the signed link names; InvalidUnsubscribeLink for anything else."""
    try:
        number = order_numbers.decode(token)
    except ValueError:
        raise InvalidUnsubscribeLink() from None
    key = get_secrets().link_signing_key
    if not (t and links.token_valid(key, links.unsubscribe_scope(number), t, datetime.now(UTC))):
        raise InvalidUnsubscribeLink()
    return number


@app.get(
    "/orders/<order_number>/unsubscribe",
    responses=documented({200: "The confirmation page"}, (404, 422), media=(JSON, HTML), ok_media=(HTML,)),
)
def unsubscribe_page(order_number: OrderToken, t: UnsubscribeToken = None):
    """What a browser opening the e-mail's link sees: one button (a GET never changes anything: mail
    scanners follow links)."""
    _unsubscribing(order_number, t)
    return html_response(HTTPStatus.OK, unsubscribe.confirm_page(f"?t={t}"))


@app.post(
    "/orders/<order_number>/unsubscribe",
    responses=documented({200: "Consent withdrawn"}, (404, 422, 503), media=(JSON, HTML)),
)
def unsubscribe_post(order_number: OrderToken, t: UnsubscribeToken = None):
    """The page's button, or a mail client's one-click POST (`List-Unsubscribe=One-Click`, RFC 8058):
    the signed link alone withdraws the marketing consent; no cookie, no form state."""
    number = _unsubscribing(order_number, t)
    ctx = Context.build(datetime.now(UTC))
    bus.run(lambda fresh: consent.withdraw_marketing(number, ctx, fresh), ctx)
    if wants_html(app):
        return html_response(HTTPStatus.OK, unsubscribe.done_page())
    return json_response(HTTPStatus.OK, {"result": "unsubscribed"})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)


startup.ready()  # the handler is loaded: collection resumes (zwrotnica/startup.py)
