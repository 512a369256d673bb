"""Dev-only views of what the local stack "sent": read from moto and from our outbox items."""

from __future__ import annotations

from html import escape
from typing import Any

import boto3

from zwrotnica.messages.polish import count


def outbox_items(table: str, region: str) -> list[dict[str, Any]]:
    """Every customer message the system produced, newest first (a Scan: fine for a dev view only)."""
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
        items += [from_item(i) for i in page.get("Items", [])]
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


def outbox_page(items: list[dict[str, Any]], counts: dict[str, int]) -> str:
    rows = []
    for m in items:
        rows.append(
            "<article>"
            f"<h2>{escape(m['channel'].upper())} · {escape(m['status'])} · "
            f"{escape(m['created_at'][:19])}Z</h2>"
            f"<p><strong>Do:</strong> {escape(m['recipient'])} · <strong>Zamówienie:</strong> "
            f"{escape(m['order_number'])} · <strong>Szablon:</strong> {escape(m['template'])}</p>"
            + (f"<p><strong>Temat:</strong> {escape(m['subject'])}</p>" if m.get("subject") else "")
            + f"<pre>{escape(m['text'])}</pre></article>"
        )
    empty = "<p>Jeszcze nic nie wysłano. Uruchom <code>make demo</code> w drugim terminalu.</p>"
    return (
        '<!doctype html><html lang="pl"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">'
        "<title>Zwrotnica: skrzynka nadawcza (dev)</title><style>body{font-family:system-ui,sans-serif;"
        "max-width:50rem;margin:auto;padding:1rem}pre{white-space:pre-wrap;background:#f4f4f4;padding:.5rem}"
        "article{border-bottom:1px solid #ccc;padding:.5rem 0}h2{font-size:1rem}</style></head><body>"
        "<h1>Skrzynka nadawcza (tylko lokalnie)</h1>"
        f"<p>W moto: {count(counts['emails'], 'e-mail', 'e-maile', 'e-maili')}, {counts['sms']} SMS. "
        f"Wiadomości w outboksie: {len(items)}, najnowsze na górze. Strona odświeża się co 5 s.</p>"
        + ("".join(rows) or empty)
        + "</body></html>"
    )
