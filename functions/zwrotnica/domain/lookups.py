"""Rules for a customer's unsigned order lookup (status page, return form): who is counted, as whom,
and which proofs are well-formed at all. Pure: the counting itself is store/attempts."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from datetime import datetime

from zwrotnica.domain.phone import normalize_phone
from zwrotnica.models.order import EMAIL_PATTERN

# Per order number and hour: a customer needs a few; guessing e-mails for one order needs many.
LOOKUPS_PER_ORDER_PER_HOUR = 20
_EMAIL = re.compile(EMAIL_PATTERN)

EMAIL_INVALID_PL = "Podaj poprawny adres e-mail, np. anna.kowalska@example.com."
PHONE_INVALID_PL = "Podaj numer telefonu z zamówienia, np. 600 100 200 albo +48 600 100 200."


def client_key(source_ip: str | None) -> str:
    """Whom to count: an IPv4 address as is, IPv6 by its /64 (one customer line gets a whole /64, so
    counting single IPv6 addresses would let one client rotate through millions of them)."""
    try:
        address = ipaddress.ip_address((source_ip or "").strip())
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def exempt(source_ip: str | None, allowed: Iterable[str]) -> bool:
    """The shop's own servers (a chatbot, a headless front end) asking for many customers from one IP:
    `allowed` holds addresses or networks (`203.0.113.7`, `198.51.100.0/28`); bad entries are ignored."""
    try:
        address = ipaddress.ip_address((source_ip or "").strip())
    except ValueError:
        return False
    for entry in allowed:
        try:
            if address in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def proof_errors(email: str | None, phone: str | None) -> dict[str, str]:
    """Field → Polish message for a proof that cannot be an e-mail address or a phone number (a line
    break, a second address, letters in a phone). Says nothing about any order, so it may come first."""
    errors: dict[str, str] = {}
    if email and not _EMAIL.fullmatch(email.strip()):
        errors["email"] = EMAIL_INVALID_PL
    if phone and normalize_phone(phone) is None:
        errors["phone"] = PHONE_INVALID_PL
    return errors


def retry_after(now: datetime) -> int:
    """Seconds until the lookup counters' window (the clock hour, store.attempts) ends: the 429's
    Retry-After."""
    return 3600 - (now.minute * 60 + now.second)
