"""What we tell a customer about their parcel, in Polish. One `Notice` per trigger renders as an e-mail
(tracking link, signed status link) or an SMS (the links go in only where two segments still hold them).

SMS wording avoids letters outside GSM-7 where correct Polish allows ("zam.", "niebawem"): such a text
gets 306 characters in two segments instead of 134 in UCS-2, which is what leaves room for the links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from zwrotnica.domain.shipment_status import ShipmentStatus
from zwrotnica.messages.policy import WARSAW
from zwrotnica.messages.polish import MONTHS_GENITIVE
from zwrotnica.messages.sms import MAX_SEGMENTS, check_sms, segments
from zwrotnica.messages.templates import Email, email_from_blocks

S = ShipmentStatus
CARRIER_PL = {
    "inpost": "InPost",
    "dpd": "DPD",
    "dhl": "DHL",
    "poczta_polska": "Poczta Polska",
    "orlen": "ORLEN Paczka",
}
WEEKDAYS_GENITIVE = ("poniedziałku", "wtorku", "środy", "czwartku", "piątku", "soboty", "niedzieli")


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

    @property
    def carrier_pl(self) -> str:
        return CARRIER_PL.get(self.carrier, self.carrier.replace("_", " ").upper())

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
    sms: str  # without links: always within two segments


def deadline_long(moment: datetime) -> str:
    local = moment.astimezone(WARSAW)
    weekday = WEEKDAYS_GENITIVE[local.weekday()]
    return f"{weekday}, {local.day} {MONTHS_GENITIVE[local.month - 1]}, godz. {local:%H:%M}"


def deadline_short(moment: datetime) -> str:
    return f"{moment.astimezone(WARSAW):%d.%m, godz. %H:%M}"


def notice(trigger: str, status: ShipmentStatus, ctx: ShippingContext) -> Notice:
    n, carrier = ctx.order_number, ctx.carrier_pl
    if trigger == "shipped":
        if status is S.LABEL_CREATED:
            lead = f"Twoje zamówienie nr {n} jest spakowane i czeka na kuriera {carrier}."
            sms = f"Paczka (zam. {n}) czeka na kuriera {carrier}."
            return Notice(f"Zamówienie nr {n} jest spakowane", (lead,), sms)
        where = f" Trafi do Paczkomatu {ctx.point_id}." if ctx.paczkomat and ctx.point_id else ""
        lead = f"paczka z zamówieniem nr {n} jest już w drodze – wiezie ją {carrier}.{where}"
        return Notice(f"Zamówienie nr {n} jest w drodze", (lead,), f"Paczka (zam. {n}) jest w drodze.")
    if trigger == "out_for_delivery":
        to = f"trafi do Paczkomatu {ctx.point_id}" if ctx.paczkomat and ctx.point_id else "do Ciebie dotrze"
        lead = f"paczka z zamówienia nr {n} jest u kuriera {carrier} i niebawem {to}."
        sms = f"Paczka (zam. {n}) jest u kuriera {carrier} i niebawem {to}."
        return Notice(f"Paczka z zamówienia nr {n} jest już blisko", (lead,), sms)
    if trigger in ("ready_for_pickup", "pickup_reminder"):
        return _pickup(trigger == "pickup_reminder", ctx)
    if trigger == "delivered":
        lead = (
            f"paczka z zamówienia nr {n} dotarła do Ciebie. Dziękujemy za zakupy w sklepie {ctx.shop_name}!"
        )
        more = "Jeśli coś jest nie tak, odpowiedz na tę wiadomość – pomożemy."
        sms = f"Paczka (zam. {n}) jest u Ciebie. Do zobaczenia w sklepie {ctx.shop_name}!"
        return Notice(f"Zamówienie nr {n} dotarło – dziękujemy!", (lead, more), sms)
    if trigger == "silent":
        lead = f"od dłuższego czasu {carrier} nie podaje nowych informacji o paczce z zamówienia nr {n}."
        more = "Zapytaliśmy przewoźnika, co się z nią dzieje, i damy Ci znać. Nie musisz nic robić."
        sms = f"Od dawna brak nowych informacji o paczce (zam. {n}). Sprawdzamy to u kuriera i napiszemy."
        return Notice(f"Sprawdzamy, co z paczką z zamówienia nr {n}", (lead, more), sms)
    return _problem(status, ctx)


def _pickup(reminder: bool, ctx: ShippingContext) -> Notice:
    n, where = ctx.order_number, ctx.point_pl
    until = f" do {deadline_long(ctx.pickup_deadline)}" if ctx.pickup_deadline else ""
    lines = [
        f"przypominamy, że paczka z zamówienia nr {n} wciąż czeka na Ciebie w {where}."
        if reminder
        else f"paczka z zamówienia nr {n} czeka na Ciebie w {where}."
    ]
    if ctx.point_address:
        lines.append(f"Adres: {ctx.point_address}.")
    lines.append(f"Odbierz ją{until}, inaczej wróci do nas." if until else "Odbierz ją, zanim wróci do nas.")
    code = "SMS-em, e-mailem lub w aplikacji InPost Mobile" if ctx.carrier == "inpost" else "w wiadomości"
    lines.append(f"Kod odbioru przekazuje {ctx.carrier_pl} {code}.")
    short = f" do {deadline_short(ctx.pickup_deadline)}" if ctx.pickup_deadline else ""
    sms = f"{'Przypomnienie: p' if reminder else 'P'}aczka (zam. {n}) czeka w {where}{short}."
    if segments(sms) > MAX_SEGMENTS:  # a long point name: the SMS names the order only
        sms = f"{'Przypomnienie: p' if reminder else 'P'}aczka (zam. {n}) czeka na odbiór{short}."
    subject = f"{'Przypomnienie: p' if reminder else 'P'}aczka z zamówienia nr {n} czeka na odbiór"
    return Notice(subject, tuple(lines), sms)


PROBLEMS = {
    S.DELIVERY_FAILED: (
        "Przepraszamy – kłopot z doręczeniem zamówienia nr {n}",
        "przepraszamy, paczki z zamówienia nr {n} nie udało się doręczyć.",
        "Co dalej: przewoźnik zwykle próbuje ponownie w następnym dniu roboczym albo zostawia paczkę do "
        "odbioru w punkcie i sam Cię o tym zawiadamia. Nasz zespół logistyki już sprawdza przesyłkę.",
        "Przepraszamy, nie udało się doręczyć paczki (zam. {n}). Sprawdzamy, co się stało, i damy znać.",
    ),
    S.DELAYED: (
        "Przepraszamy – paczka z zamówienia nr {n} jest opóźniona",
        "przepraszamy, {carrier} zgłosił opóźnienie paczki z zamówienia nr {n}.",
        "Co dalej: przewoźnik poda nowy termin doręczenia – zobaczysz go na stronie śledzenia. "
        "Pilnujemy sprawy i odezwiemy się, jeśli opóźnienie się przedłuży.",
        "Przepraszamy, paczka (zam. {n}) jest opóźniona. Pilnujemy sprawy i damy znać.",
    ),
    S.EXCEPTION: (
        "Przepraszamy – problem z paczką z zamówienia nr {n}",
        "przepraszamy, {carrier} zgłosił problem z paczką z zamówienia nr {n}.",
        "Co dalej: nasz zespół logistyki wyjaśnia sprawę z przewoźnikiem. Jeśli paczka się nie odnajdzie "
        "albo dotrze uszkodzona, wyślemy zamówienie ponownie lub zwrócimy pieniądze.",
        "Przepraszamy, przewoźnik zgłosił problem z paczką (zam. {n}). Wyjaśniamy to i damy znać.",
    ),
    S.RETURNING_TO_SENDER: (
        "Paczka z zamówienia nr {n} wraca do nas",
        "przepraszamy, paczka z zamówienia nr {n} nie trafiła do Ciebie i {carrier} odsyła ją do nas.",
        "Co dalej: skontaktujemy się z Tobą w sprawie ponownej wysyłki albo zwrotu pieniędzy.",
        "Paczka (zam. {n}) wraca do nas. Odezwiemy się w sprawie ponownej wysyłki lub zwrotu pieniędzy.",
    ),
    S.RETURNED: (
        "Paczka z zamówienia nr {n} wróciła do nas",
        "przepraszamy, paczka z zamówienia nr {n} nie trafiła do Ciebie i wróciła do nas.",
        "Co dalej: skontaktujemy się z Tobą w sprawie ponownej wysyłki albo zwrotu pieniędzy.",
        "Paczka (zam. {n}) wróciła do nas. Odezwiemy się w sprawie ponownej wysyłki lub zwrotu pieniędzy.",
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
    """The text with both links, else the status link, else the tracking link, else none: what fits.
    A text that cannot fit (a very long order number) falls back to a short notice."""
    text = note.sms
    if segments(text) > MAX_SEGMENTS:
        text = f"{ctx.carrier_pl}: nowe informacje o paczce z zamówienia {ctx.order_number}."
    links = [" ".join(u for u in (ctx.status_url, ctx.tracking_url) if u), ctx.status_url, ctx.tracking_url]
    for link in [u for u in links if u]:
        candidate = f"{text} {link}"
        if segments(candidate) <= MAX_SEGMENTS:
            return candidate
    return check_sms(text)


# Every promotional message says why it came and how to stop it (withdrawable consent, PKE art. 398).
CONSENT_FOOTER = (
    "Wysyłamy tę wiadomość na podstawie Twojej zgody na informacje handlowe. "
    "Możesz ją wycofać w każdej chwili, odpowiadając na tę wiadomość."
)


def review_request(ctx: ShippingContext, review_url: str) -> Email:
    """Marketing (a review request): sent only with consent, three days after delivery."""
    return email_from_blocks(
        f"Jak oceniasz zakupy w sklepie {ctx.shop_name}?",
        [
            "Dzień dobry,",
            f"od kilku dni masz już zamówienie nr {ctx.order_number}. Będzie nam miło, jeśli napiszesz, "
            "jak Ci się podoba – zajmie to minutę.",
            ("Oceń zakupy", review_url),
            CONSENT_FOOTER,
            f"Pozdrawiamy,\n{ctx.shop_name}",
        ],
    )


def goodwill(ctx: ShippingContext, code: str) -> Email:
    """Marketing (a discount code as an apology for a long delay): only with consent."""
    return email_from_blocks(
        f"Przepraszamy za opóźnienie – kod rabatowy od {ctx.shop_name}",
        [
            "Dzień dobry,",
            f"paczka z zamówieniem nr {ctx.order_number} jedzie dłużej, niż obiecywaliśmy. W ramach "
            f"przeprosin przy następnych zakupach wpisz kod {code}.",
            CONSENT_FOOTER,
            f"Pozdrawiamy,\n{ctx.shop_name}",
        ],
    )
