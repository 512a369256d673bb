"""Who may see an order: the proof a customer gives (the order's e-mail or phone, or a signed link) and
the limits on guessing (per order, per client). Shared by the status page and the return form."""

from __future__ import annotations

import hmac
from datetime import datetime

from zwrotnica.domain import links, lookups
from zwrotnica.domain.phone import normalize_phone
from zwrotnica.errors import InvalidProof, MissingProof, TooManyAttempts, TooManyLookups
from zwrotnica.observability import metrics
from zwrotnica.settings import get_settings
from zwrotnica.store import attempts


def proof_matches(
    order: dict, email: str | None, phone: str | None, token: str | None, now: datetime
) -> bool:
    if token:
        from zwrotnica.secrets import get_secrets

        return links.token_valid(get_secrets().link_signing_key, order["number"], token, now)
    if email:
        return hmac.compare_digest(
            email.strip().lower().encode(), str(order.get("email", "")).lower().encode()
        )
    wanted = normalize_phone(phone)
    return bool(wanted and order.get("phone")) and hmac.compare_digest(wanted, order["phone"])


def guard_lookup(
    scope: str, number: str, email: str | None, phone: str | None, client: str | None, now: datetime
) -> None:
    """Before an unsigned lookup reads anything: a malformed proof is refused (uncounted), then one write
    counts the client (guessing many order numbers), one more the order (guessing e-mails for one).
    A blocked client is refused before its order counter is touched. Signed links never come here."""
    if not (email or phone):
        raise MissingProof()
    if errors := lookups.proof_errors(email, phone):
        raise InvalidProof(errors)
    settings = get_settings()
    limit = settings.lookups_per_client_per_hour
    if (
        limit
        and not lookups.exempt(client, settings.lookup_limit_exempt.split(","))
        and not attempts.allow("client", lookups.client_key(client), limit, now)
    ):
        metrics.add_metric(name="LookupClientThrottled", unit="Count", value=1)
        raise TooManyLookups()
    if not attempts.allow(scope, number, lookups.LOOKUPS_PER_ORDER_PER_HOUR, now):
        raise TooManyAttempts()
