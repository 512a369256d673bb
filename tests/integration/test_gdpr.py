"""RODO requests by e-mail (flows.gdpr, operator CLI `gdpr export|erase`), in-process against moto."""

from __future__ import annotations

import builtins
import copy
import json
from datetime import UTC, datetime

import pytest

from infra.cli import main as cli
from order_status.app import lambda_handler as orders
from return_form.app import lambda_handler as returns_app
from tests import usecases
from tests.factories import api_event, load_event, woo_order, woo_webhook
from zwrotnica.domain.retention import ACCOUNTING, CASE_CLAIM, CASE_OPEN, ERASED, ORDER_OPEN
from zwrotnica.errors import OrderNotFound
from zwrotnica.flows import gdpr
from zwrotnica.flows import orders as order_flow
from zwrotnica.models.ticket import TicketCategory, TicketChannel, TicketRequest
from zwrotnica.store import gdpr as gdpr_store
from zwrotnica.store import tickets

pytestmark = pytest.mark.integration
BASE = "https://sklep.example.com/api"
ANNA = "anna.kowalska@example.com"
JAN = "jan.nowak@example.com"
ACCOUNT = "61109010140000071219812874"


def jan_order(number: str = "2002") -> dict:
    billing = copy.deepcopy(load_event("woocommerce/order_created.json")["billing"])
    billing |= {"first_name": "Jan", "last_name": "Nowak", "email": JAN, "phone": "600 300 400"}
    return woo_order(number, billing=billing)


def open_case(context, number: str = "1001") -> str:
    """Anna's COD order and a complaint demanding her money back (a bank account: cash on delivery)
    through the return form's JSON API (as in test_cases)."""
    assert orders(woo_webhook(woo_order(number, payment_method="cod")), context)["statusCode"] == 200
    payload = {
        "order_number": number,
        "email": ANNA,
        "items": {"CZAPKA-WEL": 1},
        "kind": "complaint",
        "demand": "withdrawal",
        "return_method": "paczkomat",
        "submission_key": f"gdpr-{number}",
        "bank_account": ACCOUNT,
        "description": "Nie pasuje, proszę o zwrot.",
    }
    answer = returns_app(
        api_event("POST", "/returns", body=json.dumps(payload), headers={"content-type": "application/json"}),
        context,
    )
    assert answer["statusCode"] == 201, answer["body"]
    return json.loads(answer["body"])["case_id"]


def ticket_on(order: str, ref: str) -> str:
    ticket_id, _ = usecases.open_ticket(
        TicketRequest(
            order_number=order,
            channel=TicketChannel.EMAIL,
            category=TicketCategory.DELIVERY,
            subject="Pytanie klientki o paczkę",
            note="Klientka pyta, kiedy paczka.",
            source_ref=ref,
            at=datetime.now(UTC),
        )
    )
    return ticket_id


def close_everything(context, rma: str) -> None:
    """The shop completes the order; the parcel comes back and the team rejects the complaint (settled)."""
    done = woo_order("1001", payment_method="cod", status="completed", modified="2026-11-28T10:00:00")
    assert orders(woo_webhook(done, topic="order.updated"), context)["statusCode"] == 200
    now = datetime.now(UTC)
    assert usecases.on_return_parcel("1001", delivered=True, now=now, base_url=BASE) == [rma]
    usecases.decide(rma, {"verdict": "reject", "reason": "Towar nosi ślady użytkowania."}, now, BASE)


@pytest.fixture
def customers(stack, context, sent) -> dict[str, str]:
    rma = open_case(context)
    assert orders(woo_webhook(jan_order()), context)["statusCode"] == 200
    anna_ticket, jan_ticket = ticket_on("1001", "gdpr-anna"), ticket_on("2002", "gdpr-jan")
    for ticket_id in (anna_ticket, jan_ticket):
        usecases.reply(ticket_id, "Paczka jest w drodze.", datetime.now(UTC))
        usecases.solve(ticket_id, datetime.now(UTC))
    return {"rma": rma, "anna_ticket": anna_ticket, "jan_ticket": jan_ticket}


def by_sk(number: str) -> dict[str, dict]:
    return {i["sk"]: i for i in gdpr_store.partition(number)}


def test_the_scan_finds_only_that_address_and_the_tickets_on_its_orders(customers):
    found = gdpr_store.find("  Anna.Kowalska@example.com ")  # typed with capitals and spaces
    # Her tickets: the one she wrote, and the complaint's own (its legal answer deadline).
    complaint_ticket = tickets.ticket_id_for(f"case:{customers['rma']}")
    assert found.orders == ["1001"] and sorted(found.tickets) == sorted(
        [customers["anna_ticket"], complaint_ticket]
    )
    assert found.pages >= 1 and found.scanned > len(by_sk("1001"))  # it read the whole table
    assert gdpr_store.find("nikt@example.com").orders == []


def test_export_has_the_order_the_case_the_messages_and_the_tickets_in_clear(customers):
    document = json.loads(json.dumps(gdpr.export(ANNA, datetime.now(UTC)), ensure_ascii=False))
    [order] = document["orders"]
    assert order["order_number"] == "1001" and order["order"]["email"] == ANNA
    assert order["order"]["customer_name"] == "Anna Kowalska" and order["order"]["phone"] == "+48600100200"
    [case] = order["cases"]
    assert case["case_id"] == customers["rma"] and case["bank_account"] == "PL" + ACCOUNT
    templates = {m["template"] for m in order["messages"]}
    assert {"case_submitted", "ticket_reply"} <= templates
    assert all(m["recipient"] == ANNA and m["text"] for m in order["messages"])
    assert order["timeline"] and all("gsi1pk" not in m and "pk" not in m for m in order["messages"])
    complaint_ticket = tickets.ticket_id_for(f"case:{customers['rma']}")
    assert sorted(t["ticket_id"] for t in document["tickets"]) == sorted(
        [customers["anna_ticket"], complaint_ticket]
    )
    assert any(r["why"] == ORDER_OPEN for r in document["retention"])  # art. 15(1)(d): how long and why
    text = json.dumps(document, ensure_ascii=False)
    assert JAN not in text and "Nowak" not in text and "+48600300400" not in text


def test_erase_while_the_order_and_the_case_are_open_keeps_what_they_need(customers):
    _, result = gdpr.erase(ANNA, datetime.now(UTC))
    items = by_sk("1001")
    assert items["ORDER"]["email"] == ANNA and items["ORDER"]["phone"] == "+48600100200"  # being fulfilled
    case = items[f"CASE#{customers['rma']}"]
    assert case["bank_account"] == "PL" + ACCOUNT and case["description"]  # the refund is owed
    messages = [i for i in items.values() if i.get("type") == "message"]
    case_messages = [m for m in messages if m["dedup_key"].startswith("case:")]
    others = [m for m in messages if not m["dedup_key"].startswith("case:")]
    assert case_messages and all(m["recipient"] == ANNA for m in case_messages)  # the durable copy
    assert others and all(m["recipient"] == ERASED and m["text"] == ERASED for m in others)
    reasons = {k.reason for v in result.kept for k in v.kept}
    assert ORDER_OPEN in reasons and CASE_OPEN.format(rma=customers["rma"]) in reasons
    assert order_flow.read_status("1001", email=ANNA, phone=None, token=None, now=datetime.now(UTC))


def test_erase_after_everything_closed_anonymises_and_lists_what_the_law_keeps(customers, context):
    close_everything(context, customers["rma"])
    jan_before = by_sk("2002") | {"ticket": tickets.get(customers["jan_ticket"])}
    plan, result = gdpr.erase(ANNA, datetime.now(UTC))
    assert plan.orders == ["1001"] and not result.changed_meanwhile

    items = by_sk("1001")
    order = items["ORDER"]
    assert order["email"] == "" and "phone" not in order and order["customer_name"] == ERASED
    assert set(order["delivery"]) <= {"method", "point_id", "point_carrier", "shipping_cost"}
    assert order["items"] and order["total"] and order["number"] == "1001"  # the accounting record stays
    case = items[f"CASE#{customers['rma']}"]
    assert "bank_account" not in case  # settled: the refund is not owed
    assert case["description"] == "Nie pasuje, proszę o zwrot." and case["status"] == "rejected"
    for message in (i for i in items.values() if i.get("type") == "message"):
        held = message["dedup_key"].startswith(f"case:{customers['rma']}:")
        assert (message["recipient"] == ANNA) is held, message["template"]
    ticket = tickets.get(customers["anna_ticket"])
    assert ticket["subject"] == ERASED and all(n["text"] == ERASED for n in ticket["notes"])

    kept = {(row["item"], row["why"]): row["until"] for row in result.kept_rows()}
    assert kept[("order 1001", ACCOUNTING)] == "2032-12-31"  # sold 2026-11-20 (polish-law 4.6, 4.8)
    assert kept[(f"case {customers['rma']}", CASE_CLAIM)] == f"{datetime.now(UTC).year + 6}-12-31"  # 4.9
    assert (f"case {customers['rma']}", ACCOUNTING) not in kept  # rejected: no refund was paid
    with pytest.raises(OrderNotFound):
        order_flow.read_status("1001", email=ANNA, phone=None, token=None, now=datetime.now(UTC))
    with pytest.raises(OrderNotFound):
        order_flow.read_status("1001", email=None, phone="600 100 200", token=None, now=datetime.now(UTC))
    assert by_sk("2002") | {"ticket": tickets.get(customers["jan_ticket"])} == jan_before  # untouched
    assert gdpr_store.find(ANNA).orders == []  # nothing left that the address finds


def test_cli_erase_asks_first_and_never_prints_another_customers_data(
    customers, context, capsys, monkeypatch
):
    close_everything(context, customers["rma"])
    monkeypatch.setattr(builtins, "input", lambda prompt: "no")
    assert cli.main(["gdpr", "erase", ANNA]) == 1
    out = capsys.readouterr().out
    assert "To erase:" in out and "order 1001" in out and "Nothing changed." in out
    assert by_sk("1001")["ORDER"]["email"] == ANNA  # the answer was no

    assert cli.main(["gdpr", "erase", ANNA, "--yes"]) == 0
    out = capsys.readouterr().out
    assert "Done:" in out and "Kept" in out and "polish-law 4.9" in out and "4.6, 4.8" in out
    assert by_sk("1001")["ORDER"]["email"] == ""
    for other in (JAN, "Nowak", "order 2002", customers["jan_ticket"], ANNA):
        assert other not in out
    assert cli.main(["gdpr", "erase", ANNA, "--yes"]) == 0
    assert "nothing to erase" in capsys.readouterr().out


def test_cli_export_writes_the_document_for_the_data_subject(customers, capsys, tmp_path):
    target = tmp_path / "anna.json"
    assert cli.main(["gdpr", "export", ANNA, "--out", str(target)]) == 0
    out = capsys.readouterr().out
    assert "1 order(s), 2 ticket(s)" in out and ANNA not in out  # hers and her complaint's
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["orders"][0]["order"]["email"] == ANNA and JAN not in target.read_text(encoding="utf-8")
    assert cli.main(["gdpr", "export", ANNA]) == 0
    assert json.loads(capsys.readouterr().out)["orders"][0]["order_number"] == "1001"  # stdout: JSON only


def test_export_shows_a_courier_payload_stored_compressed_as_text_and_erase_removes_it(stack, context):
    """Issue 19: a courier event's line keeps the carrier's payload zlib-compressed (data.raw_z)."""
    from courier_webhook.app import lambda_handler as couriers
    from tests.factories import PARCEL, inpost_webhook, woo_order_shipped

    assert orders(woo_webhook(woo_order_shipped("3003", PARCEL)), context)["statusCode"] == 200
    event = inpost_webhook("taken_by_courier", number=PARCEL, at="2026-11-23 09:00:00 +0100")
    assert couriers(event, context)["statusCode"] == 200
    document = json.loads(json.dumps(gdpr.export(ANNA, datetime.now(UTC)), ensure_ascii=False))
    [line] = [t for t in document["orders"][0]["timeline"] if t["kind"] == "shipment"]
    assert "raw_z" not in line["data"]
    assert json.loads(line["data"]["raw"])["payload"] == {
        "shipment_id": 1592329201,
        "tracking_number": PARCEL,
        "status": "taken_by_courier",
    }
    done = woo_order_shipped("3003", PARCEL, status="completed", modified="2026-11-20T15:00:00")
    assert orders(woo_webhook(done, topic="order.updated"), context)["statusCode"] == 200
    gdpr.erase(ANNA, datetime.now(UTC))
    [stored] = [i for i in gdpr_store.partition("3003") if i.get("kind") == "shipment"]
    assert (
        set(stored["data"]) & {"raw", "raw_z"} == set() and stored["data"]["raw_code"] == "taken_by_courier"
    )
