"""Rules for a customer's unsigned order lookup (status page, return form): who is counted, as whom,
which proofs are well-formed at all, and the digests a proof is compared with. Pure: the counting itself
is store/attempts, the digests are stored by store/orders.

Failed proofs are counted, not lookups (issue 12): a customer who types the right e-mail or phone is let
through until the order's failures this hour pass the hard limit, however many strangers guessed wrong
before; past the soft limit a wrong proof answers "too many attempts" instead of "not found".
"""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Iterable
from datetime import datetime

from zwrotnica.domain import links
from zwrotnica.domain.phone import normalize_phone
from zwrotnica.models.order import EMAIL_PATTERN

# Failed proofs per order number and hour. A customer mistypes a few; guessing e-mails or phones for one
# order takes many: past the soft limit a wrong proof is told "too many attempts", past the hard limit
# the right one is refused too (the guesses an order can take in an hour, all clients together).
FAILURES_PER_ORDER_PER_HOUR = 20
HARD_FAILURES_PER_ORDER_PER_HOUR = 50
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


# --- contact digests: what a proof is compared with -----------------------------------------------------
EMAIL, PHONE = "email", "phone"


def _digest_key(link_key: str) -> str:
    """A key of its own, derived from the link signing key: a digest is never a valid link signature."""
    return base64.urlsafe_b64encode(links.mac(link_key, "contact-digests", 32)).decode()


def contact_digest(link_key: str, kind: str, value: str | None) -> str | None:
    """HMAC of an order's normalised e-mail (lower case) or phone (+48…), or None: stored instead of the
    clear value in the order's CONTACT item and compared with the proof a customer gives."""
    normal = (value or "").strip().lower() if kind == EMAIL else normalize_phone(value) or ""
    if not normal:
        return None
    digest = links.mac(_digest_key(link_key), f"{kind}:{normal}", 32)
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def proof_digest(link_key: str, email: str | None, phone: str | None) -> tuple[str, str] | None:
    """(kind, digest) of the proof a customer gave: the e-mail when given, else the phone."""
    kind, value = (EMAIL, email) if email else (PHONE, phone)
    digest = contact_digest(link_key, kind, value)
    return (kind, digest) if digest else None
