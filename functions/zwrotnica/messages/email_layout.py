"""The one layout every e-mail's HTML goes through: the shop's header, the content, the status button, the
footer with the shop's details; and the plain-text part that says the same.

Built for e-mail clients, not browsers:
- every style is inline, written per element from one table (`CSS`): Gmail and Outlook drop or rewrite
  `<style>`; the only `<style>` left is the dark-mode override, which clients without it ignore;
- layout tables (`role="presentation"`) with a `width` attribute of 600 for Outlook's Word engine and
  `max-width:600px` for everything else; the button is a table cell with `bgcolor` (a "bulletproof"
  button) so Outlook paints it;
- colours chosen for contrast and set on every text element and cell (a client's dark mode that inverts
  or repaints still has a defined pair to work from), `color-scheme` meta, and dark overrides;
- the logo (if configured) has its shop name as `alt` and fixed dimensions; no other images, no
  external CSS, no fonts, no scripts.
Every value is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from urllib.parse import urlsplit

from zwrotnica.models.brand import Brand

WIDTH = 600
FONT = "Arial,Helvetica,sans-serif"
TEXT, MUTED, PAGE, CARD, LINE = "#1a1a1a", "#4a4f57", "#f4f5f7", "#ffffff", "#d5d9de"
DARK = "@media (prefers-color-scheme:dark){.zw-page{background:#101215!important}" + (
    ".zw-card{background:#16181c!important;border-color:#3a3f47!important}"
    ".zw-text{color:#eceef1!important}.zw-muted{color:#b9bec6!important}}"
)
CSS = {
    "body": f"margin:0;padding:0;background:{PAGE};",
    "page": f"background:{PAGE};",
    "card": f"background:{CARD};border:1px solid {LINE};border-radius:8px;",
    "head": "padding:20px 24px 16px;border-bottom:4px solid {accent};",
    "name": f"font-family:{FONT};font-size:20px;line-height:28px;font-weight:bold;color:{TEXT};",
    "content": "padding:24px;",
    "p": f"margin:0 0 16px;font-family:{FONT};font-size:16px;line-height:24px;color:{TEXT};",
    "a": "color:{link};text-decoration:underline;",
    "button_cell": "border-radius:6px;background:{button};",
    "button": f"display:inline-block;padding:12px 22px;font-family:{FONT};font-size:16px;line-height:20px;"
    "font-weight:bold;color:{button_text};text-decoration:none;border-radius:6px;",
    "foot": f"padding:16px 24px 24px;font-family:{FONT};font-size:13px;line-height:20px;color:{MUTED};",
    "foot_a": "color:{link};text-decoration:underline;",
    "preheader": "display:none;max-height:0;max-width:0;overflow:hidden;opacity:0;font-size:1px;"
    "line-height:1px;",
}

Block = str | tuple[str, str]


def _a(value: str) -> str:
    return escape(value, quote=True)


def _style(name: str, brand: Brand) -> str:
    button, button_text = brand.button
    return _a(CSS[name].format(accent=brand.accent, link=brand.link, button=button, button_text=button_text))


def _paragraph(text: str, brand: Brand) -> str:
    lines = "<br>".join(escape(line) for line in text.split("\n"))
    return f'<p class="zw-text" style="{_style("p", brand)}">{lines}</p>'


def _button(label: str, url: str, brand: Brand) -> str:
    bg, _ = brand.button
    return (
        '<table role="presentation" border="0" cellpadding="0" cellspacing="0" style="margin:0 0 16px">'
        f'<tr><td bgcolor="{_a(bg)}" style="{_style("button_cell", brand)}">'
        f'<a href="{_a(url)}" style="{_style("button", brand)}">{escape(label)}</a></td></tr></table>'
    )


def _link(label: str, url: str, brand: Brand) -> str:
    return (
        f'<p class="zw-text" style="{_style("p", brand)}">'
        f'<a href="{_a(url)}" style="{_style("a", brand)}">{escape(label)}</a></p>'
    )


def _is_status_link(block: Block) -> bool:
    return not isinstance(block, str) and urlsplit(block[1]).path.endswith("/status")


def content(blocks: Sequence[Block], brand: Brand) -> str:
    """Text blocks become paragraphs; one (label, url) block the button (the order's status link, else
    the first link), the others links."""
    links = [b for b in blocks if not isinstance(b, str)]
    button = next((b for b in links if _is_status_link(b)), links[0] if links else None)
    out = []
    for block in blocks:
        if isinstance(block, str):
            out.append(_paragraph(block, brand))
        elif block is button:
            out.append(_button(*block, brand))
        else:
            out.append(_link(*block, brand))
    return "".join(out)


def _footer(brand: Brand) -> str:
    parts = [f"<strong>{escape(brand.name)}</strong>"]
    if brand.support_email:
        email = brand.support_email
        parts.append(
            f'E-mail: <a href="mailto:{_a(email)}" style="{_style("foot_a", brand)}">{escape(email)}</a>'
        )
    if brand.support_phone:
        parts.append(f"Telefon: {escape(brand.support_phone)}")
    links = " · ".join(
        f'<a href="{_a(link.url)}" style="{_style("foot_a", brand)}">{escape(link.label)}</a>'
        for link in brand.footer_links
    )
    if links:
        parts.append(links)
    return "<br>".join(parts)


def _header(brand: Brand) -> str:
    if brand.logo_url:
        return (
            f'<img src="{_a(brand.logo_url)}" alt="{_a(brand.name)}" width="160" height="40" '
            'style="display:block;border:0;outline:none;width:160px;height:40px;object-fit:contain">'
        )
    return f'<span class="zw-text" style="{_style("name", brand)}">{escape(brand.name)}</span>'


def frame(subject: str, inner: str, brand: Brand, preheader: str = "") -> str:
    """A whole HTML e-mail around already rendered content (every e-mail, the weekly report too)."""
    hidden = f'<div style="{_a(CSS["preheader"])}">{escape(preheader)}</div>' if preheader else ""
    table = 'role="presentation" border="0" cellpadding="0" cellspacing="0"'
    return (
        '<!doctype html><html lang="pl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="x-apple-disable-message-reformatting">'
        '<meta name="color-scheme" content="light dark">'
        '<meta name="supported-color-schemes" content="light dark">'
        f"<title>{escape(subject)}</title><style>{DARK}</style></head>"
        f'<body class="zw-page" style="{_a(CSS["body"])}">{hidden}'
        f'<table {table} width="100%" class="zw-page" bgcolor="{PAGE}" style="{_a(CSS["page"])}">'
        '<tr><td align="center" style="padding:16px 8px">'
        f'<table {table} width="{WIDTH}" class="zw-card" bgcolor="{CARD}" '
        f'style="width:100%;max-width:{WIDTH}px;{_a(CSS["card"])}">'
        f'<tr><td style="{_style("head", brand)}">{_header(brand)}</td></tr>'
        f'<tr><td class="zw-text" style="{_a(CSS["content"])}">{inner}</td></tr>'
        f'<tr><td class="zw-muted" style="{_style("foot", brand)}">{_footer(brand)}</td></tr>'
        "</table></td></tr></table></body></html>"
    )


def html(subject: str, blocks: Sequence[Block], brand: Brand) -> str:
    first = next((b for b in blocks if isinstance(b, str) and len(b) > 20), "")
    return frame(subject, content(blocks, brand), brand, preheader=first.replace("\n", " ")[:140])


def text_footer(brand: Brand) -> str:
    """The footer's details in the text part: it says what the HTML says."""
    lines = ["--", brand.name]
    if brand.support_email:
        lines.append(f"E-mail: {brand.support_email}")
    if brand.support_phone:
        lines.append(f"Telefon: {brand.support_phone}")
    lines += [f"{link.label}: {link.url}" for link in brand.footer_links]
    return "\n".join(lines)
