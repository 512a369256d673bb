"""Answers to a customer's e-mail, in Polish: the live parcel status, the return form, the acknowledgement
with the promised answer time, and the answer that reveals nothing. Pure: data in, an Email out.

Every answer is a reply ("Re: <the customer's subject>"), so it threads in the customer's mailbox.
"""

from __future__ import annotations

from datetime import date, datetime

from zwrotnica.domain.shipment_status import ShipmentStatus
from zwrotnica.messages.policy import WARSAW
from zwrotnica.messages.polish import on_date, on_day, until_moment
from zwrotnica.messages.shipping_templates import ShippingContext
from zwrotnica.messages.templates import Email, email_from_blocks
from zwrotnica.models.common import one_line

S = ShipmentStatus
_REPLY_PREFIX = ("re:", "odp:", "aw:", "odp.:")
AUTOMATIC_NOTE = (
    "Tę odpowiedź przygotowaliśmy automatycznie na podstawie danych przewoźnika. Jeśli nie odpowiada na "
    "Twoje pytanie, po prostu odpisz – zajmie się tym nasz zespół."
)
SECURITY_NOTE = (
    "Ze względów bezpieczeństwa szczegóły zamówień wysyłamy wyłącznie na adres e-mail podany przy "
    "zamówieniu. Jeśli piszesz z innego adresu, odpisz z tamtego albo sprawdź status zamówienia przez "
    "link z naszej wiadomości o zamówieniu."
)


def reply_subject(original: str, fallback: str) -> str:
    """`Re: <subject>`, once; the fallback when the customer wrote no subject."""
    subject = one_line(original)[:150]
    if not subject:
        return fallback
    return subject if subject.lower().startswith(_REPLY_PREFIX) else f"Re: {subject}"


def promise(due: datetime, now: datetime) -> str:
    """`w poniedziałek, 7 grudnia, do godz. 12:00` (with the year when it is not this year's)."""
    local = due.astimezone(WARSAW)
    with_year = local.year != now.astimezone(WARSAW).year
    return f"{on_day(local.date(), with_year)}, do godz. {local:%H:%M}"


def _status_lines(status: ShipmentStatus, ctx: ShippingContext) -> list[str]:
    n, carrier = ctx.order_number, ctx.carrier_pl
    if status is S.LABEL_CREATED:
        return [f"paczka z zamówienia nr {n} jest spakowana i czeka na kuriera {carrier}."]
    if status is S.OUT_FOR_DELIVERY:
        to = f"dostarczy ją do Paczkomatu {ctx.point_id}" if ctx.paczkomat and ctx.point_id else "doręcza ją"
        return [f"paczka z zamówienia nr {n} jest już u kuriera {carrier}, który właśnie {to}."]
    if status is S.READY_FOR_PICKUP:
        lines = [f"paczka z zamówienia nr {n} czeka na Ciebie w {ctx.point_pl}."]
        if ctx.point_address:
            lines.append(f"Adres: {ctx.point_address}.")
        if ctx.pickup_deadline:
            lines.append(f"Odbierz ją {until_moment(ctx.pickup_deadline)}, inaczej wróci do nas.")
        code = "SMS-em, e-mailem lub w aplikacji InPost Mobile" if ctx.carrier == "inpost" else "w wiadomości"
        lines.append(f"Kod odbioru przekazuje {carrier} {code}.")
        return lines
    if status is S.DELAYED:
        return [
            f"paczka z zamówienia nr {n} jest w drodze, ale {carrier} zgłosił opóźnienie. Nowy termin "
            "doręczenia zobaczysz na stronie śledzenia przesyłki; pilnujemy sprawy."
        ]
    where = f" Trafi do Paczkomatu {ctx.point_id}." if ctx.paczkomat and ctx.point_id else ""
    return [f"paczka z zamówienia nr {n} jest w drodze – wiezie ją {carrier}.{where}"]


def parcel_answer(
    *,
    status: ShipmentStatus,
    ctx: ShippingContext,
    subject: str,
    last_update: datetime | None = None,
    expected_delivery: date | None = None,
) -> Email:
    """The automatic answer to "gdzie jest moja paczka?": what, where, when, and both links."""
    blocks: list[str | tuple[str, str]] = ["Dzień dobry,", *_status_lines(status, ctx)]
    if expected_delivery and status in (S.LABEL_CREATED, S.IN_TRANSIT, S.OUT_FOR_DELIVERY):
        blocks.append(f"Przewidywane doręczenie: {on_day(expected_delivery)} (szacunkowo).")
    if last_update:
        local = last_update.astimezone(WARSAW)
        blocks.append(f"Ostatnia informacja od przewoźnika: {local.day}.{local:%m}, godz. {local:%H:%M}.")
    blocks.append(f"Numer przesyłki: {ctx.tracking_number} ({ctx.carrier_pl}).")
    if ctx.tracking_url:
        blocks.append(("Śledź przesyłkę", ctx.tracking_url))
    if ctx.status_url:
        blocks.append(("Status zamówienia", ctx.status_url))
    blocks += [AUTOMATIC_NOTE, f"Pozdrawiamy,\n{ctx.shop_name}"]
    return email_from_blocks(reply_subject(subject, f"Status zamówienia nr {ctx.order_number}"), blocks)


def return_form_answer(
    *,
    complaint: bool,
    order_number: str,
    form_url: str,
    status_url: str,
    subject: str,
    shop_name: str,
    answer_due: datetime,
    now: datetime,
    legal_deadline: date | None = None,
) -> Email:
    """A return or a complaint: the form, signed and filled in for this order. A complaint is registered
    from this e-mail (its legal answer date is named); the form only adds what is missing."""
    if complaint:
        lead = [
            f"dziękujemy za wiadomość. Zarejestrowaliśmy ją jako reklamację do zamówienia nr {order_number}."
        ]
        if legal_deadline:
            lead.append(f"Odpowiemy na reklamację najpóźniej {on_date(legal_deadline)}")
        lead.append(
            "Możesz ją uzupełnić w formularzu – dane zamówienia są już wpisane. Wybierz produkty, opisz wadę "
            "i zaznacz, czego żądasz (naprawa, wymiana, obniżenie ceny lub odstąpienie od umowy):"
        )
        link = ("Uzupełnij reklamację", form_url)
    else:
        lead = [
            f"dziękujemy za wiadomość. Zwrot (odstąpienie od umowy) zgłosisz w formularzu – dane zamówienia "
            f"nr {order_number} są już wpisane. Po wysłaniu formularza dostaniesz potwierdzenie i instrukcję "
            "odesłania towaru:"
        ]
        link = ("Zgłoś zwrot", form_url)
    blocks: list[str | tuple[str, str]] = ["Dzień dobry,", *lead, link, ("Status zamówienia", status_url)]
    blocks += [
        "Jeśli chodzi o coś innego, odpisz na tę wiadomość – odpowiemy najpóźniej "
        f"{promise(answer_due, now)}.",
        f"Pozdrawiamy,\n{shop_name}",
    ]
    return email_from_blocks(reply_subject(subject, f"Zamówienie nr {order_number}"), blocks)


def acknowledgement(
    *,
    subject: str,
    shop_name: str,
    answer_due: datetime,
    now: datetime,
    ask_order_number: bool = False,
    complaint_deadline: date | None = None,
) -> Email:
    """We have the message and answer by a time we can keep (SLA policy, business calendar); asks for the
    order number when none was found."""
    blocks: list[str | tuple[str, str]] = [
        "Dzień dobry,",
        "dziękujemy za wiadomość – dotarła do nas i zajmie się nią nasz zespół.",
        f"Odpowiemy najpóźniej {promise(answer_due, now)}.",
    ]
    if complaint_deadline:
        blocks.append(
            f"Twoją wiadomość zarejestrowaliśmy jako reklamację; odpowiemy na nią najpóźniej "
            f"{on_date(complaint_deadline)}"
        )
    if ask_order_number:
        blocks.append(
            "Jeśli piszesz w sprawie zamówienia, odpisz proszę z jego numerem (znajdziesz go w potwierdzeniu "
            "zamówienia) – dzięki temu odpowiemy szybciej."
        )
    blocks.append(f"Pozdrawiamy,\n{shop_name}")
    return email_from_blocks(reply_subject(subject, "Otrzymaliśmy Twoją wiadomość"), blocks)


def reveal_nothing(*, subject: str, shop_name: str, answer_due: datetime, now: datetime) -> Email:
    """For a sender who named an order that is not theirs, and, word for word the same, for one who named
    an order that does not exist: the answer must not tell the two apart."""
    blocks: list[str | tuple[str, str]] = [
        "Dzień dobry,",
        "dziękujemy za wiadomość – dotarła do nas i zajmie się nią nasz zespół.",
        f"Odpowiemy najpóźniej {promise(answer_due, now)}.",
        SECURITY_NOTE,
        f"Pozdrawiamy,\n{shop_name}",
    ]
    return email_from_blocks(reply_subject(subject, "Otrzymaliśmy Twoją wiadomość"), blocks)
