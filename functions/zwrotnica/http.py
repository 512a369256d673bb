"""HTTP edge shared by every function: the resolver, raw bodies, and the one error-to-HTTP mapping."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel

from zwrotnica.domain import lookups
from zwrotnica.errors import PayloadTooLarge, ZwrotnicaError
from zwrotnica.observability import logger, metrics
from zwrotnica.settings import get_brand, get_settings
from zwrotnica.web.pages import error_page

HTML = "text/html; charset=utf-8"
JSON = content_types.APPLICATION_JSON


class FieldProblem(BaseModel):
    loc: list[str | int]
    type: str | None = None


class ErrorBody(BaseModel):
    """Every JSON error: a short reason; `errors` where the request broke the schema, `fields` (Polish)
    where a return form broke a rule. Never the input itself (it may hold personal data)."""

    message: str
    errors: list[FieldProblem] | None = None
    fields: dict[str, str] | None = None


# What each error status means on our routes (the OpenAPI description of every documented error).
ERRORS: dict[int, str] = {
    400: "Malformed request: the body is not JSON, or no e-mail, phone or link proves the order",
    401: "Missing or invalid signature, or a wrong URL token",
    403: "The form expired: search for the order again",
    404: "Unknown platform, provider, order or case (a wrong e-mail or token also answers 404)",
    409: "The resource is not in a state that allows this",
    410: "The team's sign-in link expired or was already used",
    413: "Body larger than the limit (MAX_BODY_BYTES)",
    422: "The request does not match the schema, or the payload breaks a rule",
    429: "Too many attempts for this order, or lookups from this client: retry in an hour",
    503: "A dependency (DynamoDB, the payment provider) is unavailable: nothing was changed, retry",
}


def request_body(json_model: type[BaseModel] | None = None, form: Mapping[str, str] | None = None) -> dict:
    """The `openapi_extensions=` that document a body the handler reads raw (`raw_body`): as JSON, the
    model's schema (its $defs inlined: the document's components are Powertools'), and/or form fields."""
    content: dict[str, Any] = {}
    if json_model is not None:
        schema = json_model.model_json_schema()
        defs = schema.pop("$defs", {})

        def inline(node: Any) -> Any:
            if isinstance(node, dict):
                ref = node.get("$ref", "")
                if ref.startswith("#/$defs/"):
                    return inline(defs[ref.removeprefix("#/$defs/")])
                return {k: inline(v) for k, v in node.items()}
            return [inline(v) for v in node] if isinstance(node, list) else node

        content[JSON] = {"schema": inline(schema)}
    if form is not None:
        properties = {name: {"type": "string", "description": text} for name, text in form.items()}
        content["application/x-www-form-urlencoded"] = {
            "schema": {"type": "object", "properties": properties, "additionalProperties": {"type": "string"}}
        }
    return {"requestBody": {"required": True, "content": content}}


def documented(
    ok: Mapping[int, str],
    errors: Iterable[int],
    *,
    media: Iterable[str] = (JSON,),
    ok_media: Iterable[str] | None = None,
) -> dict[int, OpenAPIResponse]:
    """The `responses=` of a route: its success statuses and every error status it really answers.

    `media`: the content types every answer may have (customer routes: JSON or, for a browser, HTML);
    `ok_media`: those of the success answers when they differ (a page that is always HTML)."""
    media = tuple(media)

    def content(types: Iterable[str], payload: dict[str, Any]) -> dict[str, Any]:
        return {
            "text/html" if t == HTML else t: {"schema": {"type": "string"}} if t == HTML else dict(payload)
            for t in types
        }

    answers: dict[int, OpenAPIResponse] = {
        status: {"description": text, "content": content(ok_media or media, {"schema": {}})}
        for status, text in ok.items()
    }
    for status in errors:
        answers[int(status)] = {
            "description": ERRORS[int(status)],
            "content": content(media, {"model": ErrorBody}),
        }
    return answers


def json_response(status: HTTPStatus, body: Any) -> Response:
    return Response(
        status_code=int(status),
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body, ensure_ascii=False),
    )


def html_response(status: HTTPStatus, html: str, headers: Mapping[str, str] | None = None) -> Response:
    logo = get_brand().logo_origin  # the shop's logo: images from its origin only, nothing else
    return Response(
        status_code=int(status),
        content_type=HTML,
        body=html,
        headers={
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            + (f"img-src {logo}; " if logo else "")
            + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            **(headers or {}),
        },
    )


def wants_html(app: APIGatewayHttpResolver) -> bool:
    accept = (app.current_event.headers or {}).get("accept", "")
    return "text/html" in accept and "application/json" not in accept.split("text/html")[0]


def raw_body(app: APIGatewayHttpResolver) -> bytes:
    """The body exactly as sent (signatures are over these bytes), refused above the size limit."""
    event = app.current_event
    body = event.body or ""
    data = base64.b64decode(body) if event.is_base64_encoded else body.encode("utf-8", "surrogateescape")
    if len(data) > get_settings().max_body_bytes:
        raise PayloadTooLarge()
    return data


def request_base_url(app: APIGatewayHttpResolver) -> str:
    return f"https://{app.current_event.request_context.domain_name}"


def client_ip(app: APIGatewayHttpResolver) -> str | None:
    """The caller's IP as API Gateway saw it (requestContext.http.sourceIp), not a forgeable header."""
    return app.current_event.request_context.http.source_ip or None


def lower_headers(app: APIGatewayHttpResolver) -> dict[str, str]:
    return {k.lower(): v for k, v in (app.current_event.headers or {}).items()}


def create_app() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)

    @app.exception_handler(ZwrotnicaError)
    def _domain_error(exc: ZwrotnicaError) -> Response:
        logger.info("request refused", extra={"reason": type(exc).__name__, "status": int(exc.status)})
        if exc.status == HTTPStatus.UNAUTHORIZED:
            # A burst of these on one route: a provider's secret was rotated on one side only (an alarm per
            # route in template.yaml). The route key is the template's ("POST /webhooks/shop/{platform}"), so
            # the dimension never takes a value from the request. Its own EMF blob: nothing else gets `route`.
            unauthorized = EphemeralMetrics(namespace=metrics.namespace)
            unauthorized.add_dimension(name="route", value=app.current_event.request_context.route_key)
            unauthorized.add_metric(name="WebhookUnauthorized", unit=MetricUnit.Count, value=1)
            unauthorized.flush_metrics()
        if wants_html(app):
            response = html_response(exc.status, error_page("Nie możemy tego pokazać", exc.reason))
        else:
            response = json_response(exc.status, {"message": exc.reason})
        if exc.status == HTTPStatus.TOO_MANY_REQUESTS:
            response.headers["Retry-After"] = str(lookups.retry_after(datetime.now(UTC)))
        return response

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response:
        # Only where and what kind: never echo the input back (it may hold personal data).
        errors = [{"loc": list(e.get("loc", ())), "type": e.get("type")} for e in exc.errors()]
        logger.info("request invalid", extra={"errors": errors})
        if wants_html(app):
            return html_response(
                HTTPStatus.UNPROCESSABLE_ENTITY,
                error_page("Nie możemy tego pokazać", "Sprawdź numer zamówienia i dane w adresie strony."),
            )
        return json_response(
            HTTPStatus.UNPROCESSABLE_ENTITY, {"message": "invalid request", "errors": errors}
        )

    @app.exception_handler(ClientError)
    @app.exception_handler(BotoCoreError)
    def _aws_unavailable(exc: Exception) -> Response:
        # Nothing was committed (writes are single transactions): 503 tells the sender to retry.
        answer = exc.response if isinstance(exc, ClientError) else {}  # a ReadTimeoutError's is None
        code = answer.get("Error", {}).get("Code", type(exc).__name__)
        logger.warning("aws call failed", extra={"error": code, "detail": str(exc)[:300]})
        if wants_html(app):
            return html_response(
                HTTPStatus.SERVICE_UNAVAILABLE,
                error_page(
                    "Chwilowa przerwa", "Nie udało się tego teraz zrobić. Spróbuj ponownie za chwilę."
                ),
            )
        return json_response(HTTPStatus.SERVICE_UNAVAILABLE, {"message": "temporarily unavailable, retry"})

    return app
