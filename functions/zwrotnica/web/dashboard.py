"""The team's pages: sign-in (ask for a link, confirm it), and the dashboard. Polish, server-rendered, no
JavaScript; the trend charts are inline SVG with a table of the same figures. Every value is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from zwrotnica.domain.dashboard import CaseRow, Dashboard, Day, Kpi, Light, QueueRow
from zwrotnica.messages.polish import MONTHS_GENITIVE, WEEKDAYS, count, date_long
from zwrotnica.models.brand import Brand
from zwrotnica.models.case import CASE_STATUS_PL
from zwrotnica.web.pages import WARSAW, layout

KPI_PL = {
    "breached_open": ("Naruszenia SLA (otwarte)", ""),
    "sla_met_pct": ("SLA dotrzymane dziś", "%"),
    "first_reply_hours": ("Pierwsza odpowiedź dziś (mediana)", " h"),
    "solved_per_opened": ("Rozwiązane na otwarte dziś", ""),
    "deadlines_near": ("Terminy ustawowe w ciągu 3 dni", ""),
    "proactive_per_delivery_ticket": ("Wiadomości proaktywne na zgłoszenie o dostawę", ""),
}
LIGHT_PL = {
    Light.GREEN: ("ok", "w normie"),
    Light.AMBER: ("warn", "uwaga"),
    Light.RED: ("bad", "poza celem"),
    Light.NONE: ("", "brak danych"),
}
STATUS_PL = {
    "new": "nowe",
    "open": "otwarte",
    "pending_customer": "czeka na klienta",
    "pending_third_party": "czeka na przewoźnika",
    "solved": "rozwiązane",
    "closed": "zamknięte",
}
CASE_PL = {"withdrawal": "zwrot", "complaint": "reklamacja"}
WHAT_PL = {"refund": "zwrot pieniędzy", "answer": "odpowiedź na reklamację"}
LABEL = 'font-size="11" text-anchor="middle" fill="currentColor"'
TEAM_CSS = (
    ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(13rem,1fr));gap:.75rem;margin:0 0 1rem}"
    ".kpi{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:.75rem 1rem;"
    "border-top:6px solid var(--todo)}.kpi.ok{border-top-color:var(--ok)}.kpi.warn{border-top-color:#c98a00}"
    ".kpi.bad{border-top-color:var(--bad)}.kpi h3{margin:0;font-size:.9rem;color:var(--muted)}"
    ".kpi .v{font-size:1.6rem;font-weight:700;margin:.1rem 0}.kpi p{margin:0;font-size:.85rem}"
    ".wide main{max-width:72rem}.wide .shop .in,.wide .foot .in{max-width:72rem}"
    ".charts{display:flex;flex-wrap:wrap;gap:1rem}.charts figure{margin:0}"
    "figcaption{font-size:.9rem;color:var(--muted)}.late{color:var(--bad);font-weight:700}"
    ".scroll{overflow-x:auto}"
)


def _e(value: object) -> str:
    return escape(str(value))


def _a(value: object) -> str:
    return escape(str(value), quote=True)


def _local(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(WARSAW)
    return f"{local.day} {MONTHS_GENITIVE[local.month - 1]}, {local:%H:%M}"


def team_page(title: str, body: str, brand: Brand, *, wide: bool = False, refresh: int = 0) -> str:
    page = layout(title, body, brand)
    head = f"<style>{TEAM_CSS}</style>" + (
        f'<meta http-equiv="refresh" content="{refresh}">' if refresh else ""
    )
    page = page.replace("</head>", head + "</head>", 1)
    return page.replace("<body>", '<body class="wide">', 1) if wide else page


def login_page(brand: Brand, notice: str = "", error: str = "") -> str:
    described = ' aria-describedby="e-email" aria-invalid="true"' if error else ""
    body = (
        "<h1>Panel zespołu</h1>"
        + (f'<p class="card now" role="status">{_e(notice)}</p>' if notice else "")
        + '<section class="card"><p>Podaj swój służbowy adres e-mail. '
        "Jeśli jest na liście zespołu, wyślemy na niego link do logowania "
        "(ważny kilkanaście minut, jednorazowy).</p>"
        '<form method="post" action="/team/login"><label for="f-email">Adres e-mail</label>'
        + (f'<p class="err" id="e-email">{_e(error)}</p>' if error else "")
        + f'<input type="email" id="f-email" name="email" autocomplete="email" required{described}>'
        '<br><button type="submit">Wyślij link</button></form></section>'
    )
    return team_page("Panel zespołu: logowanie", body, brand)


def confirm_page(brand: Brand, nonce: str, token: str) -> str:
    """A link opened from the e-mail: one click signs in (a mail scanner that opens links uses nothing)."""
    body = (
        "<h1>Zaloguj się do panelu zespołu</h1>"
        '<section class="card"><p>Kliknij, aby się zalogować. Link działa tylko raz.</p>'
        '<form method="post" action="/team/session">'
        f'<input type="hidden" name="n" value="{_a(nonce)}">'
        f'<input type="hidden" name="t" value="{_a(token)}">'
        '<button type="submit">Zaloguj się</button></form></section>'
    )
    return team_page("Panel zespołu: logowanie", body, brand)


def refused_page(brand: Brand) -> str:
    body = (
        "<h1>Ten link już nie działa</h1>"
        '<section class="card"><p class="err" role="alert">Link wygasł albo został już użyty.</p>'
        '<p><a class="button" href="/team">Poproś o nowy link</a></p></section>'
    )
    return team_page("Panel zespołu: link nieważny", body, brand)


def _kpi(k: Kpi) -> str:
    name, unit = KPI_PL[k.key]
    css, said = LIGHT_PL[k.light]
    value = "—" if k.value is None else f"{k.value:g}".replace(".", ",") + unit
    target = f"{k.target:g}".replace(".", ",") + unit
    aim = "cel: najwyżej" if k.better == "lower" else "cel: co najmniej"
    return (
        f'<div class="kpi {css}"><h3>{_e(name)}</h3><p class="v">{_e(value)}</p>'
        f'<p><span class="badge {css}">{_e(said)}</span> {_e(aim)} {_e(target)}</p></div>'
    )


def _queue(title: str, rows: Sequence[QueueRow], now: datetime, hid: str) -> str:
    if not rows:
        return f'<h3 id="{hid}">{_e(title)}: 0</h3>'
    body = "".join(
        "<tr>"
        f"<td>{_e(r.ticket_id)}</td><td>{_e(r.order_number or '—')}</td><td>{_e(r.subject)}</td>"
        f"<td>{_e(r.team)}</td><td>{_e(r.priority)}</td><td>{_e(STATUS_PL.get(r.status, r.status))}</td>"
        f"<td{' class=late' if r.due_at and r.due_at < now else ''}>{_e(_local(r.due_at))}</td>"
        f"<td>{_e(_local(r.legal_deadline))}</td></tr>"
        for r in rows
    )
    return (
        f'<h3 id="{hid}">{_e(title)}: {len(rows)}</h3><div class="scroll"><table aria-labelledby="{hid}">'
        "<thead><tr><th scope=col>Zgłoszenie</th><th scope=col>Zamówienie</th><th scope=col>Temat</th>"
        "<th scope=col>Zespół</th><th scope=col>Priorytet</th><th scope=col>Status</th>"
        "<th scope=col>Następny krok SLA</th><th scope=col>Termin ustawowy</th></tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


def _cases(rows: Sequence[CaseRow]) -> str:
    if not rows:
        return "<p>Brak otwartych zwrotów i reklamacji z terminem ustawowym.</p>"
    body = "".join(
        "<tr>"
        f"<td>{_e(r.case_id)}</td><td>{_e(r.order_number)}</td><td>{_e(CASE_PL.get(r.kind, r.kind))}</td>"
        f"<td>{_e(CASE_STATUS_PL.get(r.status, r.status))}</td><td>{_e(WHAT_PL[r.what])}</td>"
        f"<td>{_e(date_long(r.deadline))}</td>"
        f"<td{' class=late' if r.days_left <= 3 else ''}>"
        f"{_e('po terminie' if r.days_left < 0 else count(r.days_left, 'dzień', 'dni', 'dni'))}</td></tr>"
        for r in rows
    )
    return (
        '<div class="scroll"><table aria-labelledby="cases-h"><thead><tr><th scope=col>Sprawa</th>'
        "<th scope=col>Zamówienie</th><th scope=col>Rodzaj</th><th scope=col>Status</th>"
        "<th scope=col>Termin dotyczy</th><th scope=col>Termin</th><th scope=col>Zostało</th></tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


def _day(d: Day) -> str:
    return f"{d.day.day:02d}.{d.day.month:02d}"


def _weekday(d: Day) -> str:
    return f"{WEEKDAYS[d.day.weekday()]}, {d.day.day:02d}.{d.day.month:02d}"


def bars_chart(days: Sequence[Day]) -> str:
    """Opened and solved tickets per day: pairs of bars, scaled to the busiest day."""
    w, h, top = 360, 130, max([1] + [max(d.opened, d.solved) for d in days])
    step = (w - 20) / max(len(days), 1)
    parts = [
        f'<svg width="{w}" height="{h + 24}" viewBox="0 0 {w} {h + 24}" role="img" aria-labelledby="c1t">'
        '<title id="c1t">Zgłoszenia otwarte i rozwiązane w ostatnich 7 dniach</title>'
    ]
    for i, d in enumerate(days):
        x = 10 + i * step
        for j, (value, colour) in enumerate(((d.opened, "#2f6db5"), (d.solved, "#1e7a34"))):
            bar = (h - 14) * value / top
            parts.append(
                f'<rect x="{x + 4 + j * 16:.1f}" y="{h - bar:.1f}" width="14" height="{bar:.1f}" '
                f'fill="{colour}"/>'
            )
        parts.append(f'<text x="{x + step / 2:.1f}" y="{h + 16}" {LABEL}>{_e(_day(d))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(days: Sequence[Day]) -> str:
    """SLA met % per day (days without a solved ticket leave a gap)."""
    w, h, pad = 360, 130, 24
    step = (w - 2 * pad) / max(len(days) - 1, 1)
    points = [
        (pad + i * step, h - 10 - (h - 20) * d.sla_met_pct / 100)
        for i, d in enumerate(days)
        if d.sla_met_pct is not None
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#2f6db5"/>' for x, y in points)
    return (
        f'<svg width="{w}" height="{h + 24}" viewBox="0 0 {w} {h + 24}" role="img" aria-labelledby="c2t">'
        '<title id="c2t">Odsetek zgłoszeń rozwiązanych bez naruszenia SLA w ostatnich 7 dniach</title>'
        f'<line x1="{pad}" y1="{h - 10}" x2="{w - pad}" y2="{h - 10}" stroke="#9aa1a9"/>'
        f'<line x1="{pad}" y1="10" x2="{w - pad}" y2="10" stroke="#9aa1a9" stroke-dasharray="3 3"/>'
        + (
            f'<polyline points="{path}" fill="none" stroke="#2f6db5" stroke-width="2"/>'
            if len(points) > 1
            else ""
        )
        + dots
        + "".join(
            f'<text x="{10 + i * step:.1f}" y="{h + 16}" {LABEL}>{_e(_day(d))}</text>'
            for i, d in enumerate(days)
        )
        + "</svg>"
    )


def trend_table(days: Sequence[Day]) -> str:
    rows = "".join(
        f"<tr><th scope=row>{_e(_weekday(d))}</th><td>{d.opened}</td><td>{d.solved}</td>"
        f"<td>{'—' if d.sla_met_pct is None else _e(f'{d.sla_met_pct:g}'.replace('.', ',') + ' %')}</td></tr>"
        for d in days
    )
    return (
        "<details><summary>Te same dane w tabeli</summary><table><thead><tr><th scope=col>Dzień</th>"
        "<th scope=col>Otwarte</th><th scope=col>Rozwiązane</th><th scope=col>SLA dotrzymane</th>"
        "</tr></thead>"
        f"<tbody>{rows}</tbody></table></details>"
    )


def dashboard_page(d: Dashboard, brand: Brand, member: str) -> str:
    body = (
        '<h1>Panel zespołu</h1><p class="meta">Stan na '
        f"{_e(_local(d.now))} · otwartych zgłoszeń: {d.open_total} · zalogowano jako {_e(member)} · "
        '<a href="/team">Odśwież</a></p>'
        '<form method="post" action="/team/logout">'
        '<button type="submit" class="button plain">Wyloguj</button></form>'
        '<section aria-labelledby="kpi-h"><h2 id="kpi-h">Dzisiaj na tle celów</h2><div class="grid">'
        + "".join(_kpi(k) for k in d.kpis)
        + '</div></section><section class="card" aria-labelledby="queue-h"><h2 id="queue-h">Kolejka</h2>'
        + _queue("Po terminie SLA", d.breached, d.now, "q-breached")
        + _queue("Termin SLA w ciągu 2 godzin", d.due_soon, d.now, "q-soon")
        + _queue("Czekają na przewoźnika", d.waiting_courier, d.now, "q-courier")
        + _queue("Czekają na klienta", d.waiting_customer, d.now, "q-customer")
        + '</section><section class="card" aria-labelledby="cases-h">'
        '<h2 id="cases-h">Otwarte zwroty i reklamacje: terminy ustawowe</h2>'
        + _cases(d.cases)
        + '</section><section class="card" aria-labelledby="trend-h"><h2 id="trend-h">Ostatnie 7 dni</h2>'
        '<div class="charts"><figure>'
        + bars_chart(d.days)
        + "<figcaption>Otwarte (niebieskie) i rozwiązane (zielone) zgłoszenia</figcaption></figure><figure>"
        + line_chart(d.days)
        + "<figcaption>SLA dotrzymane, % (linia przerywana: 100 %)</figcaption></figure></div>"
        + trend_table(d.days)
        + "</section>"
    )
    return team_page("Panel zespołu", body, brand, wide=True)
