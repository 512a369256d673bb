"""The customer's order status as an HTML page: the order read exactly as for the JSON answer (same proof,
same limits, the same one DynamoDB query), then the page's extras, none of which touches DynamoDB: the
pickup point from InPost's points API through the container's cache (a missing point or a failing API
leaves the details off, never the page), the signed return-form link, the shop's branding."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import quote

from zwrotnica.domain import links
from zwrotnica.domain.order_status import StatusPage, status_page
from zwrotnica.domain.shipment_status import ShipmentStatus
from zwrotnica.flows import orders
from zwrotnica.models.pickup_point import PickupPoint
from zwrotnica.providers import inpost_points
from zwrotnica.secrets import get_secrets
from zwrotnica.settings import get_brand, get_settings
from zwrotnica.web.status_page import Links, order_status_page

RETURN_LINK_VALID = timedelta(days=7)


def point_names(page: StatusPage) -> set[str]:
    """InPost points the page shows: parcels on their way to, or waiting in, a Paczkomat or PaczkoPunkt."""
    names = set()
    for parcel_page in page.parcels:
        parcel = parcel_page.parcel
        waiting = parcel.status is ShipmentStatus.READY_FOR_PICKUP or page.detail.paczkomat
        name = parcel.point_id or page.detail.point_id
        if parcel.carrier == "inpost" and waiting and parcel.status is not ShipmentStatus.DELIVERED and name:
            names.add(name.upper())
    return names


def pickup_points(page: StatusPage) -> dict[str, PickupPoint]:
    names = point_names(page)
    if not names:
        return {}
    cache = inpost_points.cache(get_settings().inpost_points_base_url, get_secrets().inpost_api_token)
    found = {name: cache.get(name) for name in sorted(names)}
    return {name: point for name, point in found.items() if point is not None}


def render(
    number: str,
    *,
    email: str | None,
    phone: str | None,
    token: str | None,
    now: datetime,
    base_url: str,
    client: str | None = None,
) -> str:
    view = orders.read_status(number, email=email, phone=phone, token=token, now=now, client=client)
    page = status_page(view, now)
    brand = get_brand()
    base = (get_settings().public_base_url or base_url).rstrip("/")
    signed = links.make_token(get_secrets().link_signing_key, number, now, RETURN_LINK_VALID)
    actions = Links(
        returns=f"{base}/returns?order={quote(number, safe='')}&t={signed}",
        contact_email=brand.support_email,
        contact_phone=brand.support_phone,
    )
    return order_status_page(page, brand, actions, pickup_points(page))
