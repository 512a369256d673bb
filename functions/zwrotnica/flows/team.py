"""The team dashboard: sign-in by e-mailed link, and the live figures.

Sign-in without servers or a user database: an address on TEAM_ALLOWED_EMAILS asks for a link; the link
(signed, LOGIN_LINK_MINUTES, single use: store.logins) gives a signed session cookie for SESSION_HOURS.
Asking answers alike for any address (nobody learns who is on the list), and is counted per client and
per address like the customers' lookups. The link e-mail is composed like every message (compose, the
one e-mail layout) and sent through notify, but not kept in the outbox: it is no customer message, and an
expired link is worth no retry (the team member asks again).
"""

from __future__ import annotations

import hashlib
import secrets as pysecrets
from datetime import datetime, timedelta

from zwrotnica.context import public_base_url
from zwrotnica.domain import dashboard, lookups, team_access
from zwrotnica.domain.weeks import week_key, weeks_back
from zwrotnica.errors import TooManyLookups
from zwrotnica.messages import compose, team_templates
from zwrotnica.notify import sender
from zwrotnica.observability import logger, metrics
from zwrotnica.secrets import get_secrets
from zwrotnica.settings import get_brand, get_settings
from zwrotnica.store import attempts, logins
from zwrotnica.store import dashboard as dashboard_store

LINKS_PER_CLIENT_PER_HOUR = 20
LINKS_PER_ADDRESS_PER_HOUR = 5
TICKET_WEEKS = 2  # this week and the two before: the 7-day trend and what is still open
CASE_WEEKS = 6  # case confirmations of the last weeks: where open returns and complaints are


def _key() -> str:
    return get_secrets().link_signing_key


def request_link(email: str, now: datetime, client: str | None) -> None:
    """E-mail a sign-in link if `email` is on the team's list; the caller's answer is the same either way."""
    address = email.strip().lower()
    if not attempts.allow("team_client", lookups.client_key(client), LINKS_PER_CLIENT_PER_HOUR, now):
        raise TooManyLookups()
    hashed = hashlib.sha256(address.encode()).hexdigest()[:24]  # no address in clear in a key
    if not attempts.allow("team_address", hashed, LINKS_PER_ADDRESS_PER_HOUR, now):
        raise TooManyLookups()
    settings = get_settings()
    if not compose.email_address(address) or not team_access.allowed(address, settings.team_allowed_emails):
        logger.info("team link refused: address not on the list")
        metrics.add_metric(name="TeamLinkRefused", unit="Count", value=1)
        return
    valid = timedelta(minutes=settings.login_link_minutes)
    nonce = pysecrets.token_urlsafe(24)
    logins.create(nonce, address, now + valid, now)
    token = team_access.link_token(_key(), nonce, now, valid)
    url = f"{public_base_url()}/team/login?n={nonce}&t={token}"  # configuration only, never the Host
    content = team_templates.login_link(
        url=url, minutes=settings.login_link_minutes, shop_name=get_brand().name
    )
    message = compose.email(
        dedup_key=f"team-login:{nonce}",
        order_number="",
        recipient=address,
        template="team_login",
        content=content,
        now=now,
    )
    if message is not None:
        sender.send(message)
        metrics.add_metric(name="TeamLinkSent", unit="Count", value=1)


def link_looks_valid(nonce: str, token: str, now: datetime) -> bool:
    """Signed by us and not expired (no DynamoDB read: whether it was used shows when it is used)."""
    return team_access.link_valid(_key(), nonce, token, now)


def sign_in(nonce: str, token: str, now: datetime) -> str | None:
    """The session cookie's value for a valid, unused link; None for a forged, expired or used one."""
    key = _key()
    if not team_access.link_valid(key, nonce, token, now):  # forged or expired: no DynamoDB call
        return None
    email = logins.consume(nonce, now)
    if email is None or not team_access.allowed(email, get_settings().team_allowed_emails):
        return None
    logger.info("team member signed in")
    return team_access.session_value(key, email, now, timedelta(hours=get_settings().session_hours))


def member(cookies: list[str] | None, now: datetime) -> str | None:
    """The signed-in address (still on the list), or None."""
    value = team_access.cookie_value(cookies)
    email = team_access.session_email(_key(), value, now) if value else None
    return email if email and team_access.allowed(email, get_settings().team_allowed_emails) else None


def figures(now: datetime) -> dashboard.Dashboard:
    this_week = week_key(now)
    tickets = dashboard_store.tickets(weeks_back(this_week, TICKET_WEEKS))
    recent = dashboard_store.messages(weeks_back(this_week, CASE_WEEKS))
    cases = dashboard_store.cases(dashboard_store.case_orders(recent))
    return dashboard.build(now, tickets, recent, cases)
