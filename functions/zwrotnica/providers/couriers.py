"""Courier webhooks: check who is calling (token, IP, signature), then one adapter per source."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from zwrotnica.errors import InvalidSignature, UnknownSource
from zwrotnica.models.tracking import TrackingEvent
from zwrotnica.providers import aftership, inpost, standard_webhooks, tracking_generic
from zwrotnica.providers.payload import reading
from zwrotnica.secrets import Secrets

SOURCES = ("inpost", "aftership", "generic")
# Each source's adapter module; its `parse` is looked up at call time (the event log's replay and its tests
# use the same seam).
ADAPTERS = {"inpost": inpost, "aftership": aftership, "generic": tracking_generic}


@dataclass(frozen=True)
class CourierRequest:
    source: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    token: str | None  # InPost: the secret path segment of the registered URL
    source_ip: str | None  # API Gateway's requestContext.http.sourceIp, never X-Forwarded-For


def check_caller(request: CourierRequest, secrets: Secrets, inpost_source_check: bool) -> None:
    """InPost's URL check (GET) and every InPost push: the token, and the source range if configured."""
    if request.source not in SOURCES:
        raise UnknownSource()
    if request.source != "inpost":
        return
    if not inpost.token_valid(secrets.inpost_webhook_token, request.token):
        raise InvalidSignature("invalid or missing token")
    if inpost_source_check and not inpost.source_allowed(request.source_ip):
        raise InvalidSignature("source address not allowed")


def verify_and_parse(
    request: CourierRequest, secrets: Secrets, now: float, inpost_source_check: bool
) -> TrackingEvent | None:
    """The canonical event, or None for a delivery we acknowledge without storing."""
    check_caller(request, secrets, inpost_source_check)
    headers, body = request.headers, request.body
    signed = {
        "inpost": lambda: True,  # the URL's token, checked above
        "aftership": lambda: aftership.verify(secrets.aftership_webhook_secret, headers, body),
        "generic": lambda: standard_webhooks.verify(secrets.standard_webhooks_secrets, headers, body, now),
    }
    if not signed[request.source]():
        raise InvalidSignature()
    with reading(f"{request.source} tracking event"):
        return ADAPTERS[request.source].parse(request.body)
