"""Signed, expiring links to an order's status page (every customer message carries one), to the return
form and to the one-click marketing unsubscribe; the same HMAC signs the reply addresses of inbound
e-mail (domain.reply_address)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from urllib.parse import quote

from zwrotnica.domain import order_numbers


def mac(key: str, message: str, size: int = 18) -> bytes:
    """HMAC-SHA256 of `message` under the link signing key, cut to `size` bytes."""
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()[:size]


def _mac(key: str, order_number: str, expires: int) -> str:
    return base64.urlsafe_b64encode(mac(key, f"{order_number}|{expires}")).decode().rstrip("=")


def make_token(key: str, order_number: str, now: datetime, valid_for: timedelta) -> str:
    expires = int((now + valid_for).timestamp())
    return f"{expires}.{_mac(key, order_number, expires)}"


def token_valid(key: str, order_number: str, token: str, now: datetime) -> bool:
    expires_text, _, signature = token.partition(".")
    if not expires_text.isdigit() or not signature:
        return False
    expires = int(expires_text)
    return hmac.compare_digest(_mac(key, order_number, expires), signature) and now.timestamp() < expires


def status_url(base_url: str, key: str, order_number: str, now: datetime, valid_for: timedelta) -> str:
    """The number travels as its order_numbers token (`ZAM/2026/1` → `ZAM~2F2026~2F1`): never a second
    path segment, never a percent escape a proxy may decode. The MAC is over the number itself."""
    token = make_token(key, order_number, now, valid_for)
    return f"{base_url.rstrip('/')}/orders/{order_numbers.encode(order_number)}/status?t={token}"


def return_form_url(
    base_url: str, key: str, order_number: str, now: datetime, valid_for: timedelta, kind: str | None = None
) -> str:
    """The return form for one order, pre-filled (`order`, and `kind`: withdrawal or complaint) and signed
    (`t`, over "returns:<order number>", so a status-page token never opens it, nor the reverse)."""
    token = make_token(key, f"returns:{order_number}", now, valid_for)
    query = f"order={quote(order_number, safe='')}" + (f"&kind={quote(kind, safe='')}" if kind else "")
    return f"{base_url.rstrip('/')}/returns?{query}&t={token}"


# Withdrawing a consent must stay as easy as giving it (RODO art. 7 ust. 3): the link in a marketing e-mail
# keeps working for years, not days. It can only unsubscribe, so a long life risks nothing.
UNSUBSCRIBE_VALID = timedelta(days=5 * 366)


def unsubscribe_scope(order_number: str) -> str:
    """What an unsubscribe token signs: never a status-page or return-form token, nor the reverse."""
    return f"unsubscribe:{order_number}"


def unsubscribe_url(base_url: str, key: str, order_number: str, now: datetime) -> str:
    """`…/orders/<token>/unsubscribe?t=…`: GET shows the confirmation page, POST (the page's button, or a
    mail client's RFC 8058 one-click `List-Unsubscribe=One-Click`) withdraws the consent."""
    token = make_token(key, unsubscribe_scope(order_number), now, UNSUBSCRIBE_VALID)
    return f"{base_url.rstrip('/')}/orders/{order_numbers.encode(order_number)}/unsubscribe?t={token}"
