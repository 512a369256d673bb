"""Who may open the team dashboard, and the signed values that prove it. Pure: no I/O.

No user database: a team member is an address on the allow-list (configuration). They ask for a link at
that address; the link is signed, short-lived and single-use (its nonce is deleted when used, see
store.logins); using it gives a signed session cookie. Both signatures reuse the status links' HMAC
(`domain.links`) with their own purpose prefix, so no value signed for one use is valid for another.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime, timedelta

from zwrotnica.domain import links

COOKIE = "zw_team"
NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def allowed(email: str, allow_list: str) -> bool:
    """An exact address on the list, or an address in a domain listed as `@domain`; case-insensitive.
    An empty list allows nobody."""
    address = email.strip().lower()
    if address.count("@") != 1 or not address.split("@")[0]:
        return False
    domain = "@" + address.split("@")[1]
    entries = {e.strip().lower() for e in allow_list.split(",") if e.strip()}
    return address in entries or domain in entries


def link_token(key: str, nonce: str, now: datetime, valid_for: timedelta) -> str:
    return links.make_token(key, f"team-login:{nonce}", now, valid_for)


def link_valid(key: str, nonce: str, token: str, now: datetime) -> bool:
    return bool(NONCE.match(nonce)) and links.token_valid(key, f"team-login:{nonce}", token, now)


def session_value(key: str, email: str, now: datetime, valid_for: timedelta) -> str:
    name = base64.urlsafe_b64encode(email.encode()).decode().rstrip("=")
    return f"{name}~{links.make_token(key, f'team-session:{email}', now, valid_for)}"


def session_email(key: str, value: str, now: datetime) -> str | None:
    """The signed-in address, or None for a missing, forged or expired cookie."""
    name, _, token = value.partition("~")
    try:
        email = base64.urlsafe_b64decode(name + "=" * (-len(name) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return email if token and links.token_valid(key, f"team-session:{email}", token, now) else None


def session_cookie(value: str, max_age: int) -> str:
    """HttpOnly (no script reads it), Secure (HTTPS only), SameSite=Strict (no cross-site request carries
    it), scoped to the dashboard's path."""
    return f"{COOKIE}={value}; Max-Age={max_age}; Path=/team; HttpOnly; Secure; SameSite=Strict"


def cleared_cookie() -> str:
    return f"{COOKIE}=; Max-Age=0; Path=/team; HttpOnly; Secure; SameSite=Strict"


def cookie_value(cookies: list[str] | None) -> str:
    for cookie in cookies or []:
        name, _, value = cookie.strip().partition("=")
        if name == COOKIE:
            return value
    return ""
