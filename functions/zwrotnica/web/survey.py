"""The page a survey link opens: the rating is recorded by the click, the page thanks and takes an
optional comment (a form: POST, so a mail scanner following links cannot write one)."""

from __future__ import annotations

from html import escape

from zwrotnica.web.pages import layout

REFUSED = {
    "tampered": ("Nieprawidłowy link", "Ten link do ankiety jest nieprawidłowy. Sprawdź, czy jest cały."),
    "expired": ("Link wygasł", "Ten link do ankiety wygasł – dziękujemy, że chcesz się podzielić opinią."),
    "unknown": ("Nie znaleźliśmy ankiety", "Nie znaleźliśmy tej ankiety."),
}


def rated_page(*, action: str, score: int, scale: int, token: str, again: bool, comment_saved: bool) -> str:
    """After a click (or a comment): thanks, the score, and the comment form."""
    title = "Dziękujemy za ocenę!"
    lead = (
        f"Tę ocenę ({score}/{scale}) już zapisaliśmy."
        if again
        else f"Zapisaliśmy Twoją ocenę: <strong>{score}/{scale}</strong>."
    )
    if not action:
        form = ""  # a survey without comments (NPS)
    elif comment_saved:
        form = '<p role="status">Dziękujemy, zapisaliśmy Twój komentarz.</p>'
    else:
        form = (
            f'<form method="post" action="{escape(action)}">'
            f'<input type="hidden" name="s" value="{score}">'
            f'<input type="hidden" name="t" value="{escape(token)}">'
            '<p><label for="f-comment">Chcesz coś dodać? (nieobowiązkowo)</label>'
            '<textarea id="f-comment" name="comment" rows="4" maxlength="1000"></textarea></p>'
            '<p><button type="submit">Wyślij komentarz</button></p></form>'
        )
    return layout(title, f"<h1>{title}</h1><p>{lead}</p>{form}")


def refused_page(reason: str) -> str:
    title, text = REFUSED.get(reason, REFUSED["unknown"])
    return layout(title, f'<h1>{escape(title)}</h1><p class="err" role="alert">{escape(text)}</p>')
