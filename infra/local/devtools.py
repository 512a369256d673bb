"""Dev-only views of what the local stack "sent": read from moto and from our outbox items."""

from __future__ import annotations

from html import escape
from typing import Any

import boto3

from zwrotnica.messages.polish import count


def outbox_items(table: str, region: str) -> list[dict[str, Any]]:
    """Every customer message the system produced, newest first (a Scan: fine for a dev view only)."""
    from zwrotnica.store.outbox import with_body
    from zwrotnica.store.table import from_item

    ddb = boto3.client("dynamodb", region_name=region)
    items, params = (
        [],
        {
            "TableName": table,
            "FilterExpression": "#t = :m",
            "ExpressionAttributeNames": {"#t": "type"},
            "ExpressionAttributeValues": {":m": {"S": "message"}},
        },
    )
    while True:
        page = ddb.scan(**params)
        items += [with_body(from_item(i)) for i in page.get("Items", [])]  # an e-mail's HTML from its blocks
        if "LastEvaluatedKey" not in page:
            return sorted(items, key=lambda m: m["created_at"], reverse=True)
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def provider_counts(region: str) -> dict[str, int]:
    """What actually reached SES and SNS in moto (in the same process as the moto server)."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends

    return {
        "emails": len(ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages),
        "sms": len(sns_backends[DEFAULT_ACCOUNT_ID][region].sms_messages),
    }


def emails_outside_outbox(region: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """E-mails SES (moto) got that no outbox item holds: the team's sign-in links (sent, never stored).
    moto keeps the HTML part of a text+HTML e-mail as its body."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    known = {(m.get("subject"), m["recipient"]) for m in items if m["channel"] == "email"}
    out = []
    for mail in ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages:
        to = ", ".join((getattr(mail, "destinations", None) or {}).get("ToAddresses", []))
        subject, body = getattr(mail, "subject", None), getattr(mail, "body", "") or ""
        if subject is None or (subject, to) in known:
            continue
        out.append(
            {
                "channel": "email",
                "status": "sent",
                "recipient": to,
                "subject": subject,
                "order_number": "—",
                "template": "poza outboksem (zespół)",
                "created_at": "",
                "text": "(część tekstowa nie jest przechowywana przez moto)",
                "html": body if body.lstrip().lower().startswith("<!doctype") else None,
            }
        )
    return out


def _headers(m: dict[str, Any], sender: str) -> list[tuple[str, str]]:
    when = m.get("sent_at") or m.get("created_at") or ""
    rows = [("Od", sender), ("Do", m["recipient"])] if m["channel"] == "email" else [("Do", m["recipient"])]
    if m.get("subject"):
        rows.append(("Temat", m["subject"]))
    rows += [("Data", f"{when[:19].replace('T', ' ')} UTC"), ("Zamówienie", m["order_number"])]
    rows += [("Szablon", m["template"]), ("Stan", m["status"])]
    if m["channel"] == "email":
        parts = "multipart/alternative (text/plain + text/html)" if m.get("html") else "text/plain"
        rows.append(("Treść", parts))
    return rows


def _message(m: dict[str, Any], sender: str) -> str:
    from zwrotnica.messages.sms import is_gsm7, segments

    kind = "E-mail" if m["channel"] == "email" else "SMS"
    title = m.get("subject") or m["text"][:60]
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in _headers(m, sender))
    if m["channel"] == "sms":
        n = segments(m["text"])
        coding = "GSM-7" if is_gsm7(m["text"]) else "UCS-2 (polskie znaki)"
        length = f"{count(n, 'segment', 'segmenty', 'segmentów')}, {len(m['text'])} znaków, {coding}"
        rows += f"<dt>Długość</dt><dd>{escape(length)}</dd>"
    body = f"<h3>Tekst</h3><pre>{escape(m['text'])}</pre>"
    if m.get("html"):
        # The HTML exactly as the customer's client gets it, in a sandbox: no scripts, no same-origin access.
        body = (
            "<h3>Jak widzi to klient (HTML)</h3>"
            f'<iframe sandbox="" title="{escape(f"{kind}: {title}", quote=True)}" '
            f'srcdoc="{escape(m["html"], quote=True)}" loading="lazy"></iframe>'
            f"<details><summary>Część tekstowa</summary><pre>{escape(m['text'])}</pre></details>"
        )
    return f"<article><h2>{escape(kind)}: {escape(title)}</h2><dl>{rows}</dl>{body}</article>"


def outbox_page(
    items: list[dict[str, Any]],
    counts: dict[str, int],
    order: str = "",
    sender: str = "Sklep <sklep@example.com>",
) -> str:
    """Every message the system produced, newest first, as the customer gets it; `order` filters."""
    shown = [m for m in items if not order or m["order_number"] == order]
    orders = sorted({m["order_number"] for m in items})
    options = "".join(
        f'<option value="{escape(o, quote=True)}"{" selected" if o == order else ""}>{escape(o)}</option>'
        for o in orders
    )
    empty = "<p>Jeszcze nic nie wysłano. Uruchom <code>make demo</code> w drugim terminalu.</p>"
    style = (
        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem;color:#1a1a1a}"
        "pre{white-space:pre-wrap;background:#f4f4f4;padding:.5rem}h2{font-size:1.05rem}h3{font-size:.95rem}"
        "article{border-bottom:1px solid #ccc;padding:.5rem 0 1rem}"
        "dl{display:grid;grid-template-columns:auto 1fr;gap:.1rem 1rem;margin:.5rem 0}dt{font-weight:600}"
        "dd{margin:0}iframe{width:100%;height:34rem;border:1px solid #888;background:#fff}"
        "a,summary{color:#0b57d0}label{font-weight:600}select,button{font:inherit;margin:0 .5rem}"
        ":focus{outline:3px solid #b3261e;outline-offset:2px}"
    )
    return (
        '<!doctype html><html lang="pl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>Zwrotnica: skrzynka nadawcza (dev)</title><style>{style}</style></head><body><main>"
        "<h1>Skrzynka nadawcza (tylko lokalnie)</h1>"
        f"<p>W moto: {count(counts['emails'], 'e-mail', 'e-maile', 'e-maili')}, {counts['sms']} SMS. "
        f"Wiadomości w outboksie: {len(items)}, pokazane: {len(shown)}, najnowsze na górze. "
        '<a href="">Odśwież</a></p>'
        '<form method="get" action="/_dev/outbox"><label for="order">Zamówienie</label>'
        f'<select id="order" name="order"><option value="">wszystkie</option>{options}</select>'
        '<button type="submit">Pokaż</button></form>'
        + ("".join(_message(m, sender) for m in shown) or empty)
        + "</main></body></html>"
    )
