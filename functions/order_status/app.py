"""Orders: the shop's order webhooks in, the customer's order status out."""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from zwrotnica import startup
from zwrotnica.context import Context
from zwrotnica.dispatch import bus, event_log
from zwrotnica.domain import links, order_numbers
from zwrotnica.effect import Effect
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
    request_body,
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
        event_log.refused(platform, "order", body, exc, ctx)
        raise
    if order is None:
        return json_response(HTTPStatus.OK, {"message": "acknowledged"})
    if isinstance(order, ParcelAdded):
        return _parcel(order, ctx)
    record = event_log.shop_order(platform, order.number, order.version(), ctx, body)
    effect = event_log.run_logged(lambda fresh: orders.ingest(order, ctx, fresh), ctx, record)
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
        event_log.refused(provider, "payment", body, exc, ctx)
        raise
    record = event_log.payment(event, ctx, body)
    effect = event_log.run_logged(lambda fresh: payment_flow.ingest(event, ctx, fresh), ctx, record)
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


TicketId = Annotated[str, Path(pattern=r"^TK-[0-9A-F]{10}$")]
REFUSED_STATUS = {
    "tampered": HTTPStatus.FORBIDDEN,
    "expired": HTTPStatus.GONE,
    "unknown": HTTPStatus.NOT_FOUND,
}


@app.get(
    "/csat/<ticket_id>",
    responses=documented(
        {200: "Rated (the page takes a comment)", 409: "This rating was recorded before"},
        (403, 404, 410, 422, 503),
        media=(JSON, HTML),
        ok_media=(HTML,),
    ),
)
def csat(
    ticket_id: TicketId,
    s: Annotated[str | None, Query(pattern=r"^[1-5]$")] = None,
    t: Annotated[str | None, Query(max_length=100, pattern=r"^\d{1,12}\.[A-Za-z0-9_-]{1,64}$")] = None,
):
    """One click in the survey e-mail: the rating is recorded (a second click on another score changes it)."""
    from zwrotnica.flows import satisfaction

    return _one_click(
        s,
        t,
        5,
        f"/csat/{ticket_id}",
        lambda score, ctx, fresh: satisfaction.rate(ticket_id, score, t, ctx, fresh),
    )


@app.post(
    "/csat/<ticket_id>",
    responses=documented(
        {200: "Comment recorded"}, (403, 404, 410, 413, 422, 503), media=(JSON, HTML), ok_media=(HTML,)
    ),
    openapi_extensions=request_body(
        form={"s": "the score (1-5)", "t": "the survey's token", "comment": "text"}
    ),
)
def csat_comment(ticket_id: TicketId):
    from urllib.parse import parse_qsl

    from zwrotnica.flows import satisfaction
    from zwrotnica.web import survey

    fields = dict(parse_qsl(raw_body(app).decode("utf-8", "replace"), keep_blank_values=True))
    score, token = fields.get("s", ""), fields.get("t", "")
    if score not in ("1", "2", "3", "4", "5") or not token or len(token) > 100:
        return html_response(HTTPStatus.UNPROCESSABLE_ENTITY, survey.refused_page("tampered"))
    ctx = Context.build(datetime.now(UTC))
    comment = fields.get("comment", "")[:5000]
    try:
        bus.run(lambda fresh: satisfaction.comment(ticket_id, int(score), token, comment, ctx, fresh), ctx)
    except satisfaction.LinkProblem as problem:
        return html_response(REFUSED_STATUS[problem.reason], survey.refused_page(problem.reason))
    page = survey.rated_page(
        action=f"/csat/{ticket_id}", score=int(score), scale=5, token=token, again=False, comment_saved=True
    )
    return html_response(HTTPStatus.OK, page)


@app.get(
    "/nps/<order_token>",
    responses=documented(
        {200: "Rated", 409: "This rating was recorded before"},
        (403, 404, 410, 422, 503),
        media=(JSON, HTML),
        ok_media=(HTML,),
    ),
)
def nps(
    order_token: OrderToken,
    s: Annotated[str | None, Query(pattern=r"^(?:10|[0-9])$")] = None,
    t: Annotated[str | None, Query(max_length=100, pattern=r"^\d{1,12}\.[A-Za-z0-9_-]{1,64}$")] = None,
):
    """One click in the NPS e-mail (0-10): recorded; a second click on another score changes it."""
    from zwrotnica.flows import satisfaction
    from zwrotnica.web import survey

    try:
        number = order_numbers.decode(order_token)
    except ValueError:
        return html_response(HTTPStatus.NOT_FOUND, survey.refused_page("unknown"))
    return _one_click(
        s, t, 10, "", lambda score, ctx, fresh: satisfaction.rate_nps(number, score, t, ctx, fresh)
    )


def _one_click(s: str | None, t: str | None, scale: int, action: str, rate: Callable[..., Effect]):
    """A survey link's one click: `rate(score, ctx, fresh)` records it; 409 when it was recorded before,
    the refusal's page and status when the link is cut short, changed, expired or names nothing."""
    from zwrotnica.flows import satisfaction
    from zwrotnica.web import survey

    if s is None or t is None:  # a link cut short
        return html_response(HTTPStatus.UNPROCESSABLE_ENTITY, survey.refused_page("tampered"))
    ctx = Context.build(datetime.now(UTC))
    try:
        effect = bus.run(lambda fresh: rate(int(s), ctx, fresh), ctx)
    except satisfaction.LinkProblem as problem:
        return html_response(REFUSED_STATUS[problem.reason], survey.refused_page(problem.reason))
    again = effect.outcome == "duplicate"
    metrics.add_metric(name="CsatRated" if scale == 5 else "NpsRated", unit="Count", value=0 if again else 1)
    page = survey.rated_page(
        action=action, score=int(s), scale=scale, token=t, again=again, comment_saved=False
    )
    return html_response(HTTPStatus.CONFLICT if again else HTTPStatus.OK, page)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)


startup.ready()  # the handler is loaded: collection resumes (zwrotnica/startup.py)
