"""Glue between the form's HTTP requests and the returns flow: form fields in, pages out."""

from __future__ import annotations

import secrets as pysecrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import ValidationError

from zwrotnica.context import Context
from zwrotnica.dispatch import bus
from zwrotnica.domain import links, order_numbers, returns
from zwrotnica.errors import (
    FormInvalid,
    InvalidPayload,
    InvalidProof,
    InvalidSignature,
    MissingProof,
    OrderNotFound,
    TooManyAttempts,
    TooManyLookups,
)
from zwrotnica.flows import returns as returns_flow
from zwrotnica.http import html_response
from zwrotnica.models.case import CaseDecision, Verdict, stands
from zwrotnica.models.returns import ReturnSubmission
from zwrotnica.secrets import get_secrets
from zwrotnica.store import cases as case_store
from zwrotnica.web import return_form as pages

CSRF_VALID = timedelta(hours=2)
FIELD_PL = {
    "order_number": "Podaj numer zamówienia.",
    "items": "Wybierz co najmniej jeden produkt.",
    "kind": "Wybierz rodzaj zgłoszenia.",
    "description": "Opisz wadę.",
    "demand": "Wybierz, czego żądasz.",
    "return_method": "Wybierz sposób odesłania.",
    "email": "Podaj adres e-mail lub telefon z zamówienia.",
}


# The HTML form's fields (documented in the OpenAPI as the form body of POST /returns).
FORM_FIELDS = {
    "step": "lookup (find the order) or submit (send the case)",
    "order_number": "the order's number",
    "email": "the order's e-mail (or phone)",
    "phone": "the order's phone (or e-mail)",
    "csrf": "the token of the details page (step=submit)",
    "submission_key": "one key per filled-in form: a repeated submit opens no second case",
    "kind": "withdrawal or complaint",
    "reason": "why the goods go back (withdrawal, optional)",
    "description": "what is wrong (complaint)",
    "demand": "repair, replacement, price_reduction or withdrawal (complaint)",
    "return_method": "paczkomat or courier_pickup",
    "bank_account": "for the refund (optional)",
    "qty_<sku>": "how many of that product go back",
}


def _csrf(order_number: str, now: datetime) -> str:
    return links.make_token(get_secrets().link_signing_key, f"form:{order_number}", now, CSRF_VALID)


def _window_text(ctx: returns_flow.ReturnContext) -> str:
    if ctx.window.open:
        return returns.window_open_message(ctx.window)
    return returns.window_closed_message(ctx.window)


def _details(
    ctx: returns_flow.ReturnContext,
    fields: Mapping[str, str],
    errors: Mapping[str, str],
    now: datetime,
    status: HTTPStatus = HTTPStatus.OK,
) -> Response:
    left = returns.returnable(ctx.items, ctx.in_open_cases)
    page = pages.details_page(
        order_number=ctx.order["number"],
        proof={"email": fields.get("email", ""), "phone": fields.get("phone", "")},
        items=[(i.sku, i.name, left[i.sku]) for i in ctx.items],
        window_text=_window_text(ctx),
        window_open=ctx.window.open,
        cod=ctx.cod,
        csrf=_csrf(ctx.order["number"], now),
        submission_key=fields.get("submission_key") or pysecrets.token_urlsafe(16),
        values=fields,
        errors=errors,
    )
    return html_response(status, page)


def lookup(fields: Mapping[str, str], now: datetime, client: str | None = None) -> Response:
    try:
        ctx = returns_flow.lookup(
            order_numbers.normalize(fields.get("order_number", "")),
            fields.get("email") or None,
            fields.get("phone") or None,
            now,
            client,
        )
    except InvalidProof as exc:
        return html_response(exc.status, pages.lookup_page(fields, exc.fields))
    except (OrderNotFound, MissingProof, TooManyAttempts, TooManyLookups) as exc:
        return html_response(exc.status, pages.lookup_page(fields, {}, notice=exc.reason))
    return _details(ctx, fields, {}, now)


def to_submission(fields: Mapping[str, Any]) -> ReturnSubmission:
    """Form fields (qty_<sku>) or JSON ({"items": {sku: qty}}) into the submission model."""
    data = dict(fields)
    if "items" not in data:
        data["items"] = {
            k[4:]: int(v or 0) for k, v in fields.items() if k.startswith("qty_") and str(v or "0").isdigit()
        }
    for optional in ("reason", "demand", "description", "bank_account", "email", "phone"):
        if data.get(optional) == "":
            data[optional] = None
    try:
        return ReturnSubmission.model_validate(data)
    except ValidationError as exc:
        missing = {str(e["loc"][0]) if e["loc"] else "kind" for e in exc.errors()}
        if any(not e["loc"] for e in exc.errors()):
            missing |= {"description", "demand"} if data.get("kind") == "complaint" else {"email"}
        raise FormInvalid({k: FIELD_PL.get(k, "Popraw to pole.") for k in sorted(missing)}) from exc


def _submit(sub: ReturnSubmission, ctx: Context, client: str | None) -> tuple[str, bool, dict[str, Any]]:
    """(RMA, opened now, the case to answer with)."""
    effect = bus.run(lambda fresh: returns_flow.submit(sub, ctx, client, fresh), ctx)
    rma, created = returns_flow.submitted(sub, effect)
    return rma, created, _case(rma, effect.data.get("case") if created else None)


def _case(rma: str, decided: dict[str, Any] | None) -> dict[str, Any]:
    """The case as stored now (what followed the commit has run: its label sent), or as decided when
    that read fails: once the case is committed, the answer must not turn into a 5xx."""
    try:
        stored = case_store.get(rma)
    except (ClientError, BotoCoreError):
        stored = None
    return stored or decided or {"case_id": rma}


def submit_form(fields: Mapping[str, str], ctx: Context, client: str | None = None) -> Response:
    now = ctx.now
    order_number = order_numbers.normalize(fields.get("order_number", ""))
    if not links.token_valid(
        get_secrets().link_signing_key, f"form:{order_number}", fields.get("csrf", ""), now
    ):
        return html_response(
            HTTPStatus.FORBIDDEN,
            pages.lookup_page(
                {"order_number": order_number},
                {},
                notice="Formularz wygasł (jest ważny 2 godziny). Wyszukaj zamówienie jeszcze raz.",
            ),
        )
    try:
        _, _, case = _submit(to_submission(fields), ctx, client)
    except InvalidProof as exc:
        return html_response(exc.status, pages.lookup_page(fields, exc.fields))
    except (OrderNotFound, MissingProof, TooManyAttempts, TooManyLookups) as exc:
        return html_response(exc.status, pages.lookup_page(fields, {}, notice=exc.reason))
    except FormInvalid as exc:
        try:
            found = returns_flow.lookup(
                order_number, fields.get("email") or None, fields.get("phone") or None, now, client
            )
        except (InvalidProof, OrderNotFound, MissingProof, TooManyAttempts, TooManyLookups) as again:
            return html_response(again.status, pages.lookup_page(fields, {}, notice=again.reason))
        return _details(found, fields, exc.fields, now, HTTPStatus.UNPROCESSABLE_ENTITY)
    return html_response(
        HTTPStatus.CREATED, pages.confirmation_page(case, ctx.status_url(order_number) or "")
    )


def submit_json(payload: Any, ctx: Context, client: str | None = None) -> tuple[HTTPStatus, dict]:
    if not isinstance(payload, dict):
        raise InvalidPayload("expected a JSON object")
    try:
        rma, created, case = _submit(to_submission(payload), ctx, client)
    except FormInvalid as exc:
        return HTTPStatus.UNPROCESSABLE_ENTITY, {"message": exc.reason, "fields": exc.fields}
    return (HTTPStatus.CREATED if created else HTTPStatus.OK), {
        "case_id": rma,
        "created": created,
        "status": case.get("status"),
        "refund_amount": case.get("refund_amount"),
        "refund_due": case.get("refund_due"),
        "answer_due": case.get("answer_due"),
        "status_url": ctx.status_url(order_numbers.normalize(str(payload.get("order_number", "")))),
    }


def decide(rma: str, headers: Mapping[str, str], body: bytes, ctx: Context) -> str:
    """The team's decision on a case (`verdict`: accept, with a `deduction` and its `reason` for a
    withdrawal or a `remedy`/`amount` for a complaint; reject with the `reason`, a complaint only;
    request_goods; transfer_sent with `transferred_on`); answers with the case's status once what
    follows ran (an accepted withdrawal's refund ordered: "refund_ordered"). The same acceptance or
    rejection again (a delivery retried after its answer was lost) answers the same."""
    from zwrotnica.flows import cases, refunds
    from zwrotnica.providers import standard_webhooks
    from zwrotnica.providers.shop import parse_json

    secrets = get_secrets().standard_webhooks_secrets
    if standard_webhooks.verify(secrets, headers, body, ctx.now.timestamp()) is None:
        raise InvalidSignature()
    payload = parse_json(body)
    try:
        decision = CaseDecision.model_validate(payload)
    except ValidationError:
        raise InvalidPayload(
            "expected {verdict: accept|reject|request_goods|transfer_sent, deduction: grosze, reason: text, "
            "remedy: repair|replacement|price_reduction|withdrawal, amount: grosze, transferred_on: date}"
        ) from None
    if decision.verdict is Verdict.TRANSFER_SENT:
        assert decision.transferred_on is not None  # CaseDecision requires it
        on = decision.transferred_on
        effect = bus.run(lambda fresh: refunds.confirm_transfer(rma, on, ctx, fresh), ctx)
    else:
        try:
            effect = bus.run(lambda fresh: cases.decide(rma, decision, ctx, fresh), ctx)
        except InvalidPayload:
            case = case_store.get(rma)
            if case is None or not stands(case, decision):
                raise
            return str(case["status"])  # this decision stands already (a retried delivery): the same answer
    return str(_case(rma, None).get("status") or effect.outcome)
