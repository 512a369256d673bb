"""Text from outside is normalised where it enters and escaped for its medium where it leaves (issue 12,
defect 7): a SKU in the return form's HTML attributes, a Paczkomat id in an SMS, a ticket subject in the
operator's terminal."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest

from infra.cli import main as cli
from order_status.app import lambda_handler as orders
from return_form.app import lambda_handler as returns_app
from sla_sweeper.app import lambda_handler as sweeper
from tests.factories import api_event, delivered, tickets_webhook, woo_order, woo_webhook
from zwrotnica.messages import compose
from zwrotnica.store import cases, table, tickets
from zwrotnica.store import orders as order_store

pytestmark = pytest.mark.integration
ANNA = "anna.kowalska@example.com"
# What a pasted field or a hostile integration sends: an RTL override, a line break, NUL, zero-width
# characters, a BOM, an ANSI escape, a character in decomposed form (NFD "é").
DIRTY = "\u202eKRA\n010\x00\u200b\ufeff\x1b[31m"
FORBIDDEN = ["\u202e", "\n", "\r", "\x00", "\u200b", "\ufeff", "\x1b"]
SKU_ATTACK = 'X" autofocus onfocus="alert(1)" data-x="'


class Inputs(HTMLParser):
    """Every <input>'s attributes, as a browser reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: list[dict[str, str | None]] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if tag == "input":
            self.inputs.append(found)


def test_a_dirty_order_is_stored_clean(stack, context):
    order = woo_order("1001")
    order["billing"] = {**order["billing"], "first_name": "Anna\u202e\u200b", "last_name": "Kowalska\x00"}
    order["meta_data"] = [
        m if m["key"] != "_paczkomat_id" else {**m, "value": DIRTY} for m in order["meta_data"]
    ]
    order["line_items"][0]["sku"] = "KURTKA\u202e-ZIM\u200b-M\n"
    order["line_items"][1]["name"] = "Czapka Cafe\u0301\r\n"  # NFD é
    assert orders(woo_webhook(order), context)["statusCode"] == 200
    stored = order_store.load_view("1001").order
    assert stored["delivery"]["point_id"] == "KRA 010 [31M"  # upper-cased by the adapter, one clean line
    assert stored["customer_name"] == "Anna Kowalska"
    assert [i["sku"] for i in stored["items"]] == ["KURTKA-ZIM-M", "CZAPKA-WEL"]
    assert stored["items"][1]["name"] == "Czapka Caf\u00e9"  # NFC: one spelling
    for text in (stored["delivery"]["point_id"], stored["customer_name"], stored["items"][0]["sku"]):
        assert not any(bad in text for bad in FORBIDDEN), repr(text)


def test_an_sms_never_carries_breaks_nul_bidi_or_zero_width_characters(stack):
    message = compose.sms(
        dedup_key="t:1",
        order_number="1001",
        phone="+48600100200",
        template="shipment_ready_for_pickup",
        text=f"Paczka czeka w Paczkomacie {DIRTY}. Kod: 123456",
        now=datetime.now(UTC),
    )
    assert message is not None
    assert not any(bad in message.text for bad in FORBIDDEN), repr(message.text)
    assert message.text == "Paczka czeka w Paczkomacie KRA 010 [31m. Kod: 123456"


def test_a_sku_cannot_add_attributes_to_the_return_form(stack, context):
    order = woo_order("1001")
    order["line_items"][1]["sku"] = SKU_ATTACK
    assert orders(woo_webhook(order), context)["statusCode"] == 200
    delivered("1001", days_ago=2)
    headers = {"content-type": "application/x-www-form-urlencoded", "accept": "text/html"}
    lookup = {"step": "lookup", "order_number": "1001", "email": ANNA}
    page = returns_app(api_event("POST", "/returns", body=urlencode(lookup), headers=headers), context)
    assert page["statusCode"] == 200, page["body"][:300]
    parsed = Inputs()
    parsed.feed(page["body"])
    # No input got an attribute from the SKU; its field's name is the SKU, exactly, for the way back
    assert all("onfocus" not in i and "autofocus" not in i and "data-x" not in i for i in parsed.inputs)
    names = [i["name"] for i in parsed.inputs]
    assert f"qty_{SKU_ATTACK}" in names and "qty_KURTKA-ZIM-M" in names
    assert len(parsed.ids) == len(set(parsed.ids))  # every id once, the SKU's made of safe characters only
    field = next(i for i in parsed.inputs if i["name"] == f"qty_{SKU_ATTACK}")
    assert set(str(field["id"])) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-~")
    # And the form sends it back as the SKU: the case holds that item
    form = {i["name"]: i.get("value") or "" for i in parsed.inputs if i.get("type") == "hidden"}
    form |= {f"qty_{SKU_ATTACK}": "1", "kind": "withdrawal", "return_method": "paczkomat"}
    opened = returns_app(api_event("POST", "/returns", body=urlencode(form), headers=headers), context)
    assert opened["statusCode"] == 201, opened["body"][:500]
    [case] = order_store.load_view("1001").cases
    assert cases.get(case["case_id"])["items"] == {SKU_ATTACK: 1}


def _ticket(subject: str) -> dict:
    return tickets_webhook({"channel": "chat", "category": "other", "subject": subject}, "msg_ansi")


def test_a_ticket_subject_is_clean_in_the_table_and_never_raw_on_the_operators_terminal(
    stack, context, capsys
):
    # A helpdesk sends a subject that would clear the operator's screen and retitle the terminal
    subject = "Zwrot\x1b[2J\x1b]0;pwned\x07 \u202etxt.exe\r\nOK"
    answer = sweeper(_ticket(subject), context)
    assert answer["statusCode"] == 201, answer["body"]
    ticket_id = json.loads(answer["body"])["ticket_id"]
    stored = tickets.get(ticket_id)["subject"]
    assert stored == "Zwrot [2J ]0;pwned txt.exe OK"  # escapes gone, the text kept
    # A subject stored raw before the fix (or written by anything else) is still printed escaped
    table.client().update_item(
        TableName=table.table_name(),
        Key=table.to_item({"pk": f"TICKET#{ticket_id}", "sk": "TICKET"}),
        UpdateExpression="SET subject = :s",
        ExpressionAttributeValues=table.to_item({":s": subject}),
    )
    code = cli.main(["tickets", "show", ticket_id])
    shown = capsys.readouterr().out
    assert code == 0 and ticket_id in shown
    for bad in ("\x1b", "\x07", "\u202e", "\r"):
        assert bad not in shown, repr(bad)
    assert "Zwrot\\u001b[2J\\u001b]0;pwned\\u0007 \\u202etxt.exe\\u000d" in shown
