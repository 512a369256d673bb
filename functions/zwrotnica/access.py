"""Who may see an order: the proof a customer gives (the order's e-mail or phone, or a signed link) and
the limits on guessing (per order, per client). Shared by the status page and the return form.

An unsigned lookup, in this order (issue 12):
1. a malformed proof is refused, uncounted (it says nothing about any order), and so is text that is no
   order number at all;
2. the attempt is counted for the client and for the order number (atomic, before anything is read, so
   the limits hold however many guesses run at once); a client past its limit is refused here, and an
   order past its hard limit of failures too;
3. the proof is compared with the order's CONTACT item (its e-mail and phone as digests), never with the
   order itself: a missing order and an existing order with a wrong e-mail cost the same read and the
   same answer, so the time it takes tells nobody which numbers exist;
4. a proof that matched is forgiven on both counters (failures are counted, not lookups); a wrong one
   answers "not found", or "too many attempts" past the order's soft limit.
Only then does the caller read the order's partition. Signed links are checked by their signature alone
and never counted.
"""

from __future__ import annotations

from datetime import datetime

from zwrotnica.domain import links, lookups
from zwrotnica.errors import InvalidProof, MissingProof, OrderNotFound, TooManyAttempts, TooManyLookups
from zwrotnica.models.order import is_order_number
from zwrotnica.observability import metrics
from zwrotnica.settings import get_settings
from zwrotnica.store import attempts
from zwrotnica.store import orders as order_store


def _link_key() -> str:
    from zwrotnica.secrets import get_secrets  # cached per container

    return get_secrets().link_signing_key


def check_proof(
    scope: str,
    number: str,
    email: str | None,
    phone: str | None,
    token: str | None,
    client: str | None,
    now: datetime,
    *,
    count: bool = True,
) -> None:
    """Return when the proof opens order `number`; raise OrderNotFound (the same for a wrong number and a
    wrong proof), MissingProof, InvalidProof, TooManyLookups or TooManyAttempts. `scope` names the
    counter ("status", "lookup"); `count=False`: the same request checks again (counted once already)."""
    if token:
        # A token opens what it was made for: the status page ("status"), the return form ("lookup").
        valid = links.return_token_valid if scope == "lookup" else links.status_token_valid
        if not valid(_link_key(), number, token, now):
            raise OrderNotFound()
        return
    if not (email or phone):
        raise MissingProof()
    if errors := lookups.proof_errors(email, phone):
        raise InvalidProof(errors)
    if not is_order_number(number):
        raise OrderNotFound()  # no order has it (and a 5,000 character key is not one DynamoDB takes)
    counted = _count(scope, number, client, now) if count else []
    failures = counted[-1][2] if counted else 0
    if failures > lookups.HARD_FAILURES_PER_ORDER_PER_HOUR:
        raise TooManyAttempts()
    proof = lookups.proof_digest(_link_key(), email, phone)
    if proof is not None and order_store.proof_matches(number, *proof):
        for counter, key, _ in counted:
            attempts.forgive(counter, key, now)
        return
    if failures > lookups.FAILURES_PER_ORDER_PER_HOUR:
        raise TooManyAttempts()
    raise OrderNotFound()


def _count(scope: str, number: str, client: str | None, now: datetime) -> list[tuple[str, str, int]]:
    """Count the attempt for the client (unless exempt), then for the order: [(scope, key, count)]. A
    client past its limit is refused before its order counter is touched."""
    counted = []
    settings = get_settings()
    limit = settings.lookups_per_client_per_hour
    if limit and not lookups.exempt(client, settings.lookup_limit_exempt.split(",")):
        key = lookups.client_key(client)
        seen = attempts.attempt("client", key, limit, now)
        if seen > limit:
            metrics.add_metric(name="LookupClientThrottled", unit="Count", value=1)
            raise TooManyLookups()
        counted.append(("client", key, seen))
    hard = lookups.HARD_FAILURES_PER_ORDER_PER_HOUR
    counted.append((scope, number, attempts.attempt(scope, number, hard, now)))
    return counted
