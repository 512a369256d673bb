"""HTTP edge shared by every function: the resolver, checked path and query parameters, raw bodies, and
the one error-to-HTTP mapping."""

from __future__ import annotations

import base64
import functools
import inspect
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Annotated, Any, ClassVar, get_args, get_origin

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse, OpenAPIResponseHeader
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict

from zwrotnica import aws
from zwrotnica.errors import PayloadTooLarge, ZwrotnicaError
from zwrotnica.observability import logger, metrics
from zwrotnica.settings import get_brand, get_settings
from zwrotnica.web.pages import error_page

HTML = "text/html; charset=utf-8"
JSON = content_types.APPLICATION_JSON
RETRY_AFTER_S = 5  # a 503: AWS or a provider was slow or unavailable and nothing was changed; try again soon
RETRY_AFTER: dict[int, OpenAPIResponseHeader] = {
    429: {"description": "Seconds until the attempt counters' hour ends", "schema": {"type": "integer"}},
    503: {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}},
}


class FieldProblem(BaseModel):
    model_config = ConfigDict(defer_build=True)  # only the OpenAPI document reads it: no cold-start cost

    loc: list[str | int]
    type: str | None = None


class ErrorBody(BaseModel):
    """Every JSON error: a short reason; `errors` where the request broke the schema, `fields` (Polish)
    where a return form broke a rule. Never the input itself (it may hold personal data)."""

    model_config = ConfigDict(defer_build=True)

    message: str
    errors: list[FieldProblem] | None = None
    fields: dict[str, str] | None = None


# What each error status means on our routes (the OpenAPI description of every documented error).
ERRORS: dict[int, str] = {
    400: "Malformed request: the body is not JSON, or no e-mail, phone or link proves the order",
    401: "Missing or invalid signature, or a wrong URL token",
    403: "The form expired: search for the order again",
    404: "Unknown platform, provider, order, case or label (a wrong e-mail or token also answers 404)",
    409: "The resource is not in a state that allows this",
    410: "The link expired, was changed or was already used (a team sign-in link, a return label link)",
    413: "Body larger than the limit (MAX_BODY_BYTES)",
    422: "The request does not match the schema, or the payload breaks a rule",
    429: "Too many attempts for this order, or lookups from this client: retry in an hour",
    503: "A dependency (DynamoDB, the payment provider) is unavailable: nothing was changed, retry",
}


class _WhenRead(Mapping[str, Any]):
    """A mapping built on first read: Powertools reads `openapi_extensions` only to write the document."""

    def __init__(self, build: Callable[[], dict[str, Any]]) -> None:
        self._build = build

    @functools.cached_property
    def _value(self) -> dict[str, Any]:
        return self._build()

    def __getitem__(self, key: str) -> Any:
        return self._value[key]

    def __iter__(self) -> Any:
        return iter(self._value)

    def __len__(self) -> int:
        return len(self._value)


def request_body(json_model: type[BaseModel] | None = None, form: Mapping[str, str] | None = None) -> Any:
    """The `openapi_extensions=` that document a body the handler reads raw (`raw_body`): as JSON, the
    model's schema (its $defs inlined: the document's components are Powertools'), and/or form fields.
    Built when the document is generated, not on every cold start (a JSON schema costs ~10 ms)."""
    return _WhenRead(functools.partial(_request_body, json_model, form))


def _request_body(json_model: type[BaseModel] | None, form: Mapping[str, str] | None) -> dict[str, Any]:
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
        if int(status) in RETRY_AFTER:
            answers[int(status)]["headers"] = {"Retry-After": RETRY_AFTER[int(status)]}
    return answers


@functools.cache
def _regex(pattern: str) -> re.Pattern[str]:
    # JSON Schema's (and pydantic's) `$` ends the text; Python's would also match before a final newline.
    ends_text = pattern.endswith("$") and not pattern.endswith("\\$")
    return re.compile(pattern[:-1] + r"\Z" if ends_text else pattern)


@dataclass(frozen=True)
class Param:
    """A path or query parameter: text of at most `max_length` characters, matching `pattern` if given.

    Declared once, in the route function's signature (`order: Annotated[str | None, Query(max_length=40)]
    = None`): every route of `create_app()` checks it before the function runs (`checked`), and
    infra/build/openapi.py documents the same declaration. Nothing is converted or coerced: a parameter
    is text, so any text either passes or is a 422 naming where and what kind (pydantic's type names)."""

    max_length: int | None = None
    pattern: str | None = None
    where: ClassVar[str]

    def problem(self, value: str) -> str | None:
        if self.max_length is not None and len(value) > self.max_length:
            return "string_too_long"
        if self.pattern is not None and not _regex(self.pattern).search(value):
            return "string_pattern_mismatch"
        return None


class Path(Param):
    where = "path"


class Query(Param):
    where = "query"


class RequestInvalid(Exception):
    """Parameters that break their declaration: `errors` holds where and what kind, never the value."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("invalid request")
        self.errors = errors


_REQUIRED = inspect.Parameter.empty


def declared_params(func: Callable[..., Any]) -> dict[str, tuple[Param, Any]]:
    """name -> (its Param, its default) for every `Annotated[..., Path(...)/Query(...)]` parameter."""
    found = {}
    for name, parameter in inspect.signature(func, eval_str=True).parameters.items():
        if get_origin(parameter.annotation) is not Annotated:
            continue
        declaration = next((m for m in get_args(parameter.annotation)[1:] if isinstance(m, Param)), None)
        if declaration is not None:
            found[name] = (declaration, parameter.default)
    return found


def checked(app: APIGatewayHttpResolver, func: Callable[..., Any]) -> Callable[..., Any]:
    """The route function, called with its path and query parameters once they meet their declarations.

    Path values come from the route's match (as Powertools passes them); query values from API Gateway's
    `queryStringParameters` (a repeated name arrives joined with commas, as Powertools would see it)."""
    declared = declared_params(func)

    @functools.wraps(func)
    def route(**path_values: str) -> Any:
        query = app.current_event.query_string_parameters or {}
        values: dict[str, Any] = {k: v for k, v in path_values.items() if k not in declared}
        errors: list[dict[str, Any]] = []
        for name, (declaration, default) in declared.items():
            value = path_values.get(name) if declaration.where == "path" else query.get(name)
            if value is None:
                if default is _REQUIRED:
                    errors.append({"loc": [declaration.where, name], "type": "missing"})
                else:
                    values[name] = default
            elif problem := declaration.problem(value):
                errors.append({"loc": [declaration.where, name], "type": problem})
            else:
                values[name] = value
        if errors:
            raise RequestInvalid(errors)
        return func(**values)

    return route


class Resolver(APIGatewayHttpResolver):
    """Powertools' HTTP API resolver, every route `checked`. Not Powertools' own request validation
    (`enable_validation`): it imports its OpenAPI parameter and validation machinery and builds pydantic
    fields for every route on each cold start (up to 0.15 of a bare `import boto3` per handler, measured
    in docs/benchmarks.md) to check a few string lengths and patterns."""

    def __init__(self) -> None:
        super().__init__()
        # (method, rule) -> the checked route function: what infra/build/openapi.py documents
        self.checked_routes: dict[tuple[str, str], Callable[..., Any]] = {}

    def resolve(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        """Answer one request; its AWS calls must end before the function's timeout (zwrotnica.aws)."""
        aws.start(context)
        try:
            return super().resolve(event, context)
        finally:
            aws.stop()

    def route(self, rule: str, method: Any, *args: Any, **kwargs: Any) -> Callable[[Callable], Callable]:
        register = super().route(rule, method, *args, **kwargs)

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            route = checked(self, func)
            self.checked_routes[(str(method).upper(), rule)] = route
            return register(route)

        return decorator


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


def client_ip(app: APIGatewayHttpResolver) -> str | None:
    """The caller's IP as API Gateway saw it (requestContext.http.sourceIp), not a forgeable header."""
    return app.current_event.request_context.http.source_ip or None


def lower_headers(app: APIGatewayHttpResolver) -> dict[str, str]:
    return {k.lower(): v for k, v in (app.current_event.headers or {}).items()}


def create_app() -> Resolver:
    app = Resolver()

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
            from zwrotnica.domain import lookups  # only the customer lookups answer 429

            response.headers["Retry-After"] = str(lookups.retry_after(datetime.now(UTC)))
        elif exc.status == HTTPStatus.SERVICE_UNAVAILABLE:
            response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return response

    @app.exception_handler(RequestInvalid)
    def _invalid(exc: RequestInvalid) -> Response:
        # Only where and what kind: never echo the input back (it may hold personal data).
        errors = exc.errors
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
            response = html_response(
                HTTPStatus.SERVICE_UNAVAILABLE,
                error_page(
                    "Chwilowa przerwa", "Nie udało się tego teraz zrobić. Spróbuj ponownie za chwilę."
                ),
            )
        else:
            response = json_response(
                HTTPStatus.SERVICE_UNAVAILABLE, {"message": "temporarily unavailable, retry"}
            )
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return response

    return app
