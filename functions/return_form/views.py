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

from zwrotnica import strict
from zwrotnica.context import Context
from zwrotnica.dispatch import bus
from zwrotnica.domain import links, order_numbers, returns
from zwrotnica.effect import Effect, Guard
from zwrotnica.errors import (
    FormInvalid,
    InvalidPayload,
    InvalidProof,
    InvalidSignature,
    LabelNotFound,
    LinkGone,
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
from zwrotnica.store import replays
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
        proof={"email": fields.get("email", ""), "phone": fields.get("phone", ""), "t": fields.get("t", "")},
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


LINK_EXPIRED = "Link do formularza wygasł. Podaj adres e-mail albo telefon użyty przy zakupie."


def from_link(order: str, kind: str | None, token: str, now: datetime, client: str | None = None) -> Response:
    """The form opened from the status page's signed link: its token is the proof (no e-mail asked
    again), the kind it names chosen. An expired or changed link gets the lookup form, its number filled
    in, with a notice (200: the customer can go on from there)."""
    number = order_numbers.normalize(order)
    try:
        found = returns_flow.lookup(number, None, None, now, client, token=token)
    except (OrderNotFound, MissingProof, InvalidProof, TooManyAttempts, TooManyLookups):
        return html_response(
            HTTPStatus.OK, pages.lookup_page({"order_number": number}, {}, notice=LINK_EXPIRED)
        )
    chosen = kind if kind in ("withdrawal", "complaint") else ""
    return _details(found, {"t": token, "kind": chosen}, {}, now)


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
        quantities = {
            k[4:]: strict.digits(str(v or "0"), 6) for k, v in fields.items() if k.startswith("qty_")
        }
        data["items"] = {sku: qty for sku, qty in quantities.items() if qty is not None}
    for optional in ("reason", "demand", "description", "bank_account", "email", "phone", "t"):
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


def label_pdf(rma: str, token: str, now: datetime) -> Response:
    """The case's label as a download; a changed or expired token is 410 (Polish page for a browser),
    a case without a label (or one the bucket let go after 60 days) 404."""
    from zwrotnica.store import labels

    if not links.label_token_valid(get_secrets().link_signing_key, rma, token, now):
        raise LinkGone()
    case = case_store.get(rma)
    pdf = labels.get_pdf(case["label_key"]) if case and case.get("label_key") else None
    if pdf is None:
        raise LabelNotFound()
    return Response(
        status_code=HTTPStatus.OK,
        content_type="application/pdf",
        body=pdf,
        headers={
            "Content-Disposition": f'attachment; filename="{rma}.pdf"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


DECISION_ROUTE = "case-decision"


def decide(rma: str, headers: Mapping[str, str], body: bytes, ctx: Context) -> str:
    """The team's decision on a case (`verdict`: accept, with a `deduction` and its `reason` for a
    withdrawal or a `remedy`/`amount` for a complaint; reject with the `reason`, a complaint only;
    request_goods; transfer_sent with `transferred_on`); answers with the case's status once what
    follows ran (an accepted withdrawal's refund ordered: "refund_ordered").

    Signed with the decision's own secret (Standard Webhooks) over the raw body, which must name the
    case (`case_id`) the URL names: a decision for one case sent to another's URL is refused. The
    message id is remembered (store.replays, in the decision's own commit): a retry of a delivered
    decision answers with the case's status and changes nothing; the same id for another case is
    refused. The same acceptance or rejection under a new id (a delivery retried after its answer was
    lost) answers the same; the answer comes from what was decided if the read after the commit fails."""
    from zwrotnica.flows import cases, refunds
    from zwrotnica.providers import standard_webhooks

    secrets = get_secrets().case_decision_secrets
    msg_id = standard_webhooks.verify(secrets, headers, body, ctx.now.timestamp())
    if msg_id is None:
        raise InvalidSignature()
    payload = strict.json_body(body)
    if not isinstance(payload, dict):
        raise InvalidPayload("expected a JSON object naming its case (case_id) and the verdict")
    if payload.get("case_id") != rma:
        raise InvalidPayload("the signed decision names another case than the URL (case_id)")
    try:
        decision = CaseDecision.model_validate({k: v for k, v in payload.items() if k != "case_id"})
    except ValidationError:
        raise InvalidPayload(
            "expected {case_id: RMA, verdict: accept|reject|request_goods|transfer_sent, deduction: grosze, "
            "reason: text, remedy: repair|replacement|price_reduction|withdrawal, amount: grosze, "
            "transferred_on: date}"
        ) from None
    applied_to = replays.seen(DECISION_ROUTE, msg_id)
    if applied_to is not None and applied_to != rma:
        raise InvalidPayload("this message id was used for another decision")
    if applied_to is not None:  # this very message was applied: its answer again, nothing changes
        return str(_case(rma, None).get("status") or "")
    marker = replays.marker(DECISION_ROUTE, msg_id, rma, ctx.now)

    def decided(fresh: bool) -> Effect:
        if decision.verdict is Verdict.TRANSFER_SENT:
            assert decision.transferred_on is not None  # CaseDecision requires it
            effect = refunds.confirm_transfer(rma, decision.transferred_on, ctx, fresh)
        else:
            effect = cases.decide(rma, decision, ctx, fresh)
        return effect.write(marker, Guard.DUPLICATE)

    try:
        effect = bus.run(decided, ctx)
    except InvalidPayload:
        if decision.verdict is Verdict.TRANSFER_SENT:
            raise
        case = case_store.get(rma)
        if case is None or not stands(case, decision):
            raise
        return str(case["status"])  # this decision stands already (a retried delivery): the same answer
    return str(_case(rma, None).get("status") or effect.outcome)
