"""Message templates in Polish, rendered in our code (SES templates are not rendered by moto, and
keeping them here makes every word reviewable and testable). Every value is HTML-escaped; the HTML of
every e-mail comes from one layout (`email_layout`), in the shop's branding (`settings.get_brand`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zwrotnica.messages import email_layout
from zwrotnica.messages.legal import cod_line
from zwrotnica.messages.polish import count, money
from zwrotnica.messages.sms import MAX_SEGMENTS, check_sms, segments
from zwrotnica.models.brand import Brand
from zwrotnica.models.order import DeliveryMethod, PaymentMethod, ShopOrder
from zwrotnica.settings import get_brand

Block = str | tuple[str, str]


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str
    blocks: tuple[Block, ...] = ()  # what text and html render: the outbox stores these (store.outbox)


@dataclass(frozen=True)
class Paragraphs:
    """Text blocks; a block given as (label, url) becomes a link (the first one, the e-mail's button)."""

    blocks: tuple[str | tuple[str, str], ...]

    def text(self, brand: Brand | None = None) -> str:
        body = "\n\n".join(b if isinstance(b, str) else f"{b[0]}: {b[1]}" for b in self.blocks)
        return f"{body}\n\n{email_layout.text_footer(brand or get_brand())}"

    def html(self, title: str, brand: Brand | None = None) -> str:
        return email_layout.html(title, self.blocks, brand or get_brand())


def email_from_blocks(subject: str, blocks: Sequence[Block]) -> Email:
    """Text and HTML e-mail from the same blocks; every template builds its e-mail with this, and the HTML
    of every e-mail comes from `email_layout` in the shop's configured branding. The same call renders a
    stored e-mail again from its subject and blocks (store.outbox)."""
    kept = tuple(b if isinstance(b, str) else (b[0], b[1]) for b in blocks)
    paragraphs, brand = Paragraphs(kept), get_brand()
    return Email(
        subject=subject, text=paragraphs.text(brand), html=paragraphs.html(subject, brand), blocks=kept
    )


def _delivery_pl(order: ShopOrder) -> str:
    d = order.delivery
    if d.method is DeliveryMethod.PACZKOMAT and d.point_id:
        if d.point_carrier not in (None, "inpost"):  # a DPD Pickup, ORLEN Paczka or post-office point
            return f"Dostawa do punktu odbioru {d.point_id}."
        return f"Dostawa do Paczkomatu {d.point_id}."
    if d.method is DeliveryMethod.PICKUP:
        return "Odbiór osobisty w sklepie."
    if d.method is DeliveryMethod.NONE:
        return "Zamówienie nie wymaga wysyłki."
    return "Dostawa kurierem pod wskazany adres."


def _when_shipped_pl(order: ShopOrder) -> str:
    return "" if order.delivery.method is DeliveryMethod.NONE else "Gdy paczka wyruszy, napiszemy do Ciebie. "


def order_received(order: ShopOrder, status_url: str, shop_name: str) -> Email:
    pieces = sum(item.qty for item in order.items)
    blocks: list[str | tuple[str, str]] = [
        "Dzień dobry,",
        f"dziękujemy za zakupy! Przyjęliśmy Twoje zamówienie nr {order.number}: "
        f"{count(pieces, 'produkt', 'produkty', 'produktów')} za {money(order.total, order.currency)}.",
        _delivery_pl(order),
    ]
    if order.payment_method is PaymentMethod.COD:
        blocks.append(cod_line(order.total, order.currency))
    blocks += [
        _when_shipped_pl(order) + "Status zamówienia sprawdzisz w każdej chwili tutaj:",
        ("Status zamówienia", status_url),
        f"Pozdrawiamy,\n{shop_name}",
    ]
    return email_from_blocks(f"Otrzymaliśmy Twoje zamówienie nr {order.number}", blocks)


def order_received_sms(order: ShopOrder, status_url: str) -> str | None:
    """The order confirmation for a customer we can only text (no e-mail). No shop name (the sender id
    names the shop) and no word with a letter outside GSM-7, so the status link fits; the shortest form
    without it when the number itself takes the room; None when not even that fits (64 emoji)."""
    lead = f"Mamy Twoje zam. {order.number}."
    promise = "" if order.delivery.method is DeliveryMethod.NONE else " Napiszemy, gdy paczka wyruszy."
    for text in (f"{lead}{promise} Status: {status_url}", f"{lead} Status: {status_url}", lead):
        if segments(text) <= MAX_SEGMENTS:
            return text
    return None


def sms(text: str) -> str:
    """Every SMS passes through here: at most two segments, or the template is wrong."""
    return check_sms(text)
