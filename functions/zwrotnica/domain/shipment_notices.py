"""The customer messages of one shipment state change, through `compose` like every other message.

One state change makes one notice, by each channel the policy names; a notice meant for SMS goes by
e-mail when the order has no Polish mobile number (none, a landline, a foreign number). The dedup key
holds the event time, so the same change can never be written twice, while a second failed attempt days
later is a new change with its own apology.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from zwrotnica.domain.phone import sms_number
from zwrotnica.domain.shipment_status import ShipmentStatus, tracking_url
from zwrotnica.domain.shipments import ShipmentState, Trigger, channels
from zwrotnica.messages import compose, shipping_templates
from zwrotnica.messages.shipping_templates import ShippingContext
from zwrotnica.models.common import iso
from zwrotnica.models.outbox import MessageKind, OutboxMessage


def link_for(carrier: str, number: str) -> str | None:
    try:
        return tracking_url(carrier, number)
    except ValueError:
        return None


def messages(
    trigger: Trigger,
    status: ShipmentStatus | None,
    state: ShipmentState,
    *,
    occurred_at: datetime,
    now: datetime,
    status_url: str | None,
    shop_name: str,
    point_name: str | None = None,
    point_address: str | None = None,
    pickup_deadline: datetime | None = None,
    overrides: Mapping[str, Sequence[str]] | None = None,
    review_url: str = "",
    goodwill_code: str = "",
    unsubscribe_url: str | None = None,
) -> list[OutboxMessage]:
    """`unsubscribe_url`: the order's one-click marketing unsubscribe; without it no marketing extra."""
    ctx = ShippingContext(
        order_number=state.order_number,
        carrier=state.carrier,
        tracking_number=state.tracking_number,
        shop_name=shop_name,
        tracking_url=link_for(state.carrier, state.tracking_number),
        status_url=status_url,
        paczkomat=state.paczkomat and state.carrier == "inpost",
        point_id=state.point_id,
        point_name=point_name,
        point_address=point_address,
        pickup_deadline=pickup_deadline,
        cod_amount=None if state.is_return else state.cod_amount,
    )
    note = shipping_templates.notice(trigger.value, status or ShipmentStatus.UNKNOWN, ctx)
    key = f"ship:{state.carrier}:{state.tracking_number}:{trigger.value}:{iso(occurred_at)}"
    common = {"dedup_key": key, "order_number": state.order_number, "template": f"shipment_{trigger.value}"}
    wanted = channels(trigger, overrides)
    out: list[OutboxMessage | None] = []
    if "sms" in wanted:
        text = shipping_templates.sms(note, ctx)
        out.append(compose.sms(phone=state.phone, text=text, now=now, **common))
    if "email" in wanted or (wanted == ("sms",) and not sms_number(state.phone)):
        content = shipping_templates.email(note, ctx)
        out.append(compose.email(recipient=state.email, content=content, now=now, **common))
    if unsubscribe_url:
        out += _marketing(
            trigger, status, state, ctx, key, occurred_at, now, review_url, goodwill_code, unsubscribe_url
        )
    return [m for m in out if m is not None]


REVIEW_AFTER = timedelta(days=3)


def _marketing(
    trigger: Trigger,
    status: ShipmentStatus | None,
    state: ShipmentState,
    ctx: ShippingContext,
    key: str,
    occurred_at: datetime,
    now: datetime,
    review_url: str,
    goodwill_code: str,
    unsubscribe_url: str,
) -> list[OutboxMessage | None]:
    """Promotional extras (polish-law.md §5: a review request counts as marketing, so does a discount
    code): only with the order's marketing consent not withdrawn since (compose refuses them
    otherwise), each with the one-click unsubscribe link in its footer and its headers."""
    common = {
        "order_number": state.order_number,
        "recipient": state.email,
        "now": now,
        "kind": MessageKind.MARKETING,
        "marketing_consent": state.may_market,
        "unsubscribe_url": unsubscribe_url,
    }
    if trigger is Trigger.DELIVERED and review_url and not state.is_return:
        content = shipping_templates.review_request(ctx, review_url, unsubscribe_url)
        return [
            compose.email(
                dedup_key=f"{key}:review",
                template="review_request",
                content=content,
                not_before=occurred_at + REVIEW_AFTER,
                **common,
            )
        ]
    if trigger is Trigger.PROBLEM and status is ShipmentStatus.DELAYED and goodwill_code:
        content = shipping_templates.goodwill(ctx, goodwill_code, unsubscribe_url)
        return [
            compose.email(dedup_key=f"{key}:goodwill", template="goodwill_code", content=content, **common)
        ]
    return []
