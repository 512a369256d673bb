"""The frame of every customer and team page: the shop's header, the content, the shop's footer.

Plain HTML for phones first (the link in an SMS opens here): no JavaScript, no external fonts or
scripts, one inline stylesheet (the pages' CSP allows inline styles and, with a logo, images from the
logo's origin only). Every value is escaped.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from zwrotnica.models.brand import Brand
from zwrotnica.settings import get_brand

if TYPE_CHECKING:  # a type only: the error pages every function renders need none of the order domain
    pass

WARSAW = ZoneInfo("Europe/Warsaw")
FONT = "system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif"


def style(brand: Brand) -> str:
    button_bg, button_fg = brand.button
    return (
        f":root{{--accent:{brand.accent};--link:{brand.link};--btn:{button_bg};--btn-text:{button_fg};"
        "--text:#1a1a1a;--muted:#4a4f57;--bg:#f4f5f7;--card:#fff;--line:#d5d9de;--ok:#1e7a34;"
        "--bad:#b3261e;--warn:#8a5a00;--todo:#9aa1a9}"
        f"*{{box-sizing:border-box}}body{{font-family:{FONT};margin:0;color:var(--text);"
        "background:var(--bg);line-height:1.5;font-size:1.05rem}"
        ".shop{background:var(--card);border-bottom:4px solid var(--accent);padding:.75rem 1rem}"
        ".shop .in,main,.foot .in{max-width:46rem;margin:0 auto}"
        ".shop a,.shop span{color:var(--text);text-decoration:none;font-weight:700;font-size:1.15rem}"
        ".shop img{max-height:40px;max-width:200px;display:block}"
        "main{padding:1rem}h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.15rem;margin:0 0 .5rem}"
        "h3{font-size:1rem;margin:1rem 0 .25rem}"
        "a{color:var(--link)}a:focus,button:focus,input:focus,select:focus,textarea:focus,summary:focus"
        "{outline:3px solid var(--bad);outline-offset:2px}"
        ".card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1rem 1.25rem;"
        "margin:0 0 1rem}.meta{color:var(--muted);margin:0 0 1rem}"
        ".now{border-left:6px solid var(--accent)}.now p{margin:.25rem 0;font-size:1.1rem}"
        ".now .what{font-weight:600}"
        "dl{display:grid;grid-template-columns:minmax(8rem,auto) 1fr;gap:.25rem 1rem;margin:.75rem 0}"
        "dt{font-weight:600;color:var(--muted)}dd{margin:0}"
        ".tn{display:inline-flex;flex-wrap:wrap;font-family:ui-monospace,Menlo,Consolas,monospace;"
        "font-size:.95rem}.tn span{margin-right:.35em;white-space:nowrap}"
        ".steps{list-style:none;margin:.75rem 0;padding:0;display:flex;gap:0;counter-reset:s}"
        ".steps li{flex:1;position:relative;padding-top:1.9rem;font-size:.85rem;text-align:center;"
        "color:var(--muted)}"
        ".steps li::before{content:'';position:absolute;top:.35rem;left:50%;width:1.1rem;height:1.1rem;"
        "margin-left:-.55rem;border-radius:50%;background:var(--card);border:3px solid var(--todo);"
        "z-index:1}"
        ".steps li::after{content:'';position:absolute;top:.8rem;left:-50%;width:100%;height:3px;"
        "background:var(--todo)}.steps li:first-child::after{display:none}"
        ".steps .done::before,.steps .current::before{background:var(--accent);border-color:var(--accent)}"
        ".steps .done::after,.steps .current::after{background:var(--accent)}"
        ".steps .current{color:var(--text);font-weight:700}"
        ".steps .current::before{box-shadow:0 0 0 4px var(--card),0 0 0 6px var(--accent)}"
        ".steps .problem::before{background:var(--bad);border-color:var(--bad);"
        "box-shadow:0 0 0 4px var(--card),0 0 0 6px var(--bad)}.steps .problem{color:var(--bad)}"
        ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}"
        ".button{display:inline-block;background:var(--btn);color:var(--btn-text);border:0;"
        "border-radius:8px;padding:.6rem 1.1rem;margin:.5rem .5rem 0 0;text-decoration:none;"
        "font:inherit;font-weight:600}.button.plain{background:var(--card);color:var(--link);"
        "border:2px solid var(--link)}"
        ".badge{display:inline-block;border-radius:999px;padding:0 .6rem;font-size:.85rem;font-weight:600;"
        "border:1px solid currentColor}.badge.bad{color:var(--bad)}.badge.ok{color:var(--ok)}"
        ".badge.warn{color:var(--warn)}"
        ".history{padding-left:1.2rem;color:var(--muted)}.history time{color:var(--text)}"
        ".err{color:var(--bad);font-weight:600}"
        "label{display:block;font-weight:600;margin-top:.75rem}input,select,textarea{font:inherit;"
        "padding:.4rem;border:2px solid #555;border-radius:4px;max-width:100%;background:var(--card);"
        "color:var(--text)}input[type=number]{width:5rem}"
        "fieldset{border:1px solid #888;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}"
        "legend{font-weight:700}.opt label{display:inline;font-weight:400;margin-left:.3rem}"
        "button{font:inherit;background:var(--btn);color:var(--btn-text);border:0;border-radius:6px;"
        "padding:.6rem 1.2rem;margin-top:1rem;font-weight:600}"
        ".hint{color:var(--muted);font-size:.95rem;margin:.2rem 0 0}"
        "[aria-invalid=true]{border-color:var(--bad)}"
        ".summary{border:3px solid var(--bad);padding:.5rem 1rem;background:var(--card)}"
        "table{border-collapse:collapse;width:100%;font-size:.95rem}"
        "th,td{text-align:left;padding:.35rem .5rem;"
        "border-bottom:1px solid var(--line);vertical-align:top}"
        ".foot{padding:1rem;color:var(--muted);font-size:.9rem;border-top:1px solid var(--line);"
        "margin-top:1rem}.foot ul{list-style:none;padding:0;margin:.25rem 0;display:flex;flex-wrap:wrap;"
        "gap:.25rem 1rem}.foot a{color:var(--link)}"
        "@media (max-width:34rem){.steps{flex-direction:column}.steps li{text-align:left;"
        "padding:0 0 .9rem 2.2rem}.steps li::before{top:.15rem;left:.55rem}"
        ".steps li::after{top:-1.1rem;left:1.1rem;width:3px;height:100%;margin-left:-1.5px}"
        "dl{grid-template-columns:1fr}dd{margin-bottom:.4rem}}"
        "@media (prefers-color-scheme:dark){:root{--text:#eceef1;--muted:#b9bec6;--bg:#101215;"
        f"--card:#16181c;--line:#3a3f47;--ok:#7ed99a;--bad:#ffb4ab;--warn:#f0c46c;--link:{brand.link_on_dark};"
        "--todo:#5c636c}input,select,textarea{border-color:#aaa}}"
    )


def header(brand: Brand) -> str:
    inner = (
        f'<img src="{escape(brand.logo_url, quote=True)}" alt="{escape(brand.name, quote=True)}">'
        if brand.logo_url
        else escape(brand.name)
    )
    home = brand.footer_links[0].url if brand.footer_links else ""
    shown = f'<a href="{escape(home, quote=True)}">{inner}</a>' if home else f"<span>{inner}</span>"
    return f'<header class="shop"><div class="in">{shown}</div></header>'


def footer(brand: Brand) -> str:
    contact = []
    if brand.support_email:
        email = escape(brand.support_email, quote=True)
        contact.append(f'<li>E-mail: <a href="mailto:{email}">{escape(brand.support_email)}</a></li>')
    if brand.support_phone:
        tel = escape("".join(c for c in brand.support_phone if c.isdigit() or c == "+"), quote=True)
        contact.append(f'<li>Telefon: <a href="tel:{tel}">{escape(brand.support_phone)}</a></li>')
    links = "".join(
        f'<li><a href="{escape(link.url, quote=True)}">{escape(link.label)}</a></li>'
        for link in brand.footer_links
    )
    return (
        f'<footer class="foot"><div class="in"><p><strong>{escape(brand.name)}</strong></p>'
        + (f'<ul aria-label="Kontakt">{"".join(contact)}</ul>' if contact else "")
        + (f'<ul aria-label="Informacje">{links}</ul>' if links else "")
        + "</div></footer>"
    )


def layout(title: str, body: str, brand: Brand | None = None) -> str:
    brand = brand or get_brand()
    return (
        '<!doctype html><html lang="pl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f"<title>{escape(title)}</title><style>{style(brand)}</style></head>"
        f"<body>{header(brand)}<main>{body}</main>{footer(brand)}</body></html>"
    )


def when(iso_text: str) -> str:
    moment = datetime.fromisoformat(iso_text.replace("Z", "+00:00")).astimezone(WARSAW)
    return moment.strftime("%d.%m.%Y, %H:%M")


def error_page(title: str, reason: str) -> str:
    return layout(title, f'<h1>{escape(title)}</h1><p class="err" role="alert">{escape(reason)}</p>')
