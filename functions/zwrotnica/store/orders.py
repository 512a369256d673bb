"""Orders, their timelines and everything else in an order's partition; the platform's own ids.

ORDER#{n} / ORDER               the order (shop fields + our state)
ORDER#{n} / CONTACT             digests of its e-mail and phone: what a customer's proof is checked against
SHOPREF#{kind}#{id} / SHOPREF   the platform's internal id of an order (kind `order_id`: WooCommerce
                                post id, PrestaShop id_order, BaseLinker order_id, ...; `cart_id`:
                                PrestaShop id_cart) -> its number: how a payment plugin's reference
                                finds the order (domain.payment_refs), written in the order's commit
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from zwrotnica.domain.mailbox import mailbox_key
from zwrotnica.domain.orders import OrderChange, StoredVersion, UpsertAction
from zwrotnica.models.common import iso
from zwrotnica.models.order import PaymentMethod, ShopOrder, ShopStatus, is_order_number
from zwrotnica.models.outbox import OutboxMessage
from zwrotnica.models.payment import RefKind
from zwrotnica.store import items, outbox
from zwrotnica.store.table import client, from_item, order_pk, table_name, to_item

CUSTOMER_ORDERS = "CUSTOMER#"  # gsi1pk of an order: its customer's orders by mailbox (refs index)
CONTACT = "CONTACT"
# Shop-owned fields: an update from the shop replaces these and nothing else (payment, shipment
# and case state belong to other flows and survive every shop update).
SHOP_FIELDS = (
    "platform",
    "shop_status",
    "customer_name",
    "email",
    "phone",
    "delivery",
    "items",
    "total",
    "currency",
    "payment_method",
    "marketing_consent",
    "shipments",
    "shop_order_id",
    "cart_id",
    "created_at",
)


def get_version(number: str) -> StoredVersion | None:
    """One strongly consistent read of the order's version, status and platform ids (all the decision
    needs)."""
    item = (
        client()
        .get_item(
            TableName=table_name(),
            Key=to_item({"pk": order_pk(number), "sk": "ORDER"}),
            ProjectionExpression="version, shop_status, shop_order_id, cart_id, contact_mark",
            ConsistentRead=True,
        )
        .get("Item")
    )
    if not item:
        return None
    data = from_item(item)
    return StoredVersion(
        version=data["version"],
        status=ShopStatus(data["shop_status"]),
        shop_ids=(data.get("shop_order_id"), data.get("cart_id")),
        contact_mark=data.get("contact_mark"),
    )


def get_order(number: str) -> ShopOrder | None:
    """The stored order as the shop's last version of it (one consistent GetItem); None when we do
    not have it."""
    if not is_order_number(number):
        return None
    item = (
        client()
        .get_item(
            TableName=table_name(), Key=to_item({"pk": order_pk(number), "sk": "ORDER"}), ConsistentRead=True
        )
        .get("Item")
    )
    if not item:
        return None
    data = from_item(item)
    fields = {name: data[name] for name in SHOP_FIELDS if data.get(name) is not None}
    return ShopOrder.model_validate(
        fields | {"number": data["number"], "status": data["shop_status"], "modified_at": data["version"]}
    )


def upsert(change: OrderChange, now: datetime, contact_mark: str | None = None) -> dict[str, Any]:
    """The order's shop fields, conditional on the version read: a concurrent or replayed writer fails
    (Guard.CONFLICT: read the version again) instead of overwriting a newer version. `contact_mark`: the
    fingerprint of the CONTACT digests written with it (`contact_mark`)."""
    order = change.order
    dumped = order.model_dump(mode="json")
    sets: dict[str, Any] = {name: dumped[name] for name in SHOP_FIELDS if dumped.get(name) is not None}
    sets |= {
        "shop_status": dumped["status"],
        "version": order.version(),
        "updated_at": iso(now),
        "number": order.number,
        "type": "order",
        # None: a phone or e-mail the shop removed (or never had: a phone order) is removed here too
        "phone": dumped.get("phone"),
        "email": dumped.get("email"),
        # The customer's orders by mailbox (no address in the key): an e-mail without an order number
        # finds the sender's recent order (flows.conversations). None with the e-mail removed.
        "gsi1pk": CUSTOMER_ORDERS + mailbox_key(order.email) if order.email else None,
        "gsi1sk": "ORDER#" + iso(order.created_at) if order.email else None,
        "contact_mark": contact_mark,
    }
    pay = "cod" if order.payment_method is PaymentMethod.COD else "pending"
    create = change.action is UpsertAction.CREATE
    return items.update(
        items.key(order_pk(order.number), "ORDER"),
        sets,
        raw_set=(
            "#received_at = if_not_exists(#received_at, :now)",
            "#payment_status = if_not_exists(#payment_status, :pay)",
        ),
        condition="attribute_not_exists(pk)" if create else "#version < :version",
        names={"#received_at": "received_at", "#payment_status": "payment_status"},
        values={":now": iso(now), ":pay": pay},
    )


def contact(number: str, email_digest: str | None, phone_digest: str | None) -> dict[str, Any]:
    """ORDER#{n} / CONTACT: digests of the order's e-mail and phone (domain.lookups.contact_digest, never
    the clear values), rewritten with every order write (None removes one the shop removed). A customer's
    proof is compared with this small item before anything else of the order is read."""
    return items.update(
        items.key(order_pk(number), CONTACT),
        {"type": "contact", "email_digest": email_digest, "phone_digest": phone_digest},
    )


def contact_mark(email_digest: str | None, phone_digest: str | None) -> str:
    """A fingerprint of the CONTACT item's digests, kept on the order: the next version of the order
    rewrites CONTACT only when it differs (a new e-mail or phone, a rotated key, an order stored before
    CONTACT existed or erased since), so an update that changes neither costs no extra write. Made from
    the digests (HMACs), it says nothing about the address itself."""
    text = f"{email_digest or ''}|{phone_digest or ''}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def proof_matches(number: str, kind: str, digest: str) -> bool:
    """Whether the order's CONTACT item holds this digest of its e-mail or phone. One consistent Query on
    the item's key, the digest compared by DynamoDB: a missing order and a wrong proof cost the same read
    and get the same answer, byte for byte (`{"Count": 0, "Items": [], ...}`); no digest leaves the table."""
    answer = client().query(
        TableName=table_name(),
        KeyConditionExpression="pk = :pk AND sk = :sk",
        FilterExpression="#d = :digest",
        ProjectionExpression="sk",
        ExpressionAttributeNames={"#d": f"{kind}_digest"},
        ExpressionAttributeValues=to_item({":pk": order_pk(number), ":sk": CONTACT, ":digest": digest}),
        ConsistentRead=True,
    )
    return answer.get("Count", 0) > 0


def shop_refs(order: ShopOrder) -> list[tuple[RefKind, str]]:
    """The platform's ids a payment plugin may name this order by. An internal id equal to the order's
    number (WooCommerce without a numbering plugin) needs no item: the payment finds the order by it
    (flows.payments), which saves two write units per order."""
    refs = [(RefKind.ORDER_ID, order.shop_order_id), (RefKind.CART_ID, order.cart_id)]
    return [
        (kind, value)
        for kind, value in refs
        if value and not (kind is RefKind.ORDER_ID and value == order.number)
    ]


def _ref_key(kind: RefKind, value: str) -> dict[str, Any]:
    return items.key(f"SHOPREF#{kind.value}#{value}", "SHOPREF")


def ref_items(order: ShopOrder) -> list[dict[str, Any]]:
    """The order's platform ids -> its number, unless an id already names another order (guard them
    OPTIONAL: such a clash never costs the shop its order; the first order keeps the id)."""
    return [
        items.put(
            {
                "pk": f"SHOPREF#{kind.value}#{value}",
                "sk": "SHOPREF",
                "type": "shop_ref",
                "number": order.number,
                "platform": order.platform,
            },
            condition="attribute_not_exists(pk) OR #number = :number",
            names={"#number": "number"},
            values={":number": order.number},
        )
        for kind, value in shop_refs(order)
    ]


def number_for_ref(kind: RefKind, value: str) -> str | None:
    """The order number the platform's id names, if an order with it has come: one GetItem."""
    item = (
        client()
        .get_item(
            TableName=table_name(),
            Key=_ref_key(kind, value),
            ProjectionExpression="#n",
            ExpressionAttributeNames={"#n": "number"},
            ConsistentRead=True,
        )
        .get("Item")
    )
    return str(from_item(item)["number"]) if item else None


@dataclass
class OrderView:
    """Everything in an order's partition, read with one query."""

    order: dict[str, Any]
    timeline: list[dict[str, Any]] = field(default_factory=list)
    messages: list[OutboxMessage] = field(default_factory=list)
    shipments: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)


def load_view(number: str) -> OrderView | None:
    """None for an order we do not have, and for text that cannot be an order number (a typed one)."""
    if not is_order_number(number):
        return None
    items: list[dict[str, Any]] = []
    params: dict[str, Any] = {
        "TableName": table_name(),
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": to_item({":pk": order_pk(number)}),
    }
    while True:
        page = client().query(**params)
        items += [from_item(i) for i in page.get("Items", [])]
        if "LastEvaluatedKey" not in page:
            break
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    order = next((i for i in items if i["sk"] == "ORDER"), None)
    if order is None:
        return None
    view = OrderView(order=order)
    for item in items:
        kind = item.get("type")
        if kind == "timeline":
            view.timeline.append(item)
        elif kind == "message":
            view.messages.append(outbox.loaded(item))
        elif kind == "shipment":
            view.shipments.append(item)
        elif kind == "case":
            view.cases.append(item)
    return view
