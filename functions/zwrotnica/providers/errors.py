"""Errors of the provider API clients (payments, couriers), and the one HTTP call path they share.

A `ProviderError` message carries the provider, the HTTP status and the provider's error code only:
never a request or response body, which may hold a buyer's personal data. httpx is imported where a
call is made, so importing this module (every flow that catches ProviderError does) stays cheap.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # httpx is imported where a call is made, not on every cold start
    import httpx

# Besides 5xx: request timeout, too early, too many requests. Every other 4xx is a permanent refusal.
RETRYABLE_STATUSES = frozenset({408, 425, 429})


class ProviderError(Exception):
    """A provider API call failed; `retryable` says whether repeating the same call later may succeed."""

    def __init__(self, message: str, *, retryable: bool, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.code = code


class AuthFailed(ProviderError):
    """The provider refused our credentials: repeating the call cannot help until someone fixes them.

    Distinct from an outage (a retryable ProviderError) so that a poller alarms at once instead of
    backing off and waiting for the provider to come back.
    """

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message, retryable=False, status=status, code=code)


def is_retryable_status(status: int) -> bool:
    return status >= 500 or status in RETRYABLE_STATUSES


def http_error(
    provider: str, status: int, code: str | None = None, retryable: bool | None = None
) -> ProviderError:
    message = f"{provider}: HTTP {status}" + (f" {code}" if code else "")
    again = is_retryable_status(status) if retryable is None else retryable
    return ProviderError(message, retryable=again, status=status, code=code)


def send(client: httpx.Client, provider: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """`client.request`, with timeouts and network failures turned into retryable ProviderErrors."""
    import httpx

    try:
        return client.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise ProviderError(f"{provider}: timeout", retryable=True) from exc
    except httpx.RequestError as exc:
        raise ProviderError(f"{provider}: {type(exc).__name__}", retryable=True) from exc


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The response body as a JSON object; {} when it is empty, not JSON or not an object."""
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}
