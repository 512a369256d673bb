"""Orders from the shop, and what a customer may see of one."""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from zwrotnica.domain import links, lookups
from zwrotnica.domain.order_status import OrderStatusView, build_view
from zwrotnica.domain.orders import OrderChange, apply_shop_order
from zwrotnica.domain.phone import normalize_phone
from zwrotnica.errors import (
    ConcurrentUpdate,
    InvalidProof,
    MissingProof,
    OrderNotFound,
    TooManyAttempts,
    TooManyLookups,
)
from zwrotnica.flows import outbox as outbox_flow
from zwrotnica.models.order import ShopOrder
from zwrotnica.observability import logger, metrics
from zwrotnica.secrets import get_secrets
from zwrotnica.settings import get_settings
from zwrotnica.store import attempts
from zwrotnica.store import orders as order_store


def status_link(base_url: str, order_number: str, now: datetime) -> str:
    settings = get_settings()
    return links.status_url(
        settings.public_base_url or base_url,
        get_secrets().link_signing_key,
        order_number,
        now,
        timedelta(days=settings.status_link_days),
    )


def ingest_shop_order(order: ShopOrder, now: datetime, base_url: str) -> OrderChange:
    """Store one order version (create, update, or nothing for a retry or a stale copy), then send.

    `base_url` is where links in messages point when no PUBLIC_BASE_URL is configured.
    Two DynamoDB round trips: one read of the stored version, one transaction. A lost race re-reads
    and decides again once; a second loss answers 503 so the platform retries.
    """
    for attempt in range(2):
        stored = order_store.get_version(order.number)
        change = apply_shop_order(
            stored,
            order,
            now=now,
            status_url=status_link(base_url, order.number, now),
            shop_name=get_settings().shop_name,
        )
        try:
            order_store.write_change(change, now)
            break
        except ConcurrentUpdate:
            if attempt:
                raise
    logger.info("shop order ingested", extra={"order_number": order.number, "action": change.action.value})
    metrics.add_metric(name=f"ShopOrder{change.action.value.title()}", unit="Count", value=1)
    outbox_flow.deliver(change.messages, now)
    if order.shipments:  # courier events that came before the order named the parcel: +1 BatchGetItem
        from zwrotnica.flows import shipments  # lazy: flows.shipments imports this module

        shipments.claim_unmatched(order, now, base_url)
    from zwrotnica.flows import payments  # lazy: flows.payments imports this module

    payments.claim_unmatched(change, now, base_url)  # new order: held payment notifications, +1 Query
    return change


def proof_matches(
    order: dict, email: str | None, phone: str | None, token: str | None, now: datetime
) -> bool:
    if token:
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


def read_status(
    number: str,
    *,
    email: str | None,
    phone: str | None,
    token: str | None,
    now: datetime,
    client: str | None = None,
) -> OrderStatusView:
    """The same OrderNotFound for "no such order" and "wrong proof": order numbers can't be enumerated.
    DynamoDB: a signed link is one Query; an unsigned lookup two counting UpdateItems and the Query."""
    if not (email or phone or token):
        raise MissingProof()
    if not token:
        guard_lookup("status", number, email, phone, client, now)
    view = order_store.load_view(number)
    if view is None or not proof_matches(view.order, email, phone, token, now):
        raise OrderNotFound()
    return build_view(view.order, view.timeline, view.shipments, view.cases)
