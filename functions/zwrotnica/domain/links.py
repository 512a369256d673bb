"""Signed, expiring links to an order's status page: every customer message carries one."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from zwrotnica.domain import order_numbers


def _mac(key: str, order_number: str, expires: int) -> str:
    digest = hmac.new(key.encode(), f"{order_number}|{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode().rstrip("=")


def make_token(key: str, order_number: str, now: datetime, valid_for: timedelta) -> str:
    expires = int((now + valid_for).timestamp())
    return f"{expires}.{_mac(key, order_number, expires)}"


def token_valid(key: str, order_number: str, token: str, now: datetime) -> bool:
    expires_text, _, mac = token.partition(".")
    if not expires_text.isdigit() or not mac:
        return False
    expires = int(expires_text)
    return hmac.compare_digest(_mac(key, order_number, expires), mac) and now.timestamp() < expires


def status_url(base_url: str, key: str, order_number: str, now: datetime, valid_for: timedelta) -> str:
    """The number travels as its order_numbers token (`ZAM/2026/1` → `ZAM~2F2026~2F1`): never a second
    path segment, never a percent escape a proxy may decode. The MAC is over the number itself."""
    token = make_token(key, order_number, now, valid_for)
    return f"{base_url.rstrip('/')}/orders/{order_numbers.encode(order_number)}/status?t={token}"
