"""What we tell a customer about their parcel, in Polish. One `Notice` per trigger renders as an e-mail
(tracking link, signed status link) or an SMS (with the links where two segments still hold them).

SMS wording uses only GSM-7 letters where correct Polish allows ("zam.", "niebawem", "nie dostarczono"):
such a text gets 160 characters in one segment and 306 in two, against 70 and 134 in UCS-2, which is what
leaves room for a link. The shop's name never goes into an SMS (the sender id names the shop), so a name
with a Polish letter cannot turn a text into UCS-2. Carriers: `polish.carrier` (proper name, genitive).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from zwrotnica.domain.shipment_status import ShipmentStatus
from zwrotnica.messages.legal import cod_line, cod_sms, marketing_footer
from zwrotnica.messages.polish import carrier, until_moment, until_moment_short
from zwrotnica.messages.sms import MAX_SEGMENTS, check_sms, segments
from zwrotnica.messages.templates import Email, email_from_blocks

S = ShipmentStatus


@dataclass(frozen=True)
class ShippingContext:
    order_number: str
    carrier: str
    tracking_number: str
    shop_name: str
    tracking_url: str | None
    status_url: str | None
    paczkomat: bool = False  # an InPost locker delivery: "w Paczkomacie KRA010"
    point_id: str | None = None
    point_name: str | None = None
    point_address: str | None = None
    pickup_deadline: datetime | None = None
    cod_amount: int | None = None  # cash on delivery: what the customer pays the courier (grosze)

    @property
    def carrier_pl(self) -> str:
        """The carrier's proper name: "Poczta Polska", "InPost"."""
        return carrier(self.carrier).name

    @property
    def carrier_genitive(self) -> str:
        """After "kuriera": "InPostu", "Poczty Polskiej", "firmy GLS"."""
        return carrier(self.carrier).genitive

    @property
    def point_pl(self) -> str:
        """Locative, after "w": "Paczkomacie KRA010", "punkcie odbioru Żabka Długa 1"."""
        if self.paczkomat and self.point_id:
            return f"Paczkomacie {self.point_id}"
        name = self.point_name or self.point_id
        return f"punkcie odbioru {name}" if name else "punkcie odbioru"


@dataclass(frozen=True)
class Notice:
    subject: str
    lines: tuple[str, ...]  # e-mail paragraphs after the greeting
    sms: str  # without links: one segment where the content allows
    sms_short: str = ""  # a shorter SMS to send when `sms` leaves no room for a link (a long point name)


def _with_cod(note: Notice, ctx: ShippingContext, trigger: str) -> Notice:
    """A cash-on-delivery parcel on its way or waiting: how much to have ready."""
    if ctx.cod_amount is None or trigger not in COD_TRIGGERS:
        return note
    line, text = cod_line(ctx.cod_amount), cod_sms(ctx.cod_amount)
    short = f"{note.sms_short} {text}" if note.sms_short else ""
    return Notice(note.subject, (*note.lines, line), f"{note.sms} {text}", short)


COD_TRIGGERS = frozenset({"shipped", "out_for_delivery", "ready_for_pickup", "pickup_reminder"})


def notice(trigger: str, status: ShipmentStatus, ctx: ShippingContext) -> Notice:
    return _with_cod(_notice(trigger, status, ctx), ctx, trigger)


def _notice(trigger: str, status: ShipmentStatus, ctx: ShippingContext) -> Notice:
    n, name = ctx.order_number, ctx.carrier_pl
    if trigger == "shipped":
        if status is S.LABEL_CREATED:
            lead = f"Twoje zamówienie nr {n} jest spakowane i czeka na nadanie. Przewoźnik: {name}."
            sms = f"Paczka (zam. {n}) czeka na nadanie ({name})."
            return Notice(f"Zamówienie nr {n} jest spakowane", (lead,), sms)
        where = f" Trafi do Paczkomatu {ctx.point_id}." if ctx.paczkomat and ctx.point_id else ""
        lead = f"paczka z zamówienia nr {n} jest już w drodze – wiezie ją {name}.{where}"
        return Notice(f"Zamówienie nr {n} jest w drodze", (lead,), f"Paczka (zam. {n}) jest w drodze.")
    if trigger == "out_for_delivery":
        to = f"trafi do Paczkomatu {ctx.point_id}" if ctx.paczkomat and ctx.point_id else "do Ciebie dotrze"
        lead = f"paczka z zamówienia nr {n} jest już u kuriera {ctx.carrier_genitive} i niebawem {to}."
        sms = f"Paczka (zam. {n}) jest u kuriera i niebawem {to}."
        return Notice(f"Paczka z zamówienia nr {n} jest już blisko", (lead,), sms)
    if trigger in ("ready_for_pickup", "pickup_reminder"):
        return _pickup(trigger == "pickup_reminder", ctx)
    if trigger == "delivered":
        lead = f"paczka z zamówienia nr {n} dotarła do Ciebie. Dziękujemy za zakupy!"
        more = "Jeśli coś jest nie tak, odpowiedz na tę wiadomość – pomożemy."
        sms = f"Paczka (zam. {n}) jest u Ciebie. Do zobaczenia!"
        return Notice(f"Zamówienie nr {n} dotarło – dziękujemy!", (lead, more), sms)
    if trigger == "silent":
        lead = (
            f"od dłuższego czasu przewoźnik ({name}) nie podaje nowych informacji o paczce z zamówienia "
            f"nr {n}."
        )
        more = (
            "Przekazaliśmy sprawę naszemu zespołowi logistyki: sprawdzi u przewoźnika, co się dzieje "
            "z paczką, a my napiszemy do Ciebie. Nie musisz nic robić."
        )
        sms = f"Od dawna brak nowych informacji o paczce (zam. {n}). Sprawdzimy to i napiszemy."
        return Notice(f"Sprawdzamy, co z paczką z zamówienia nr {n}", (lead, more), sms)
    return _problem(status, ctx)


def _pickup(reminder: bool, ctx: ShippingContext) -> Notice:
    n, where = ctx.order_number, ctx.point_pl
    lines = [
        f"przypominamy, że paczka z zamówienia nr {n} wciąż czeka na Ciebie w {where}."
        if reminder
        else f"paczka z zamówienia nr {n} czeka na Ciebie w {where}."
    ]
    if ctx.point_address:
        lines.append(f"Adres: {ctx.point_address}.")
    deadline = ctx.pickup_deadline
    lines.append(
        f"Odbierz ją {until_moment(deadline)}, inaczej wróci do nas."
        if deadline
        else "Odbierz ją, zanim wróci do nas."
    )
    code = "SMS-em, e-mailem lub w aplikacji InPost Mobile" if ctx.carrier == "inpost" else "w wiadomości"
    lines.append(f"Kod odbioru przekazuje {ctx.carrier_pl} {code}.")
    short = f" {until_moment_short(deadline)}" if deadline else ""
    start = "Przypomnienie: paczka" if reminder else "Paczka"
    sms = f"{start} (zam. {n}) czeka w {where}{short}."
    sms_short = f"{start} (zam. {n}) czeka na Ciebie{short}."
    subject = f"{'Przypomnienie: p' if reminder else 'P'}aczka z zamówienia nr {n} czeka na odbiór"
    return Notice(subject, tuple(lines), sms, sms_short)


# (subject, lead, what next, SMS). The SMS texts are GSM-7 on purpose (see the module's docstring).
PROBLEMS = {
    S.DELIVERY_FAILED: (
        "Przepraszamy – kłopot z doręczeniem zamówienia nr {n}",
        "przepraszamy, paczki z zamówienia nr {n} nie udało się doręczyć.",
        "Co dalej: przewoźnik zwykle próbuje ponownie w następnym dniu roboczym albo zostawia paczkę do "
        "odbioru w punkcie i sam Cię o tym zawiadamia. Sprawę przekazaliśmy też naszemu zespołowi logistyki.",
        "Przepraszamy, paczki (zam. {n}) nie dostarczono. Sprawdzimy to i napiszemy.",
    ),
    S.DELAYED: (
        "Przepraszamy – paczka z zamówienia nr {n} jest opóźniona",
        "przepraszamy, przewoźnik ({carrier}) zgłosił opóźnienie paczki z zamówienia nr {n}.",
        "Co dalej: przewoźnik poda nowy termin doręczenia – zobaczysz go na stronie śledzenia przesyłki. "
        "Pilnujemy sprawy i napiszemy, jeśli opóźnienie się przedłuży.",
        "Przepraszamy, paczka (zam. {n}) nie dotrze w terminie. Pilnujemy sprawy i napiszemy.",
    ),
    S.EXCEPTION: (
        "Przepraszamy – problem z paczką z zamówienia nr {n}",
        "przepraszamy, przewoźnik ({carrier}) zgłosił problem z paczką z zamówienia nr {n}.",
        "Co dalej: sprawę przekazaliśmy naszemu zespołowi logistyki, który wyjaśni ją z przewoźnikiem. "
        "Jeśli paczka się nie odnajdzie albo dotrze uszkodzona, wyślemy zamówienie ponownie lub zwrócimy "
        "pieniądze.",
        "Przepraszamy, paczka (zam. {n}) ma problem w transporcie. Sprawdzimy to i napiszemy.",
    ),
    S.RETURNING_TO_SENDER: (
        "Paczka z zamówienia nr {n} wraca do nas",
        "przepraszamy, paczka z zamówienia nr {n} nie trafiła do Ciebie i przewoźnik ({carrier}) odsyła ją "
        "do nas.",
        "Co dalej: napiszemy do Ciebie w sprawie ponownej wysyłki albo zwrotu pieniędzy.",
        "Przepraszamy, paczka (zam. {n}) wraca do nas. Napiszemy, co dalej.",
    ),
    S.RETURNED: (
        "Paczka z zamówienia nr {n} wróciła do nas",
        "przepraszamy, paczka z zamówienia nr {n} nie trafiła do Ciebie i wróciła do nas.",
        "Co dalej: napiszemy do Ciebie w sprawie ponownej wysyłki albo zwrotu pieniędzy.",
        "Przepraszamy, paczka (zam. {n}) jest z powrotem u nas. Napiszemy, co dalej.",
    ),
}


def _problem(status: ShipmentStatus, ctx: ShippingContext) -> Notice:
    subject, lead, then, sms = (
        t.format(n=ctx.order_number, carrier=ctx.carrier_pl) for t in PROBLEMS[status]
    )
    return Notice(subject, (lead, then), sms)


def email(note: Notice, ctx: ShippingContext) -> Email:
    blocks: list[str | tuple[str, str]] = ["Dzień dobry,", *note.lines]
    blocks.append(f"Numer przesyłki: {ctx.tracking_number} ({ctx.carrier_pl}).")
    if ctx.tracking_url:
        blocks.append(("Śledź przesyłkę", ctx.tracking_url))
    if ctx.status_url:
        blocks.append(("Status zamówienia", ctx.status_url))
    blocks.append(f"Pozdrawiamy,\n{ctx.shop_name}")
    return email_from_blocks(note.subject, blocks)


def sms(note: Notice, ctx: ShippingContext) -> str:
    """One segment where the content allows, or a link: the text with both links, else the status link,
    else the tracking link, in at most two segments; a text that leaves no room for any link gives way to
    its shorter form (`Notice.sms_short`) with one. No link at all: the full text alone.
    A text that cannot fit (a very long order number) falls back to a short notice."""
    fallback = f"{ctx.carrier_pl}: nowe informacje o paczce (zam. {ctx.order_number})."
    texts = [t for t in (note.sms, note.sms_short, fallback) if t and segments(t) <= MAX_SEGMENTS]
    links = [" ".join(u for u in (ctx.status_url, ctx.tracking_url) if u), ctx.status_url, ctx.tracking_url]
    for text in texts:
        for link in [u for u in links if u]:
            candidate = f"{text} {link}"
            if segments(candidate) <= MAX_SEGMENTS:
                return candidate
    return check_sms(texts[0] if texts else fallback)  # no link at all: the point's name is worth a segment


# Every promotional message says why it came and how to stop it with one click (withdrawable consent,
# PKE art. 398, RODO art. 7 ust. 3): `legal.marketing_footer`, the link that records the withdrawal by
# itself. Without such a link no marketing message is written at all (messages.compose).


def review_request(ctx: ShippingContext, review_url: str, unsubscribe_url: str) -> Email:
    """Marketing (a review request): sent only with consent, three days after delivery."""
    return email_from_blocks(
        f"Jak oceniasz zamówienie nr {ctx.order_number}?",
        [
            "Dzień dobry,",
            f"od kilku dni masz już zamówienie nr {ctx.order_number}. Będzie nam miło, jeśli napiszesz, "
            "jak Ci się podoba – zajmie to minutę.",
            ("Oceń zakupy", review_url),
            *marketing_footer(unsubscribe_url),
            f"Pozdrawiamy,\n{ctx.shop_name}",
        ],
    )


def goodwill(ctx: ShippingContext, code: str, unsubscribe_url: str) -> Email:
    """Marketing (a discount code as an apology for a long delay): only with consent."""
    return email_from_blocks(
        "Przepraszamy za opóźnienie – mamy dla Ciebie kod rabatowy",
        [
            "Dzień dobry,",
            f"paczka z zamówienia nr {ctx.order_number} jedzie dłużej, niż obiecywaliśmy. W ramach "
            f"przeprosin przy następnych zakupach wpisz kod {code}.",
            *marketing_footer(unsubscribe_url),
            f"Pozdrawiamy,\n{ctx.shop_name}",
        ],
    )
