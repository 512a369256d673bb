"""Order numbers as shops write them (slashes, dots, Polish letters) through every route: the key they are
stored under, the status link in the e-mail (JSON and HTML), the return form (lookup, submit, the team's
decision), POST /tickets and the operator CLI.

The expected tokens are written out by hand from the rule (RFC 3986 unreserved characters stand for
themselves, every other character is its UTF-8 bytes as ~XX), not computed by the encoder under test."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import pytest

from infra.cli import main as cli
from order_status.app import lambda_handler as orders
from return_form.app import lambda_handler as returns_app
from sla_sweeper.app import lambda_handler as sweeper_app
from tests import usecases
from tests.factories import api_event, decision_webhook, delivered, woo_order, woo_webhook
from tests.integration.test_tickets import signed_ticket
from zwrotnica.store import cases, tickets
from zwrotnica.store.table import client, from_item, table_name, to_item

pytestmark = pytest.mark.integration
EMAIL = "anna.kowalska@example.com"
TOKENS = {
    "ZAM/2026/52020": "ZAM~2F2026~2F52020",
    "A.B-1": "A.B-1",
    "Zamówienie-Łódź/7": "Zam~C3~B3wienie-~C5~81~C3~B3d~C5~BA~2F7",
}
NUMBERS = list(TOKENS)


def place(context, number: str) -> None:
    assert orders(woo_webhook(woo_order(number)), context)["statusCode"] == 200


def status(context, token: str, query: str = "", accept: str = "application/json") -> dict:
    return orders(
        api_event("GET", f"/orders/{token}/status", query=query, headers={"accept": accept}), context
    )


def partition(pk: str) -> list[dict]:
    page = client().query(
        TableName=table_name(),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues=to_item({":pk": pk}),
    )
    return [from_item(i) for i in page["Items"]]


def status_link(sent, number: str) -> tuple[str, str]:
    """(path, query) of the status link in the order's confirmation e-mail."""
    [email] = [e for e in sent.emails if e.subject == f"Otrzymaliśmy Twoje zamówienie nr {number}"]
    url = re.search(r'https://sklep\.example\.com/api(/orders/[^"?]+/status)\?([^"]+)"', email.body)
    return url.group(1), url.group(2).replace("&amp;", "&")


@pytest.mark.parametrize("number", NUMBERS)
def test_the_status_link_in_the_email_opens_the_order_as_json_and_html(stack, context, sent, number):
    place(context, number)
    [order] = [i for i in partition(f"ORDER#{TOKENS[number]}") if i["sk"] == "ORDER"]
    assert order["number"] == number

    path, query = status_link(sent, number)
    assert path == f"/orders/{TOKENS[number]}/status"
    answer = orders(api_event("GET", path, query=query, headers={"accept": "application/json"}), context)
    assert answer["statusCode"] == 200, answer["body"]
    assert json.loads(answer["body"])["order_number"] == number
    page = orders(api_event("GET", path, query=query, headers={"accept": "text/html"}), context)
    assert page["statusCode"] == 200 and f"Zamówienie nr {number}" in page["body"]
    by_email = status(context, TOKENS[number], "email=" + quote(EMAIL))
    assert by_email["statusCode"] == 200 and json.loads(by_email["body"])["order_number"] == number


@pytest.mark.parametrize(
    "token",
    [
        "ZAM~2f2026~2f52020",  # lower-case hex: not what the encoder writes
        "~41~42-1",  # letters escaped that stand for themselves
        ".B-1",  # a leading dot is always escaped
        "Zam~C3wienie",  # half a UTF-8 character
    ],
)
def test_a_token_the_encoder_never_writes_is_answered_like_an_unknown_order(stack, context, token):
    place(context, "ZAM/2026/52020")
    unknown = status(context, "ZAM~2F2026~2F99999", "email=" + quote(EMAIL))
    answer = status(context, token, "email=" + quote(EMAIL))
    assert (answer["statusCode"], answer["body"]) == (404, unknown["body"])
    html = status(context, token, "email=" + quote(EMAIL), accept="text/html")
    assert html["statusCode"] == 404 and "Nie znaleźliśmy zamówienia" in html["body"]


def test_a_path_with_a_raw_slash_or_percent_escape_is_refused_before_any_read(stack, context):
    for raw in ("ZAM%2F2026%2F52020", "1001%3Cscript%3E"):
        answer = status(context, raw, "email=" + quote(EMAIL))
        assert answer["statusCode"] == 422
        assert json.loads(answer["body"])["errors"] == [
            {"loc": ["path", "order_number"], "type": "string_pattern_mismatch"}
        ]


def form_post(context, fields: dict) -> dict:
    return returns_app(
        api_event(
            "POST",
            "/returns",
            body=urlencode(fields),
            headers={"content-type": "application/x-www-form-urlencoded"},
        ),
        context,
    )


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def decide(context, rma: str, accept: bool, reason: str) -> dict:
    """The team's signed decision (its own secret; the body names its case: issue 12)."""
    payload = {"case_id": rma, "accept": accept, "reason": reason}
    return returns_app(decision_webhook(rma, payload, msg_id=f"dec-{rma}"), context)


@pytest.mark.parametrize("number", NUMBERS)
def test_the_return_form_finds_a_typed_number_and_the_team_decides_the_case(stack, context, sent, number):
    place(context, number)
    delivered(number, days_ago=3)
    typed = "  " + unicodedata.normalize("NFD", number) + " "  # as a customer's keyboard may send it
    details = form_post(context, {"step": "lookup", "order_number": typed, "email": EMAIL})
    assert details["statusCode"] == 200, details["body"][:500]
    fields = {
        "step": "submit",
        "order_number": typed,
        "email": EMAIL,
        "csrf": hidden(details["body"], "csrf"),
        "submission_key": hidden(details["body"], "submission_key"),
        "qty_CZAPKA-WEL": "1",
        "kind": "withdrawal",
        "reason": "wrong_size",
        "return_method": "paczkomat",
    }
    confirmation = form_post(context, fields)
    assert confirmation["statusCode"] == 201, confirmation["body"][:800]
    rma = re.search(r"zgłoszenie zwrotu nr (ZW-\d{4}-\d{6})", confirmation["body"]).group(1)
    assert cases.get(rma)["order_number"] == number
    assert [i["sk"] for i in partition(f"ORDER#{TOKENS[number]}") if i["sk"] == f"CASE#{rma}"]

    usecases.on_return_parcel(number, delivered=True, now=datetime.now(UTC))
    # A withdrawal is the customer's right (issue 14): the team accepts it (the refund follows)
    answer = decide(context, rma, True, "")
    assert answer["statusCode"] == 200 and json.loads(answer["body"])["status"] == "accepted"
    assert cases.get(rma)["status"] == "accepted"
    # The customer's status page shows the case under the order
    path, query = status_link(sent, number)
    view = json.loads(orders(api_event("GET", path, query=query), context)["body"])
    assert [c["case_id"] for c in view["cases"]] == [rma]


def test_the_return_forms_prefilled_link_takes_any_shop_number_up_to_64_characters(stack, context):
    longest = "ZAM/" + "Ż" * 60
    page = returns_app(api_event("GET", "/returns", query=urlencode({"order": longest})), context)
    assert page["statusCode"] == 200 and f'value="{longest}"' in page["body"]
    too_long = returns_app(api_event("GET", "/returns", query=urlencode({"order": longest + "1"})), context)
    assert too_long["statusCode"] == 422


def test_tickets_and_the_cli_carry_the_number_as_the_shop_wrote_it(stack, context, sent, capsys):
    for i, number in enumerate(NUMBERS):
        place(context, number)
        payload = {
            "channel": "chat",
            "category": "delivery",
            "subject": "Gdzie paczka?",
            "order_number": number,
        }
        answer = sweeper_app(signed_ticket(payload, f"msg_nr_{i}"), context)
        assert answer["statusCode"] == 201, answer["body"]
        ticket = tickets.get(json.loads(answer["body"])["ticket_id"])
        assert ticket["order_number"] == number
        assert [i for i in partition(f"ORDER#{TOKENS[number]}") if i["sk"] == "OPENTICKET#delivery"]
    assert cli.main(["tickets", "list"]) == 0
    listed = capsys.readouterr().out
    assert all(number in listed for number in NUMBERS)
    refused = sweeper_app(signed_ticket({**payload, "order_number": "ZAM\n2026"}, "msg_nr_bad"), context)
    assert refused["statusCode"] == 422


def test_cli_decides_a_case_on_an_order_with_polish_letters_in_its_number(stack, context, capsys):
    number = "Zamówienie-Łódź/7"
    place(context, number)
    payload = {
        "order_number": number,
        "email": EMAIL,
        "items": {"CZAPKA-WEL": 1},
        "kind": "complaint",  # the team may reject a complaint (a withdrawal is the customer's right)
        "description": "Szew się pruje.",
        "demand": "repair",
        "return_method": "paczkomat",
        "submission_key": "cli-polish-number",
    }
    answer = returns_app(
        api_event("POST", "/returns", body=json.dumps(payload), headers={"content-type": "application/json"}),
        context,
    )
    assert answer["statusCode"] == 201, answer["body"]
    created = json.loads(answer["body"])
    assert created["status_url"].startswith(
        f"https://sklep.example.com/api/orders/{TOKENS[number]}/status?t="
    )
    rma = created["case_id"]
    usecases.on_return_parcel(number, delivered=True, now=datetime.now(UTC))
    assert cli.main(["cases", "reject", rma, "--reason", "Towar nosi ślady użytkowania."]) == 0
    assert cases.get(rma)["status"] == "rejected" and cases.get(rma)["order_number"] == number
