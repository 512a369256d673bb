"""The customer's order status page: what to do now, a progress line per parcel, the pickup point, open
returns and complaints with their dates, links to act. Polish; every value is escaped.

The decisions (which step, which sentence) are `zwrotnica.domain.order_status.status_page`; this module
only words and draws them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from html import escape

from zwrotnica.domain.order_status import (
    CasePage,
    CaseStep,
    ParcelFacts,
    ParcelPage,
    Progress,
    StatusPage,
    Step,
    Todo,
)
from zwrotnica.domain.shipment_status import STATUS_LABEL_PL, ShipmentStatus
from zwrotnica.messages.case_templates import case_label
from zwrotnica.messages.polish import (
    MONTHS_GENITIVE,
    WARSAW,
    WEEKDAYS,
    date_long,
    date_pl,
    money,
    on_date,
    until_date,
    until_moment,
)
from zwrotnica.messages.polish import carrier as carrier_names
from zwrotnica.models.brand import Brand
from zwrotnica.models.case import CaseKind
from zwrotnica.models.pickup_point import PickupPoint
from zwrotnica.web.pages import layout, when

S = ShipmentStatus
DAY_SHORT = ("pon.", "wt.", "śr.", "czw.", "pt.", "sob.", "niedz.")
STEP_PL = {
    Step.ORDERED: "Zamówione",
    Step.PAID: "Opłacone",
    Step.SHIPPED: "Wysłane",
    Step.IN_TRANSIT: "W drodze",
    Step.RECEIVED: "Odebrane",
}
CASE_STEP_PL = {
    CaseStep.SUBMITTED: "Zgłoszone",
    CaseStep.SENT_BACK: "Odesłane",
    CaseStep.ARRIVED: "W sklepie",
    CaseStep.DECIDED: "Rozpatrzone",
    CaseStep.REFUNDED: "Pieniądze zwrócone",
}
STATE_PL = {"done": "etap zakończony", "current": "obecny etap", "todo": "jeszcze przed nami"}
KIND_PL = {CaseKind.WITHDRAWAL: "Zwrot (odstąpienie od umowy)", CaseKind.COMPLAINT: "Reklamacja"}


@dataclass(frozen=True)
class Links:
    """Where the page's buttons go: the return form (pre-filled with the order and a signed token) and
    the shop's contact address (with the order number in the subject, so the reply joins its ticket)."""

    returns: str
    contact_email: str
    contact_phone: str = ""


def _e(value: object) -> str:
    return escape(str(value))


def _a(value: object) -> str:
    return escape(str(value), quote=True)


def short_date(d: date) -> str:
    """`piątek, 4 grudnia`: an expected delivery day."""
    return f"{WEEKDAYS[d.weekday()]}, {d.day} {MONTHS_GENITIVE[d.month - 1]}"


def tracking_number(number: str) -> str:
    """Groups of four that wrap between groups, never inside one; copying still gives one number."""
    groups = [number[i : i + 4] for i in range(0, len(number), 4)]
    return '<span class="tn">' + "".join(f"<span>{_e(g)}</span>" for g in groups) + "</span>"


def carrier_pl(carrier: str) -> str:
    return carrier_names(carrier).name


def moment_long(moment: datetime) -> str:
    """`środa, 5 marca, godz. 13:11` (Warsaw): a pickup deadline standing alone."""
    local = moment.astimezone(WARSAW)
    return f"{WEEKDAYS[local.weekday()]}, {local.day} {MONTHS_GENITIVE[local.month - 1]}, godz. {local:%H:%M}"


def _locker(parcel: ParcelFacts, point: PickupPoint | None, paczkomat: bool) -> bool:
    if point is not None:
        return point.locker
    return paczkomat and parcel.carrier == "inpost"


def point_phrase(parcel: ParcelFacts, point: PickupPoint | None, paczkomat: bool) -> str:
    """Genitive, after "z" / "do": "Paczkomatu KRA010", "punktu odbioru Żabka"."""
    point_id = (point.name if point else None) or parcel.point_id
    if _locker(parcel, point, paczkomat) and point_id:
        return f"Paczkomatu {point_id}"
    name = parcel.point_name or point_id
    return f"punktu odbioru {name}" if name else "punktu odbioru"


def last_mile_pl(parcel: ParcelFacts | None, point: PickupPoint | None, paczkomat: bool) -> str:
    if parcel is not None and _locker(parcel, point, paczkomat):
        return "W Paczkomacie"
    if paczkomat or (parcel is not None and parcel.status is S.READY_FOR_PICKUP):
        return "W punkcie odbioru"
    return "U kuriera"


def progress_line(progress: Progress, labels: Mapping[str, str], title: str) -> str:
    items = []
    for i, step in enumerate(progress.steps):
        if i < progress.reached:
            state = "done"
        elif i == progress.reached:
            state = "problem" if progress.problem else "current"
        else:
            state = "todo"
        current = ' aria-current="step"' if i == progress.reached else ""
        said = "problem na tym etapie" if state == "problem" else STATE_PL[state]
        items.append(
            f'<li class="{"current problem" if state == "problem" else state}"{current}>'
            f'{_e(labels[step])}<span class="sr"> ({said})</span></li>'
        )
    return f'<ol class="steps" aria-label="{_a(title)}">{"".join(items)}</ol>'


def step_labels(last_mile: str, received: str) -> dict[str, str]:
    return {s.value: STEP_PL.get(s, "") for s in Step} | {
        Step.LAST_MILE.value: last_mile,
        Step.RECEIVED.value: received,
    }


def opening_hours(point: PickupPoint) -> str:
    if point.open_24_7:
        return "Całą dobę, 7 dni w tygodniu"
    if not point.hours:
        return point.hours_text or ""
    by_day: dict[int, list[str]] = {d: [] for d in range(7)}
    for span in point.hours:
        by_day[span.weekday].append(
            f"{span.start // 60}:{span.start % 60:02d}–{span.end // 60}:{span.end % 60:02d}"
        )
    rows: list[tuple[int, int, str]] = []  # (first day, last day, hours): days with equal hours grouped
    for day in range(7):
        text = ", ".join(by_day[day]) or "nieczynne"
        if rows and rows[-1][2] == text and rows[-1][1] == day - 1:
            rows[-1] = (rows[-1][0], day, text)
        else:
            rows.append((day, day, text))
    return "; ".join(
        (DAY_SHORT[a] if a == b else f"{DAY_SHORT[a]}–{DAY_SHORT[b]}") + f" {text}" for a, b, text in rows
    )


def point_block(parcel: ParcelFacts, point: PickupPoint | None, paczkomat: bool) -> str:
    name = point_phrase(parcel, point, paczkomat)
    title = "Paczkomat " + name.split(" ", 1)[1] if name.startswith("Paczkomatu ") else "Punkt odbioru"
    if title == "Punkt odbioru" and (parcel.point_name or parcel.point_id):
        title = f"Punkt odbioru {parcel.point_name or parcel.point_id}"
    address = (point.address if point else "") or parcel.point_address or ""
    rows = [f"<dt>Adres</dt><dd>{_e(address)}</dd>"] if address else []
    if point and point.description:
        rows.append(f"<dt>Gdzie dokładnie</dt><dd>{_e(point.description)}</dd>")
    hours = opening_hours(point) if point else ""
    if hours:
        rows.append(f"<dt>Godziny otwarcia</dt><dd>{_e(hours)}</dd>")
    return f"<h3>{_e(title)}</h3>" + (f"<dl>{''.join(rows)}</dl>" if rows else "")


def parcel_sentence(page: ParcelPage, view: StatusPage, point: PickupPoint | None) -> list[str]:
    """The one thing to do now (first), and at most one note that goes with it."""
    p, detail = page.parcel, view.detail
    carrier = carrier_pl(p.carrier)
    where = point_phrase(p, point, detail.paczkomat)
    cod = detail.cod and detail.payment_status not in ("paid", "refunded", "partially_refunded")
    due = money(view.view.total, view.view.currency)
    todo = page.todo
    if todo is Todo.COLLECT:
        until = f" {until_moment(p.pickup_deadline)}" if p.pickup_deadline else ""
        lines = [f"Odbierz paczkę z {where}{until}."]
        if p.carrier == "inpost":
            lines.append(
                "Kod odbioru InPost wysłał Ci SMS-em i e-mailem; znajdziesz go też w aplikacji InPost Mobile."
            )
        else:
            lines.append(f"Kod odbioru lub awizo przekazał Ci {carrier}.")
        if cod:
            lines.append(f"Przy odbiorze zapłacisz {due}.")
        return lines
    if todo is Todo.COLLECT_LATE:
        assert p.pickup_deadline is not None
        return [
            f"Termin odbioru minął ({moment_long(p.pickup_deadline)}): jeśli paczka wciąż czeka, "
            f"odbierz ją z {where} jak najszybciej, inaczej wróci do nas."
        ]
    if todo is Todo.BE_THERE:
        pay = f" i przygotuj {due} (płatność przy odbiorze)" if cod else ""
        return [
            f"Kurier {carrier_names(p.carrier).genitive} doręczy paczkę dziś – bądź pod adresem dostawy{pay}."
        ]
    if todo is Todo.ON_THE_WAY:
        if detail.paczkomat and p.status is S.OUT_FOR_DELIVERY:
            return [f"Kurier wiezie paczkę do {where} – napiszemy, gdy będzie gotowa do odbioru."]
        if p.expected_delivery:
            return [
                f"Paczka jest w drodze – {carrier} przewiduje dostawę: {short_date(p.expected_delivery)}."
            ]
        return ["Paczka jest w drodze – nic nie musisz robić, napiszemy, gdy będzie blisko."]
    if todo is Todo.RECEIVED:
        got = "odebrana" if _locker(p, point, detail.paczkomat) else "doręczona"
        lines = [f"Paczka {got} – dziękujemy za zakupy!"]
        if page.withdrawal_until:
            lines.append(
                "Jeśli chcesz zwrócić towar bez podania przyczyny, masz czas "
                f"{until_date(page.withdrawal_until)}"
            )
        return lines
    return [TODO_PL[todo].format(carrier=carrier, carrier_genitive=carrier_names(p.carrier).genitive)]


TODO_PL = {
    Todo.AWAITING_CARRIER: "Paczka jest spakowana i czeka na kuriera {carrier_genitive} – nic nie musisz "
    "robić.",
    Todo.DELAYED: "Przewoźnik ({carrier}) zgłosił opóźnienie – pilnujemy sprawy i napiszemy, gdy poda nowy "
    "termin.",
    Todo.FAILED: "Doręczenie się nie udało – przewoźnik zwykle próbuje ponownie w następny dzień roboczy "
    "albo zostawia paczkę w punkcie odbioru. Sprawdzamy, co się stało.",
    Todo.PROBLEM: "Przewoźnik ({carrier}) zgłosił problem z paczką – wyjaśniamy to i odezwiemy się "
    "do Ciebie.",
    Todo.GOING_BACK: "Paczka wraca do nas – odezwiemy się w sprawie ponownej wysyłki albo zwrotu pieniędzy.",
    Todo.CANCELLED_PARCEL: "Ta przesyłka została anulowana przed nadaniem – zamówienie wyślemy inną "
    "paczką albo skontaktujemy się z Tobą.",
    Todo.PAY: "Opłać zamówienie – zaczniemy je kompletować, gdy tylko otrzymamy płatność.",
    Todo.PREPARING: "Kompletujemy zamówienie – napiszemy, gdy paczka wyruszy.",
    Todo.ON_HOLD: "Zamówienie jest wstrzymane – skontaktujemy się z Tobą, jeśli będziemy czegoś potrzebować.",
    Todo.ORDER_DONE: "Zamówienie zostało zrealizowane – dziękujemy za zakupy!",
    Todo.RETURN_ON_THE_WAY: "Paczka zwrotna jest w drodze do nas – nic nie musisz robić.",
    Todo.REJECTED: "Zgłoszenie rozpatrzyliśmy negatywnie – uzasadnienie wysłaliśmy e-mailem.",
    Todo.CLOSED: "Sprawa jest zakończona.",
}


def order_sentence(view: StatusPage) -> str:
    d = view.detail
    amount = money(view.view.total, view.view.currency)
    if view.headline is Todo.ORDER_REFUNDED:
        return (
            f"Zwróciliśmy pieniądze za zamówienie ({amount}) – trafią na konto, z którego przyszła płatność."
        )
    if view.headline is Todo.ORDER_CANCELLED:
        if d.payment_status in ("paid", "partially_refunded"):
            return "Zamówienie zostało anulowane – pieniądze zwrócimy na konto, z którego przyszła płatność."
        return "Zamówienie zostało anulowane – nic nie musisz robić."
    return TODO_PL[view.headline].format(carrier="", carrier_genitive="")


def case_sentence(page: CasePage) -> str:
    c, todo = page.case, page.todo
    withdrawal = c.kind is CaseKind.WITHDRAWAL
    amount = money(c.refund_amount) if c.refund_amount is not None else ""
    if todo is Todo.SEND_BACK:
        until = f" {until_date(c.send_back_by)}" if withdrawal and c.send_back_by else ""
        what = "towar" if withdrawal else "reklamowany towar"
        return f"Odeślij {what}{until} – etykietę zwrotną wysłaliśmy e-mailem."
    if todo is Todo.CHECKING:
        if not withdrawal and c.answer_due:
            return f"Towar do nas dotarł – odpowiemy na reklamację najpóźniej {on_date(c.answer_due)}"
        return "Towar do nas dotarł – sprawdzamy go."
    if todo is Todo.ACCEPTED:
        if withdrawal and c.refund_due and amount:
            return f"Zwrot przyjęty – zlecimy zwrot {amount} najpóźniej {on_date(c.refund_due)}"
        return "Zgłoszenie uznane – szczegóły wysłaliśmy e-mailem."
    if todo is Todo.REFUND_ORDERED:
        money_text = f" {amount}" if amount else " pieniędzy"
        return f"Zleciliśmy zwrot{money_text} – trafi na konto, z którego przyszła płatność."
    return TODO_PL[todo]


def case_dates(page: CasePage) -> list[tuple[str, str]]:
    """The legal dates that matter to the customer while the case waits for them."""
    c, rows = page.case, []
    open_ = page.todo not in (Todo.CLOSED, Todo.REJECTED, Todo.REFUND_ORDERED)
    if c.kind is CaseKind.WITHDRAWAL and open_:
        if c.send_back_by and page.todo is Todo.SEND_BACK:
            rows.append(("Odeślij towar do", date_long(c.send_back_by)))
        if c.refund_due and c.refund_amount is not None:
            rows.append(("Zwrot pieniędzy", f"{money(c.refund_amount)}, najpóźniej {on_date(c.refund_due)}"))
    if (
        c.kind is CaseKind.COMPLAINT
        and c.answer_due
        and page.todo in (Todo.SEND_BACK, Todo.RETURN_ON_THE_WAY, Todo.CHECKING)
    ):
        rows.append(("Odpowiemy najpóźniej", date_long(c.answer_due)))
    return rows


def parcel_card(page: ParcelPage, index: int, total: int, view: StatusPage, point: PickupPoint | None) -> str:
    p, detail = page.parcel, view.detail
    carrier = carrier_pl(p.carrier)
    title = f"Paczka {index} z {total} · {carrier}" if total > 1 else f"Paczka · {carrier}"
    hid = f"parcel-{index}"
    labels = step_labels(
        last_mile_pl(p, point, detail.paczkomat),
        "Odebrane" if _locker(p, point, detail.paczkomat) else "Doręczone",
    )
    lines = parcel_sentence(page, view, point)
    rows = [f"<dt>Status</dt><dd>{_e(STATUS_LABEL_PL[p.status])}</dd>"]
    rows.append(f"<dt>Numer przesyłki</dt><dd>{tracking_number(p.tracking_number)}</dd>")
    if p.expected_delivery and p.status in (S.IN_TRANSIT, S.LABEL_CREATED, S.DELAYED, S.OUT_FOR_DELIVERY):
        rows.append(f"<dt>Przewidywana dostawa</dt><dd>{_e(date_long(p.expected_delivery))}</dd>")
    if p.pickup_deadline and p.status is S.READY_FOR_PICKUP:
        rows.append(f"<dt>Odbierz do</dt><dd>{_e(moment_long(p.pickup_deadline))}</dd>")
    if p.last_event_at:
        rows.append(f"<dt>Ostatnia zmiana</dt><dd>{_e(when(p.last_event_at.isoformat()))}</dd>")
    show_point = (detail.paczkomat or p.status is S.READY_FOR_PICKUP) and p.status is not S.DELIVERED
    track = (
        f'<a class="button plain" href="{_a(p.tracking_url)}">Śledź u przewoźnika'
        f'<span class="sr"> (przesyłka {_e(p.tracking_number)})</span></a>'
        if p.tracking_url
        else ""
    )
    return (
        f'<section class="card parcel" aria-labelledby="{hid}"><h2 id="{hid}">{_e(title)}</h2>'
        + progress_line(page.progress, labels, f"Postęp dostawy: {title}")
        + f'<p class="what"><strong>{_e(lines[0])}</strong></p>'
        + "".join(f"<p>{_e(line)}</p>" for line in lines[1:])
        + f"<dl>{''.join(rows)}</dl>"
        + (point_block(p, point, detail.paczkomat) if show_point else "")
        + track
        + "</section>"
    )


def case_card(page: CasePage) -> str:
    c = page.case
    labels = {s.value: CASE_STEP_PL[s] for s in CaseStep}
    if c.kind is CaseKind.WITHDRAWAL:
        labels[CaseStep.DECIDED.value] = "Przyjęte"
    title = f"{KIND_PL[c.kind]} {c.case_id}"
    hid = f"case-{c.case_id}"
    rows = [f"<dt>Status</dt><dd>{_e(case_label(c.kind, c.status))}</dd>"]
    if c.pieces:
        rows.append(f"<dt>Produkty</dt><dd>{c.pieces} szt.</dd>")
    rows += [f"<dt>{_e(label)}</dt><dd>{_e(value)}</dd>" for label, value in case_dates(page)]
    for parcel in page.parcels:
        link = (
            f' <a href="{_a(parcel.tracking_url)}">śledź<span class="sr"> paczkę zwrotną</span></a>'
            if parcel.tracking_url
            else ""
        )
        rows.append(
            f"<dt>Paczka zwrotna</dt><dd>{tracking_number(parcel.tracking_number)} "
            f"({_e(STATUS_LABEL_PL[parcel.status].lower())}){link}</dd>"
        )
    return (
        f'<section class="card case" aria-labelledby="{_a(hid)}"><h2 id="{_a(hid)}">{_e(title)}</h2>'
        + progress_line(page.progress, labels, f"Postęp zgłoszenia {c.case_id}")
        + f'<p class="what"><strong>{_e(case_sentence(page))}</strong></p>'
        + f"<dl>{''.join(rows)}</dl></section>"
    )


def headline_text(view: StatusPage, points: Mapping[str, PickupPoint]) -> str:
    waiting_for_goods = next((c for c in view.cases if c.todo is Todo.SEND_BACK), None)
    if waiting_for_goods is not None:  # a return to send back is what the customer must do now
        return case_sentence(waiting_for_goods)
    if view.order_progress is not None or not view.parcels:
        return order_sentence(view)
    page = next(p for p in view.parcels if p.todo is view.headline)
    return parcel_sentence(page, view, _point(page.parcel, view, points))[0]


def _point(parcel: ParcelFacts, view: StatusPage, points: Mapping[str, PickupPoint]) -> PickupPoint | None:
    return points.get((parcel.point_id or view.detail.point_id or "").upper())


def order_status_page(
    view: StatusPage, brand: Brand, links: Links, points: Mapping[str, PickupPoint] | None = None
) -> str:
    points = points or {}
    v, d = view.view, view.detail
    placed = f"złożone {date_pl(d.created_at)} · " if d.created_at else ""
    parts = [
        f"<h1>Zamówienie nr {_e(v.order_number)}</h1>",
        f'<p class="meta">{_e(placed.capitalize())}{_e(money(v.total, v.currency))} · '
        f"{_e(v.payment.label)} · {_e(v.status.label)}</p>",
        '<section class="card now" aria-labelledby="now"><h2 id="now">Co teraz?</h2>'
        f'<p class="what">{_e(headline_text(view, points))}</p></section>',
    ]
    if view.order_progress is not None:
        labels = step_labels(
            last_mile_pl(None, None, d.paczkomat), "Odebrane" if d.paczkomat else "Doręczone"
        )
        parts.append(
            '<section class="card" aria-labelledby="order-progress"><h2 id="order-progress">Zamówienie</h2>'
            + progress_line(view.order_progress, labels, "Postęp zamówienia")
            + "</section>"
        )
    total = len(view.parcels)
    parts += [
        parcel_card(page, i, total, view, _point(page.parcel, view, points))
        for i, page in enumerate(view.parcels, start=1)
    ]
    for parcel in view.going_back:
        parts.append(
            '<section class="card"><h2>Paczka wraca do sklepu</h2>'
            f"<p>{_e(TODO_PL[Todo.GOING_BACK])}</p><dl><dt>Numer przesyłki</dt>"
            f"<dd>{tracking_number(parcel.tracking_number)}</dd></dl></section>"
        )
    if view.cases:
        parts += [case_card(page) for page in view.cases]
    parts.append(actions(view, links))
    parts.append(
        '<section class="card" aria-labelledby="history"><h2 id="history">Historia</h2>'
        '<ol class="history" reversed>'
    )
    parts += [f'<li><time datetime="{_a(t.at)}">{when(t.at)}</time>: {_e(t.text)}</li>' for t in v.timeline]
    parts.append("</ol></section>")
    return layout(f"Zamówienie {v.order_number}", "".join(parts), brand)


def actions(view: StatusPage, links: Links) -> str:
    subject = f"Zamówienie nr {view.view.order_number}"
    mail = (
        f"mailto:{links.contact_email}?subject={subject.replace(' ', '%20')}" if links.contact_email else ""
    )
    buttons = []
    if view.returnable:
        buttons.append(f'<a class="button" href="{_a(links.returns)}">Zwróć lub zareklamuj towar</a>')
    if mail:
        buttons.append(f'<a class="button plain" href="{_a(mail)}">Napisz do nas</a>')
    phone = (
        f'<p>Telefon: <a href="tel:{_a("".join(c for c in links.contact_phone if c.isdigit() or c == "+"))}">'
        f"{_e(links.contact_phone)}</a></p>"
        if links.contact_phone
        else ""
    )
    return (
        '<section class="card" aria-labelledby="help"><h2 id="help">Potrzebujesz pomocy?</h2>'
        "<p>Podaj w wiadomości numer zamówienia – odpowiemy szybciej.</p>"
        + "".join(buttons)
        + phone
        + "</section>"
    )
