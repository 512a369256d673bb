"""The return form pages: plain HTML, no JavaScript, labels and errors tied to their fields (WCAG 2.1 AA)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from html import escape

from zwrotnica.messages.case_templates import case_subject
from zwrotnica.messages.polish import money, on_date
from zwrotnica.models.case import COMPLAINT_DEMAND_PL, WITHDRAWAL_REASON_PL, CaseStatus
from zwrotnica.web.pages import layout

Errors = Mapping[str, str]


def _a(value: object) -> str:
    return escape(str(value), quote=True)


# A field's name may come from outside (`qty_<sku>`, the SKU from the shop): as an attribute value it is
# escaped, and the ids made from it keep only [A-Za-z0-9_-] (every other character as ~hex), so no SKU can
# close an attribute, add one, or make two fields share an id.
_NOT_ID = re.compile(r"[^A-Za-z0-9_-]")


def _id(prefix: str, name: str) -> str:
    return f"{prefix}-" + _NOT_ID.sub(lambda m: f"~{ord(m.group()):x}~", name)


def _summary(errors: Errors) -> str:
    if not errors:
        return ""
    links = "".join(f'<li><a href="#{_id("f", k)}">{escape(v)}</a></li>' for k, v in errors.items())
    return f'<div class="summary" role="alert" id="errors"><h2>Popraw, proszę:</h2><ul>{links}</ul></div>'


def _described(name: str, errors: Errors, hint: str) -> str:
    ids = [i for i, present in ((_id("h", name), bool(hint)), (_id("e", name), name in errors)) if present]
    invalid = ' aria-invalid="true"' if name in errors else ""
    return (f' aria-describedby="{" ".join(ids)}"' if ids else "") + invalid


def _label(name: str, label: str, errors: Errors) -> str:
    return f'<label for="{_id("f", name)}">{escape(label)}</label>' + (
        f'<p class="err" id="{_id("e", name)}">{escape(errors[name])}</p>' if name in errors else ""
    )


def text_input(
    name: str, label: str, value: str, errors: Errors, *, kind: str = "text", hint: str = "", extra: str = ""
) -> str:
    """Label (and error) above the field, the hint right under it: read with the field (aria-describedby)."""
    return (
        _label(name, label, errors)
        + f'<input type="{kind}" id="{_id("f", name)}" name="{_a(name)}" value="{_a(value)}"{extra}'
        f"{_described(name, errors, hint)}>"
        + (f'<p class="hint" id="{_id("h", name)}">{escape(hint)}</p>' if hint else "")
    )


def textarea(name: str, label: str, value: str, errors: Errors) -> str:
    return _label(name, label, errors) + (
        f'<textarea id="{_id("f", name)}" name="{_a(name)}" rows="4"{_described(name, errors, "")}>'
        f"{escape(value)}</textarea>"
    )


def radio(name: str, value: str, label: str, checked: bool) -> str:
    mark = " checked" if checked else ""
    field = _id("f", f"{name}-{value}")
    return (
        f'<div class="opt"><input type="radio" id="{field}" name="{_a(name)}" value="{_a(value)}"{mark}>'
        f'<label for="{field}">{escape(label)}</label></div>'
    )


def _group(name: str, legend: str, errors: Errors, inner: str) -> str:
    error = f'<p class="err" id="{_id("e", name)}">{escape(errors[name])}</p>' if name in errors else ""
    return f'<fieldset id="{_id("f", name)}"><legend>{escape(legend)}</legend>{error}{inner}</fieldset>'


def lookup_page(values: Mapping[str, str], errors: Errors, notice: str = "") -> str:
    body = (
        "<h1>Zwrot lub reklamacja</h1>"
        + _summary(errors)
        + (f'<p class="err" role="alert">{escape(notice)}</p>' if notice else "")
        + "<p>Podaj numer zamówienia i adres e-mail (albo telefon) użyty przy zakupie.</p>"
        + '<form method="post" action="/returns" novalidate><input type="hidden" name="step" value="lookup">'
        + text_input(
            "order_number",
            "Numer zamówienia",
            values.get("order_number", ""),
            errors,
            extra=' autocomplete="off" required',
        )
        + text_input(
            "email",
            "Adres e-mail",
            values.get("email", ""),
            errors,
            kind="email",
            extra=' autocomplete="email"',
        )
        + text_input(
            "phone",
            "albo numer telefonu",
            values.get("phone", ""),
            errors,
            kind="tel",
            hint="np. 600 100 200",
            extra=' autocomplete="tel"',
        )
        + '<button type="submit">Dalej</button></form>'
    )
    return layout("Zwrot lub reklamacja", body)


def details_page(
    *,
    order_number: str,
    proof: Mapping[str, str],
    items: list[tuple[str, str, int]],
    window_text: str,
    window_open: bool,
    cod: bool,
    csrf: str,
    submission_key: str,
    values: Mapping[str, str],
    errors: Errors,
) -> str:
    """`items`: (sku, name, how many can still be returned)."""
    kind = values.get("kind") or ("withdrawal" if window_open else "complaint")
    method = values.get("return_method", "paczkomat")
    qty_errors = {f"qty_{sku}": message for sku, message in errors.items()}
    rows = "".join(
        text_input(
            f"qty_{sku}",
            f"{name} (możesz odesłać: {left} szt.)",
            values.get(f"qty_{sku}", "0"),
            qty_errors,
            kind="number",
            extra=f' min="0" max="{left}" inputmode="numeric"',
        )
        for sku, name, left in items
    )
    reasons = "".join(
        f'<option value="{r.value}"{" selected" if values.get("reason") == r.value else ""}>'
        f"{escape(text)}</option>"
        for r, text in WITHDRAWAL_REASON_PL.items()
    )
    demands = "".join(
        radio("demand", d.value, text, values.get("demand") == d.value)
        for d, text in COMPLAINT_DEMAND_PL.items()
    )
    hidden = {"step": "submit", "csrf": csrf, "submission_key": submission_key, "order_number": order_number}
    hidden_inputs = "".join(
        f'<input type="hidden" name="{k}" value="{_a(v)}">' for k, v in (hidden | dict(proof)).items() if v
    )
    body = (
        f"<h1>Zamówienie nr {escape(order_number)}: zwrot lub reklamacja</h1>"
        + _summary(errors)
        + f"<p>{escape(window_text)}</p>"
        + f'<form method="post" action="/returns" novalidate>{hidden_inputs}'
        + _group("items", "Co odsyłasz?", errors, rows)
        + _group(
            "kind",
            "Rodzaj zgłoszenia",
            errors,
            radio(
                "kind",
                "withdrawal",
                "Odstąpienie od umowy (zwrot bez podania przyczyny, 14 dni)",
                kind == "withdrawal",
            )
            + radio(
                "kind",
                "complaint",
                "Reklamacja (towar jest wadliwy lub niezgodny z umową)",
                kind == "complaint",
            ),
        )
        + _group(
            "reason_group",
            "Przy zwrocie: powód (nieobowiązkowo)",
            errors,
            f'<label for="f-reason">Powód</label><select id="f-reason" name="reason">'
            f'<option value="">— nie podaję —</option>{reasons}</select>',
        )
        + _group(
            "complaint",
            "Przy reklamacji",
            errors,
            textarea("description", "Opisz wadę", values.get("description", ""), errors)
            + _group("demand", "Twoje żądanie", errors, demands),
        )
        + _group(
            "return_method",
            "Jak odeślesz paczkę?",
            errors,
            radio(
                "return_method",
                "paczkomat",
                "Paczkomat InPost (kod lub etykieta zwrotna)",
                method == "paczkomat",
            )
            + radio("return_method", "courier_pickup", "Odbiór przez kuriera", method == "courier_pickup"),
        )
        + (
            text_input(
                "bank_account",
                "Numer konta do zwrotu pieniędzy",
                values.get("bank_account", ""),
                errors,
                hint=(
                    "Zamówienie było płatne przy odbiorze, więc pieniądze zwrócimy przelewem. "
                    "Numer konta ma 26 cyfr."
                ),
                extra=' inputmode="numeric" autocomplete="off"',
            )
            if cod
            else ""
        )
        + '<button type="submit">Wyślij zgłoszenie</button></form>'
    )
    return layout(f"Zwrot lub reklamacja: zamówienie {order_number}", body)


def confirmation_page(case: Mapping[str, object], status_url: str) -> str:
    rma = str(case["case_id"])
    title = case_subject(str(case.get("kind") or ""), CaseStatus.SUBMITTED, rma)
    lines = [f"<h1>{escape(title)}</h1>", "<p>Potwierdzenie wysłaliśmy e-mailem.</p><ul>"]
    if case.get("refund_due") and case.get("refund_amount") is not None:
        due = on_date(date.fromisoformat(str(case["refund_due"])))
        how = " przelewem na konto podane w zgłoszeniu" if case.get("bank_account") else ""
        refund = money(int(str(case["refund_amount"])))
        lines.append(f"<li>Zwrócimy Ci {escape(refund)}{how} najpóźniej {escape(due)}</li>")
    if case.get("send_back_by"):
        due = on_date(date.fromisoformat(str(case["send_back_by"])))
        lines.append(
            f"<li>Odeślij towar najpóźniej {escape(due)} "
            "Etykietę zwrotną albo kartę zwrotu do wydruku wyślemy Ci osobnym e-mailem.</li>"
        )
    if case.get("answer_due"):
        due = on_date(date.fromisoformat(str(case["answer_due"])))
        lines.append(f"<li>Odpowiemy na reklamację najpóźniej {escape(due)}</li>")
    lines.append(f'</ul><p><a href="{_a(status_url)}">Sprawdź status zamówienia i zgłoszenia</a></p>')
    return layout(title, "".join(lines))
