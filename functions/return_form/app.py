"""The return and complaint form: GET /returns shows it, POST /returns takes it (form or JSON)."""

from datetime import UTC, datetime
from http import HTTPStatus
from typing import Annotated
from urllib.parse import parse_qsl

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from return_form import views
from zwrotnica import startup
from zwrotnica.context import Context
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
)
from zwrotnica.models.order import ORDER_NUMBER_MAX_LENGTH
from zwrotnica.models.returns import ReturnSubmission
from zwrotnica.observability import logger, metrics
from zwrotnica.strict import json_body
from zwrotnica.web.return_form import lookup_page

app = create_app()
Rma = Annotated[str, Path(pattern=r"^ZW-\d{4}-\d{6}$")]
PDF = "application/pdf"


@app.get("/returns", responses=documented({200: "The form"}, (422,), media=(JSON, HTML), ok_media=(HTML,)))
def form(
    order: Annotated[str | None, Query(max_length=ORDER_NUMBER_MAX_LENGTH)] = None,
    kind: Annotated[str | None, Query(max_length=20)] = None,  # withdrawal or complaint
    t: Annotated[str | None, Query(max_length=200)] = None,  # the signed link's token
):
    """The form; from the status page's signed link (`order`, `kind`, `t`) straight to the order's details."""
    if order and t:
        return views.from_link(order, kind, t, datetime.now(UTC), client_ip(app))
    return html_response(HTTPStatus.OK, lookup_page({"order_number": order or ""}, {}))


@app.post(
    "/returns",
    responses=documented(
        {200: "The order's details, or the case already submitted", 201: "Case opened"},
        (400, 403, 404, 413, 422, 429, 503),
        media=(JSON, HTML),
    ),
    openapi_extensions=request_body(ReturnSubmission, views.FORM_FIELDS),
)
def submit():
    body, client = raw_body(app), client_ip(app)
    ctx = Context.build(datetime.now(UTC))
    if lower_headers(app).get("content-type", "").startswith("application/json"):
        status, answer = views.submit_json(json_body(body), ctx, client)
        return json_response(status, answer)
    fields = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    if fields.get("step") == "submit":
        return views.submit_form(fields, ctx, client)
    return views.lookup(fields, ctx.now, client)


@app.post(
    "/cases/<rma>/decision",
    responses=documented({200: "Decision recorded"}, (400, 401, 404, 413, 422, 503)),
)
def decision(rma: Rma):
    """The team's decision on returned goods: Standard Webhooks-signed with its own secret
    (`case_decision_secrets`), the body naming the case: {"case_id": RMA, "accept": bool, "reason"}."""
    ctx = Context.build(datetime.now(UTC))
    status = views.decide(rma, lower_headers(app), raw_body(app), ctx)
    return json_response(HTTPStatus.OK, {"case_id": rma, "status": status})


@app.get(
    "/labels/<rma>",
    responses=documented(
        {200: "The case's return label or slip (PDF)"},
        (404, 410, 422, 503),
        media=(JSON, HTML),
        ok_media=(PDF,),
    ),
)
def label(rma: Rma, t: Annotated[str, Query(max_length=100)] = ""):
    """The link in the label e-mail: our own token (7 days), checked before anything is read, then the
    PDF from the private bucket, whatever AWS credentials signed nothing (issue 12)."""
    return views.label_pdf(rma, t, datetime.now(UTC))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)


startup.ready()  # the handler is loaded: collection resumes (zwrotnica/startup.py)
