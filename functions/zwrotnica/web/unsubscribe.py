"""The one-click marketing unsubscribe pages (Polish): the confirmation a browser sees on GET, and what
it sees once the consent is withdrawn. A mail client's RFC 8058 one-click POST needs neither."""

from __future__ import annotations

from html import escape

from zwrotnica.web.pages import layout

TITLE = "Wypisanie z informacji handlowych"


def confirm_page(action: str) -> str:
    """One button: POSTs to the same signed link (`action`, relative) what a mail client's one-click
    button would (List-Unsubscribe=One-Click)."""
    body = (
        f"<h1>{TITLE}</h1>"
        '<div class="card"><p>Po kliknięciu przycisku nie wyślemy Ci już żadnej informacji handlowej '
        "(próśb o opinię, kodów rabatowych). Wiadomości o Twoich zamówieniach, paczkach, zwrotach "
        "i reklamacjach będziemy wysyłać dalej.</p>"
        f'<form method="post" action="{escape(action, quote=True)}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">Wypisz mnie z informacji handlowych</button></form></div>'
    )
    return layout(TITLE, body)


def done_page() -> str:
    body = (
        '<h1>Wypisaliśmy Cię z informacji handlowych</h1><div class="card" role="status">'
        "<p>Twoja zgoda na informacje handlowe jest wycofana: od tej chwili nie wyślemy Ci żadnej "
        "informacji handlowej. Wiadomości o Twoich zamówieniach dostaniesz jak dotąd.</p></div>"
    )
    return layout(TITLE, body)
