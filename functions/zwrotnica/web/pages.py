"""Plain HTML for phones: the link in an SMS opens here. Every value is escaped."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from zwrotnica.messages.polish import money

if TYPE_CHECKING:  # a type only: the error pages every function renders need none of the order domain
    from zwrotnica.domain.order_status import OrderStatusView

WARSAW = ZoneInfo("Europe/Warsaw")
STYLE = (
    "body{font-family:system-ui,Arial,sans-serif;margin:0 auto;max-width:40rem;padding:1rem;"
    "color:#1a1a1a;background:#fff;line-height:1.5;font-size:1.05rem}"
    "h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:1.5rem}"
    "a{color:#0b57d0}a:focus,button:focus,input:focus{outline:3px solid #b3261e;outline-offset:2px}"
    "dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem}dt{font-weight:600}"
    "ol{padding-left:1.2rem}.err{color:#b3261e;font-weight:600}"
    "label{display:block;font-weight:600;margin-top:.75rem}input,select,textarea{font:inherit;"
    "padding:.4rem;border:2px solid #555;border-radius:4px;max-width:100%}input[type=number]{width:5rem}"
    "fieldset{border:1px solid #888;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}"
    "legend{font-weight:700}.opt label{display:inline;font-weight:400;margin-left:.3rem}"
    "button{font:inherit;background:#0b57d0;color:#fff;border:0;border-radius:6px;padding:.6rem 1.2rem;"
    "margin-top:1rem}.hint{color:#444;font-size:.95rem}[aria-invalid=true]{border-color:#b3261e}"
    ".summary{border:3px solid #b3261e;padding:.5rem 1rem}"
)


def layout(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="pl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def _when(iso_text: str) -> str:
    moment = datetime.fromisoformat(iso_text.replace("Z", "+00:00")).astimezone(WARSAW)
    return moment.strftime("%d.%m.%Y, %H:%M")


def order_status_page(view: OrderStatusView) -> str:
    parts = [
        f"<h1>Zamówienie nr {escape(view.order_number)}</h1>",
        "<dl>",
        f"<dt>Status</dt><dd>{escape(view.status.label)}</dd>",
        f"<dt>Płatność</dt><dd>{escape(view.payment.label)}</dd>",
        f"<dt>Kwota</dt><dd>{escape(money(view.total, view.currency))}</dd>",
        "</dl>",
    ]
    if view.shipments:
        parts.append("<h2>Przesyłki</h2><ul>")
        for s in view.shipments:
            link = (
                f' — <a href="{escape(s.tracking_url, quote=True)}">'
                f"śledź przesyłkę {escape(s.tracking_number)}</a>"
                if s.tracking_url
                else f" ({escape(s.tracking_number)})"
            )
            parts.append(f"<li>{escape(s.status.label)}{link}</li>")
        parts.append("</ul>")
    if view.cases:
        parts.append("<h2>Zwroty i reklamacje</h2><ul>")
        parts += [f"<li>{escape(c.case_id)}: {escape(c.status.label)}</li>" for c in view.cases]
        parts.append("</ul>")
    parts.append("<h2>Historia</h2><ol reversed>")
    parts += [
        f'<li><time datetime="{escape(t.at)}">{_when(t.at)}</time>: {escape(t.text)}</li>'
        for t in view.timeline
    ]
    parts.append("</ol>")
    return layout(f"Zamówienie {view.order_number}", "".join(parts))


def error_page(title: str, reason: str) -> str:
    return layout(title, f'<h1>{escape(title)}</h1><p class="err" role="alert">{escape(reason)}</p>')
