"""Logger, metrics: one instance each per container. Personal data is masked before any line is written.

Tracing: Lambda's active tracing (template Globals) records every invocation and AWS call segment
without the X-Ray SDK, whose import alone costs ~150 ms of every cold start (toolchain.md §4).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

MASK = "***"
PII_KEYS = frozenset(
    {
        "email",
        "phone",
        "recipient",
        "customer_name",
        "name",
        "first_name",
        "last_name",
        "address",
        "address_line",
        "address_1",
        "address_2",
        "postcode",
        "city",
        "iban",
        "account",
        "bank_account",
        "nrb",
        "text",
        "html",
        "body",
        "billing",
        "shipping",
    }
)
# Credentials that travel in URLs: the signed link token (?t=), InPost's URL token (/inpost/{token}).
SECRET_KEYS = frozenset({"t", "token"})
MASKED_KEYS = PII_KEYS | SECRET_KEYS
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w])(?:\+|00)?\d[\d \-]{7,16}\d(?![\w])")
_IBAN = re.compile(r"\bPL\s?\d{2}(?:\s?\d{4}){6}\b", re.IGNORECASE)


def mask_text(text: str) -> str:
    return _PHONE.sub(MASK, _EMAIL.sub(MASK, _IBAN.sub(MASK, text)))


def mask(value: Any, key: str | None = None) -> Any:
    if key is not None and key.lower() in MASKED_KEYS and value not in (None, ""):
        return MASK
    if isinstance(value, dict):
        return {k: mask(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask(v) for v in value]
    if isinstance(value, str):
        return mask_text(value)
    return value


def mask_url(url: str, path_params: Mapping[str, str] | None = None) -> str:
    """A request's path and query as an access log may print them, masked like log fields: each query
    value by its key, then by pattern; each path segment by pattern, and by its name where it is one of
    `path_params` (the route's parameters, e.g. {"token": ...})."""
    parts = urlsplit(url)
    names = {value: name for name, value in (path_params or {}).items()}
    segments = []
    for segment in parts.path.split("/"):
        value = unquote(segment)
        segments.append(segment if mask(value, names.get(value)) == value else MASK)
    query = [(k, mask(v, k)) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return "/".join(segments) + (f"?{urlencode(query, safe='*')}" if query else "")


class MaskingFormatter(LambdaPowertoolsFormatter):
    """Masks PII by key name and by pattern (e-mail, phone, IBAN) in every field of every line."""

    def serialize(self, log: dict[str, Any]) -> str:
        keep = {
            k: log[k]
            for k in (
                "timestamp",
                "level",
                "service",
                "location",
                "function_request_id",
                "xray_trace_id",
                "cold_start",
                "function_arn",
                "function_name",
                "correlation_id",
            )
            if k in log
        }
        return super().serialize(mask(log) | keep)


logger = Logger(logger_formatter=MaskingFormatter())
metrics = Metrics(namespace="Zwrotnica")
