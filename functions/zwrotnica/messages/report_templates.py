"""The weekly report for the team, in Polish: HTML with an inline SVG chart per section, plain text, and
the same figures as CSV (semicolons, decimal commas and a BOM: what a Polish spreadsheet opens as is).

Every format is rendered from one list of sections, so the e-mail and the attachment cannot disagree."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from html import escape

from zwrotnica.domain.report import CourierStats, GroupStats, WeeklyReport
from zwrotnica.domain.weeks import WARSAW
from zwrotnica.messages import email_layout
from zwrotnica.messages.charts import bar_chart, html_table, text_table
from zwrotnica.messages.polish import MONTHS_GENITIVE, carrier, date_range
from zwrotnica.models.case import WITHDRAWAL_REASON_PL
from zwrotnica.settings import get_brand

Cell = str | int | float | timedelta | None
LABELS = {
    "channel": {"email": "e-mail", "chat": "czat", "phone": "telefon", "social": "media społecznościowe"}
    | {"form": "formularz", "system": "system"},
    "category": {"delivery": "dostawa", "payment": "płatność", "return": "zwrot", "complaint": "reklamacja"}
    | {"product_question": "pytanie o produkt", "other": "inne"},
    "priority": {"urgent": "pilny", "high": "wysoki", "normal": "zwykły", "low": "niski"},
    "team": {
        "customer_service": "obsługa klienta",
        "logistics": "logistyka",
        "finance": "finanse",
        "it": "IT",
    },
    # Outbox templates (the message's `template`), as the team knows the messages.
    "template": {
        "order_received": "potwierdzenie zamówienia",
        "payment_received": "płatność otrzymana",
        "payment_failed": "płatność nieudana",
        "refund_sent": "zwrot pieniędzy wysłany",
        "shipment_shipped": "paczka nadana",
        "shipment_out_for_delivery": "paczka u kuriera",
        "shipment_ready_for_pickup": "paczka czeka na odbiór",
        "shipment_pickup_reminder": "przypomnienie o odbiorze",
        "shipment_delivered": "paczka doręczona",
        "shipment_silent": "brak wieści o paczce",
        "shipment_problem": "problem z paczką (przeprosiny)",
        "review_request": "prośba o opinię",
        "goodwill_code": "kod rabatowy za opóźnienie",
        "case_submitted": "zgłoszenie otrzymane",
        "case_label_sent": "zgłoszenie: instrukcja odesłania",
        "case_in_transit": "zgłoszenie: paczka zwrotna w drodze",
        "case_delivered_to_shop": "zgłoszenie: paczka zwrotna dotarła",
        "case_accepted": "zgłoszenie rozpatrzone pozytywnie",
        "case_rejected": "zgłoszenie rozpatrzone negatywnie",
        "case_refund_ordered": "zgłoszenie: zwrot pieniędzy zlecony",
        "case_closed": "zgłoszenie zamknięte",
        "case_goods_requested": "reklamacja: prośba o odesłanie towaru",
        "ticket_reply": "odpowiedź zespołu",
    },
}


def label(field: str, key: str) -> str:
    """A key in Polish; one we do not know yet reads as words, never as a raw snake_case key."""
    return LABELS[field].get(key) or key.replace("_", " ")


GROUP_HEADERS = ("Otwarte", "Rozwiązane", "1. odp. mediana", "1. odp. p90", "Rozwiązanie mediana")
GROUP_HEADERS += ("Rozwiązanie p90", "SLA dotrzymane %", "Naruszenia")
FOOTNOTE = (
    "Czasy to czas zegarowy od otwarcia zgłoszenia. Mediana: wartość środkowa; p90: 90% zgłoszeń obsłużono "
    "w tym czasie lub szybciej. SLA dotrzymane: odsetek zgłoszeń rozwiązanych w tym tygodniu bez naruszenia "
    "SLA. Naruszenia: zgłoszenia aktywne w tym tygodniu oznaczone jako przekroczone."
)


@dataclass(frozen=True)
class Section:
    title: str
    headers: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    chart: list[tuple[str, tuple[float, ...]]]
    series: tuple[str, ...]
    lead: str = ""


@dataclass(frozen=True)
class ReportEmail:
    subject: str
    text: str
    html: str
    csv: bytes
    filename: str


def duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    minutes = value.total_seconds() / 60
    return f"{round(minutes)} min" if minutes < 60 else f"{minutes / 60:.1f} h".replace(".", ",")


def cell(value: Cell) -> str:
    if value is None:
        return "—"
    if isinstance(value, timedelta):
        return duration(value)
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return str(value)


def csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, timedelta):
        return f"{value.total_seconds() / 3600:.2f}".replace(".", ",")  # hours
    return cell(value)


def _row(label: str, g: GroupStats) -> tuple[Cell, ...]:
    durations = (g.first_reply_median, g.first_reply_p90, g.resolution_median, g.resolution_p90)
    return (label, g.opened, g.solved, *durations, g.sla_met_pct, g.breaches)


def _groups(title: str, field: str, header: str, groups: list[GroupStats]) -> Section:
    rows = [_row(label(field, g.key), g) for g in groups]
    chart = [(str(r[0]), (float(g.opened), float(g.solved))) for r, g in zip(rows, groups, strict=True)]
    return Section(title, (header, *GROUP_HEADERS), rows, chart, ("otwarte", "rozwiązane"))


def sections(report: WeeklyReport) -> list[Section]:
    t, d, r = report.total, report.deflection, report.returns
    summary = Section(
        "Podsumowanie",
        ("", *GROUP_HEADERS),
        [_row("Razem", t)],
        [("otwarte", (t.opened,)), ("rozwiązane", (t.solved,)), ("naruszenia SLA", (t.breaches,))],
        ("liczba",),
    )
    out = [
        summary,
        _groups("Zgłoszenia według kanału", "channel", "Kanał", report.by_channel),
        _groups("Zgłoszenia według kategorii", "category", "Kategoria", report.by_category),
        _groups("Zgłoszenia według zespołu", "team", "Zespół", report.by_team),
        Section(
            "Naruszenia SLA",
            ("Zgłoszenie", "Podgląd"),
            [(tid, f"zwrotnica tickets show {tid}") for tid in report.breached],
            [(label("team", g.key), (float(g.breaches),)) for g in report.by_team if g.breaches],
            ("naruszenia",),
        ),
        Section(
            "Wiadomości wysłane z wyprzedzeniem",
            ("Szablon", "Wysłane"),
            [
                *((label("template", key), n) for key, n in d.by_template.items()),
                ("razem wysłane", d.proactive),
                ("zgłoszenia o dostawę", d.delivery_tickets),
                ("wiadomości na zgłoszenie o dostawę", d.per_ticket),
            ],
            [("wiadomości", (float(d.proactive),)), ("zgłoszenia o dostawę", (float(d.delivery_tickets),))],
            ("liczba",),
            "Ile wiadomości o statusie zamówienia i paczki wysłaliśmy, zanim klient musiał zapytać, "
            "w porównaniu z liczbą zgłoszeń dotyczących dostawy.",
        ),
        Section(
            "Przewoźnicy",
            ("Przewoźnik", "Paczki", "Opóźnienia", "Wyjątki", "Opóźnienia na 100", "Wyjątki na 100"),
            [
                (carrier(c.carrier).name, c.parcels, c.delays, c.exceptions, *_per_100(c))
                for c in report.couriers
            ],
            [(carrier(c.carrier).name, _per_100(c)) for c in report.couriers],
            ("opóźnienia na 100", "wyjątki na 100"),
        ),
        Section(
            "Zwroty i reklamacje",
            ("", "Liczba"),
            [("odstąpienia od umowy", r.withdrawals), ("reklamacje", r.complaints)]
            + [(f"powód: {_reason(k)}", n) for k, n in r.top_reasons],
            [(_reason(k), (float(n),)) for k, n in r.top_reasons],
            ("zgłoszenia",),
        ),
        Section(
            "Reklamacje blisko ustawowego terminu (3 dni)",
            ("Zgłoszenie", "Zamówienie", "Termin", "Pozostało"),
            [
                (
                    n.ticket_id,
                    n.order_number,
                    _when(n.deadline),
                    "po terminie" if n.left < timedelta(0) else n.left,
                )
                for n in report.near_deadline
            ],
            [(n.ticket_id, (max(0.0, n.left.total_seconds() / 3600),)) for n in report.near_deadline],
            ("godziny do terminu",),
        ),
    ]
    return out


def _per_100(c: CourierStats) -> tuple[float, float]:
    return (c.delays_per_100, c.exceptions_per_100)


def _reason(key: str) -> str:
    return next((pl for reason, pl in WITHDRAWAL_REASON_PL.items() if reason.value == key), key)


def _when(moment) -> str:
    local = moment.astimezone(WARSAW)
    return f"{local.day} {MONTHS_GENITIVE[local.month - 1]}, godz. {local:%H:%M}"


def render(report: WeeklyReport, shop_name: str) -> ReportEmail:
    first, last = (
        report.start.astimezone(WARSAW).date(),
        (report.end.astimezone(WARSAW) - timedelta(days=1)).date(),
    )
    subject = f"{shop_name}: raport tygodniowy {report.week} ({first:%d.%m}–{last:%d.%m.%Y})"
    period = f"Tydzień {report.week}: {date_range(first, last)}"
    parts = sections(report)
    text = [subject, "", period, ""]
    html = [f'<h1 style="font-size:20px">{escape(subject)}</h1><p>{escape(period)}</p>']
    for s in parts:
        rows = [[cell(v) for v in row] for row in s.rows]
        text += [s.title, "=" * len(s.title), *([s.lead] if s.lead else [])]
        text += [text_table(s.headers, rows) if rows else "Brak danych w tym tygodniu.", ""]
        html.append(f'<h2 style="font-size:16px;margin-top:24px">{escape(s.title)}</h2>')
        html.append(f"<p>{escape(s.lead)}</p>" if s.lead else "")
        table = html_table(s.headers, rows) if rows else "<p>Brak danych w tym tygodniu.</p>"
        html.append(f'<div style="overflow-x:auto">{table}</div>')
        html.append(
            f'<div style="margin-top:8px;overflow-x:auto">{bar_chart(s.chart, s.series, s.title)}</div>'
        )
    text.append(FOOTNOTE)
    html.append(f'<p style="color:#4a4f57;font-size:12px">{escape(FOOTNOTE)}</p>')
    page = email_layout.frame(subject, "".join(html), get_brand())  # the shop's frame, as every e-mail
    return ReportEmail(subject, "\n".join(text), page, to_csv(parts), f"raport-{report.week}.csv")


def to_csv(parts: list[Section]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["sekcja", "wiersz", "miara", "wartość"])
    for s in parts:
        for row in s.rows:
            for header, value in zip(s.headers[1:], row[1:], strict=True):
                writer.writerow([s.title, cell(row[0]), header, csv_cell(value)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
