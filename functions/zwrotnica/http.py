"""HTTP edge shared by every function: the resolver, raw bodies, and the one error-to-HTTP mapping."""

from __future__ import annotations

import base64
import json
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from botocore.exceptions import BotoCoreError, ClientError

from zwrotnica.errors import PayloadTooLarge, ZwrotnicaError
from zwrotnica.observability import logger
from zwrotnica.settings import get_settings
from zwrotnica.web.pages import error_page

HTML = "text/html; charset=utf-8"


def json_response(status: HTTPStatus, body: Any) -> Response:
    return Response(
        status_code=int(status),
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body, ensure_ascii=False),
    )


def html_response(status: HTTPStatus, html: str) -> Response:
    return Response(
        status_code=int(status),
        content_type=HTML,
        body=html,
        headers={
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            "form-action 'self'; base-uri 'none'",
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


def lower_headers(app: APIGatewayHttpResolver) -> dict[str, str]:
    return {k.lower(): v for k, v in (app.current_event.headers or {}).items()}


def create_app() -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)

    @app.exception_handler(ZwrotnicaError)
    def _domain_error(exc: ZwrotnicaError) -> Response:
        logger.info("request refused", extra={"reason": type(exc).__name__, "status": int(exc.status)})
        if wants_html(app):
            return html_response(exc.status, error_page("Nie możemy tego pokazać", exc.reason))
        return json_response(exc.status, {"message": exc.reason})

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response:
        # Only where and what kind: never echo the input back (it may hold personal data).
        errors = [{"loc": list(e.get("loc", ())), "type": e.get("type")} for e in exc.errors()]
        logger.info("request invalid", extra={"errors": errors})
        return json_response(
            HTTPStatus.UNPROCESSABLE_ENTITY, {"message": "invalid request", "errors": errors}
        )

    @app.exception_handler(ClientError)
    @app.exception_handler(BotoCoreError)
    def _aws_unavailable(exc: Exception) -> Response:
        # Nothing was committed (writes are single transactions): 503 tells the sender to retry.
        code = getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)
        logger.warning("aws call failed", extra={"error": code, "detail": str(exc)[:300]})
        return json_response(HTTPStatus.SERVICE_UNAVAILABLE, {"message": "temporarily unavailable, retry"})

    return app
