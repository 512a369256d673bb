"""Signed, expiring links to an order's status page (every customer message carries one), to the return
form, to a case's return label and to the one-click marketing unsubscribe; the same HMAC signs the reply
addresses of inbound e-mail (domain.reply_address). Each kind signs its own purpose prefix ("returns:",
"label:", "unsubscribe:", "form:", "team-login:"...), so a token made for one never opens another."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from urllib.parse import quote

from zwrotnica import strict
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
    """Signed with `key` over `order_number` and not expired; any other text (non-ASCII, a 5,000-digit
    expiry) is simply not valid (zwrotnica.strict)."""
    expires_text, _, signature = token.partition(".")
    expires = strict.unix_time(expires_text)
    if expires is None or not signature:
        return False
    return strict.equal(_mac(key, order_number, expires), signature) and now.timestamp() < expires


def status_url(base_url: str, key: str, order_number: str, now: datetime, valid_for: timedelta) -> str:
    """The number travels as its order_numbers token (`ZAM/2026/1` → `ZAM~2F2026~2F1`): never a second
    path segment, never a percent escape a proxy may decode. The MAC is over "status:<number>"."""
    token = make_token(key, f"status:{order_number}", now, valid_for)
    return f"{base_url.rstrip('/')}/orders/{order_numbers.encode(order_number)}/status?t={token}"


def status_token_valid(key: str, order_number: str, token: str, now: datetime) -> bool:
    """A status link's token for this order. Links sent before status tokens had their purpose prefix
    (issue 12) signed the bare number and stay valid for their 90 days, but only for a number without
    ":": every other kind of link signs "<purpose>:…", so no token made for one of them (a label, the
    team's sign-in) can pass for the bare number of an order a shop happened to name "label:…"."""
    if token_valid(key, f"status:{order_number}", token, now):
        return True
    return ":" not in order_number and token_valid(key, order_number, token, now)


def return_form_url(
    base_url: str, key: str, order_number: str, now: datetime, valid_for: timedelta, kind: str | None = None
) -> str:
    """The return form for one order, pre-filled (`order`, and `kind`: withdrawal or complaint) and signed
    (`t`, over "returns:<order number>", so a status-page token never opens it, nor the reverse)."""
    token = make_token(key, f"returns:{order_number}", now, valid_for)
    query = f"order={quote(order_number, safe='')}" + (f"&kind={quote(kind, safe='')}" if kind else "")
    return f"{base_url.rstrip('/')}/returns?{query}&t={token}"


def return_token_valid(key: str, order_number: str, token: str, now: datetime) -> bool:
    """A return-form link's token for this order: it opens the form for that order without the e-mail
    (the customer followed it from their status page), never the status page itself."""
    return token_valid(key, f"returns:{order_number}", token, now)


# The label e-mail says "link ważny 7 dni" (messages.case_templates); the PDF itself stays 60 days in S3.
LABEL_LINK_VALID = timedelta(days=7)


def label_url(
    base_url: str, key: str, rma: str, now: datetime, valid_for: timedelta = LABEL_LINK_VALID
) -> str:
    """The case's return label or slip (PDF), through our own route: valid as long as the token says, not
    as long as some AWS credentials (an S3 pre-signed URL made in Lambda dies with the function's)."""
    return f"{base_url.rstrip('/')}/labels/{rma}?t={make_token(key, f'label:{rma}', now, valid_for)}"


def label_token_valid(key: str, rma: str, token: str, now: datetime) -> bool:
    return token_valid(key, f"label:{rma}", token, now)


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
