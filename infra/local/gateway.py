"""A small stand-in for API Gateway HTTP API: v2.0 events in, handler results out (toolchain.md §8).

No maintained package builds v2.0 events for many handlers from a SAM template, so this does, with the
stdlib only. The tests build their events with the same `build_event`.
"""

from __future__ import annotations

import base64
import importlib
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from infra.template import Route

TEXT_TYPES = ("text/", "application/json", "application/x-www-form-urlencoded", "application/xml")


@dataclass
class FakeContext:
    """What Powertools reads from a Lambda context."""

    function_name: str = "local"
    memory_limit_in_mb: int = 512
    timeout_ms: int = 10_000
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)
    # One context handed to many calls (tests, benchmarks): each call is an invocation of its own, with
    # the whole timeout ahead of it (zwrotnica.aws takes its deadline from the time remaining).
    reused: bool = False

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:eu-central-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        if self.reused:
            return self.timeout_ms
        return max(0, self.timeout_ms - int((time.monotonic() - self.started) * 1000))


def build_event(
    route: Route | None,
    method: str,
    path: str,
    *,
    query: str = "",
    headers: dict[str, str] | None = None,
    body: bytes | str | None = None,
    path_params: dict[str, str] | None = None,
    source_ip: str = "127.0.0.1",
    domain: str = "127.0.0.1:3000",
) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    raw = body.encode() if isinstance(body, str) else body
    content_type = headers.get("content-type", "")
    is_text = raw is None or content_type.startswith(TEXT_TYPES) or not content_type
    try:
        text_body = raw.decode("utf-8") if raw is not None and is_text else None
    except UnicodeDecodeError:
        text_body = None
    params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        params[key] = f"{params[key]},{value}" if key in params else value
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key if route else "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": domain,
            "domainPrefix": domain.split(".")[0],
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route.route_key if route else "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": raw is not None and text_body is None,
    }
    if "cookie" in headers:
        event["cookies"] = [c.strip() for c in headers["cookie"].split(";")]
    if params:
        event["queryStringParameters"] = params
    if path_params:
        event["pathParameters"] = path_params
    if raw is not None:
        event["body"] = text_body if text_body is not None else base64.b64encode(raw).decode()
    return event


def load_handler(handler: str) -> Any:
    module, _, name = handler.rpartition(".")
    return getattr(importlib.import_module(module), name)


def invoke(route: Route, event: dict[str, Any]) -> dict[str, Any]:
    """Call the real handler; an exception becomes API Gateway's own 500."""
    try:
        result = load_handler(route.handler)(event, FakeContext(function_name=route.function))
    except Exception:
        import traceback

        traceback.print_exc()
        return {
            "statusCode": 500,
            "headers": {"content-type": "application/json"},
            "body": json.dumps({"message": "Internal Server Error"}),
        }
    if not isinstance(result, dict) or "statusCode" not in result:
        return {
            "statusCode": 200,
            "headers": {"content-type": "application/json"},
            "body": json.dumps(result),
        }
    return result


def response_bytes(result: dict[str, Any]) -> bytes:
    body = result.get("body") or ""
    return base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
