"""Orders from the shop, and what a customer may see of one: the status as JSON, or as an HTML page whose
extras touch no DynamoDB (the pickup point from InPost's points API through the container's cache: a
missing point or a failing API leaves the details off, never the page; the signed return-form link; the
shop's branding)."""

from __future__ import annotations

from datetime import datetime, timedelta

from zwrotnica.access import check_proof
from zwrotnica.context import Context, public_base_url
from zwrotnica.domain import links, lookups
from zwrotnica.domain.order_status import OrderStatusView, StatusPage, build_view, status_page
from zwrotnica.domain.orders import UpsertAction, apply_shop_order
from zwrotnica.domain.shipment_status import ShipmentStatus
from zwrotnica.effect import Effect, Guard
from zwrotnica.errors import MissingProof, OrderNotFound
from zwrotnica.models.command import Command, CommandKind
from zwrotnica.models.order import ParcelAdded, ShipmentRef, ShopOrder
from zwrotnica.models.pickup_point import PickupPoint
from zwrotnica.observability import metrics
from zwrotnica.providers import inpost_points
from zwrotnica.secrets import get_secrets
from zwrotnica.settings import get_brand, get_settings
from zwrotnica.store import orders as order_store
from zwrotnica.store import payments as payment_store
from zwrotnica.store import shipments as shipment_store
from zwrotnica.store import unmatched
from zwrotnica.web.status_page import Links, order_status_page


def ingest(order: ShopOrder, ctx: Context, fresh: bool = False) -> Effect:
    """One order version from the shop: create, update, or nothing for a retry or a stale copy.

    Reads: the stored version (one GetItem); for a new order the payment notifications held for its
    number and for each platform id it has (one Query each: a payment plugin names the order by its
    WooCommerce post id, PrestaShop id_order or id_cart); for an order naming parcels, which of them
    have courier events held (one BatchGetItem). What was held is applied after the commit (commands),
    never lost between the two. The platform ids are indexed in the same commit (SHOPREF items) when
    they are new to the stored order.
    """
    stored = order_store.get_version(order.number)
    change = apply_shop_order(
        stored, order, now=ctx.now, status_url=ctx.status_url(order.number) or "", shop_name=ctx.shop_name
    )
    data = {"order_number": order.number, "action": change.action.value, "metrics": list(change.metrics)}
    effect = Effect(change.action.value, data=data)
    if change.writes:
        key = ctx.secrets().link_signing_key
        digests = (
            lookups.contact_digest(key, lookups.EMAIL, order.email),
            lookups.contact_digest(key, lookups.PHONE, order.phone),
        )
        mark = order_store.contact_mark(*digests)
        effect.write(order_store.upsert(change, ctx.now, mark), Guard.CONFLICT)
        if stored is None or stored.contact_mark != mark:  # new, or its e-mail, phone or key changed
            effect.write(order_store.contact(order.number, *digests))
        for item in shipment_store.ensure_for_order(order):
            effect.write(item)
        if stored is None or not stored.indexes(order):  # new, or ids that changed (or predate the index)
            for item in order_store.ref_items(order):
                effect.write(item, Guard.OPTIONAL)
        effect.line(order.number, change.timeline).send(change.messages if ctx.send else [])
    _replay_held_tracking(effect, order.number, order.shipments, ctx)
    if change.action is UpsertAction.CREATE:
        parts = [payment_store.number_part(order.number)]
        parts += [payment_store.ref_part(kind, value) for kind, value in order_store.shop_refs(order)]
        for part in parts:
            for sk, _ in payment_store.held(part):
                payload = {"order_number": order.number, "held": part, "sk": sk}
                key = f"{order.number}:{sk}"
                effect.follow(
                    Command(kind=CommandKind.APPLY_HELD_PAYMENT, key=key, payload=payload, created_at=ctx.now)
                )
    return effect


def count_reach(effect: Effect) -> None:
    """After the commit: a new order confirmed by SMS only, or not at all (no e-mail, no Polish mobile),
    is counted (domain.orders: how many customers the shop cannot reach); a duplicate counts nothing."""
    if effect.outcome != "duplicate":
        for name in effect.data.get("metrics", ()):
            metrics.add_metric(name=name, unit="Count", value=1)


def _replay_held_tracking(effect: Effect, number: str, shipments: list[ShipmentRef], ctx: Context) -> None:
    """Courier events held for parcels the order now names: replayed after the commit (one BatchGetItem)."""
    refs = [(s.carrier, s.tracking_number) for s in shipments]
    for carrier, tracking in unmatched.held_numbers(refs) if refs else []:
        payload = {"order_number": number, "carrier": carrier, "tracking_number": tracking}
        effect.follow(
            Command(
                kind=CommandKind.REPLAY_TRACKING,
                key=f"{carrier}:{tracking}",
                payload=payload,
                created_at=ctx.now,
            )
        )


def add_parcel(parcel: ParcelAdded, ctx: Context, fresh: bool = False) -> Effect:
    """A waybill the shop added to one of its orders (a Shoper parcel event): the parcel joins the order
    as if an order update had named it (its shipment item with the order's contact data; courier events
    held for it replayed), carried by the order's carrier (its shipping method, else who runs its pickup
    point). Reads: the order and the parcel (two GetItems), held courier events (one BatchGetItem).

    An order we do not have (its order.create never reached us): nothing to attach it to, outcome
    "unmatched"; its next order event names no parcel (Shoper's order body carries none), so the
    courier's own webhook or the team finds it."""
    number = parcel.order_number
    order = order_store.get_order(number)
    if order is None:
        return Effect("unmatched", data={"order_number": number, "action": "unmatched"})
    carrier = order.delivery.carrier or order.delivery.point_carrier or "unknown"
    ref = ShipmentRef(carrier=carrier, tracking_number=parcel.tracking_number)
    if ref in order.shipments or shipment_store.get(number, carrier, ref.tracking_number):
        return Effect("duplicate", data={"order_number": number, "action": "duplicate"})
    effect = Effect(
        "parcel_added", data={"order_number": number, "action": "parcel_added", "carrier": carrier}
    )
    for item in shipment_store.ensure_for_order(order.model_copy(update={"shipments": [ref]})):
        effect.write(item)
    _replay_held_tracking(effect, number, [ref], ctx)
    return effect


def read_status(
    number: str,
    *,
    email: str | None,
    phone: str | None,
    token: str | None,
    now: datetime,
    client: str | None = None,
) -> OrderStatusView:
    """The same OrderNotFound for "no such order" and "wrong proof": order numbers can't be enumerated,
    neither by the answer nor by its time (zwrotnica.access: the proof is compared with the order's small
    CONTACT item first). DynamoDB: a signed link is one Query; an unsigned lookup two counting
    UpdateItems and the CONTACT Query, then (the proof matched) two forgiving UpdateItems and the Query."""
    if not (email or phone or token):
        raise MissingProof()
    check_proof("status", number, email, phone, token, client, now)
    view = order_store.load_view(number)
    if view is None:
        raise OrderNotFound()
    return build_view(view.order, view.timeline, view.shipments, view.cases)


# --- The customer's status page (HTML): the same read, then extras that touch no DynamoDB -----------
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


def status_html(
    number: str,
    *,
    email: str | None,
    phone: str | None,
    token: str | None,
    now: datetime,
    client: str | None = None,
) -> str:
    view = read_status(number, email=email, phone=phone, token=token, now=now, client=client)
    page = status_page(view, now)
    brand = get_brand()
    base = public_base_url()  # configuration only, never the request's Host
    actions = Links(
        returns=links.return_form_url(base, get_secrets().link_signing_key, number, now, RETURN_LINK_VALID),
        contact_email=brand.support_email,
        contact_phone=brand.support_phone,
    )
    return order_status_page(page, brand, actions, pickup_points(page))
