"""The operator CLI, in-process against moto: every command changes what it says it changes."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import boto3
import pytest

from infra import template
from infra.cli import env as cli_env
from infra.cli import main as cli
from order_status.app import lambda_handler as orders
from return_form.app import lambda_handler as returns_app
from tests import usecases
from tests.factories import api_event, woo_order, woo_webhook
from zwrotnica.domain.weeks import week_key
from zwrotnica.models.outbox import Channel, OutboxMessage
from zwrotnica.models.ticket import TicketCategory, TicketChannel, TicketPriority, TicketRequest
from zwrotnica.store import cases, outbox, table, tickets

pytestmark = pytest.mark.integration


def run(capsys, *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    return code, capsys.readouterr().out


def open_ticket(
    ref: str, category=TicketCategory.DELIVERY, order: str | None = "1001", days_ago: float = 1
) -> str:
    ticket_id, created = usecases.open_ticket(
        TicketRequest(
            order_number=order,
            channel=TicketChannel.EMAIL,
            category=category,
            priority=TicketPriority.NORMAL,
            subject="Gdzie jest paczka?",
            note="Klient pyta o paczkę.",
            source_ref=ref,
            at=datetime.now(UTC) - timedelta(days=days_ago),
        )
    )
    assert created
    return ticket_id


@pytest.fixture
def order(stack, context) -> str:
    assert orders(woo_webhook(woo_order("1001")), context)["statusCode"] == 200
    return "1001"


def test_list_filters_on_breached_and_team(stack, capsys):
    late = open_ticket("cli-late", days_ago=6)
    fresh = open_ticket("cli-fresh", category=TicketCategory.PAYMENT, order="1002", days_ago=0)
    table.client().update_item(  # what the sweeper's breach step sets
        TableName=table.table_name(),
        Key=table.to_item({"pk": f"TICKET#{late}", "sk": "TICKET"}),
        UpdateExpression="SET breached = :t",
        ExpressionAttributeValues=table.to_item({":t": True}),
    )
    code, out = run(capsys, "tickets", "list")
    assert code == 0 and late in out and fresh in out
    _, out = run(capsys, "tickets", "list", "--breached")
    assert late in out and fresh not in out
    _, out = run(capsys, "tickets", "list", "--team", "finance")
    assert fresh in out and late not in out


def test_show_prints_fields_clocks_and_history(stack, capsys):
    ticket_id = open_ticket("cli-show")
    code, out = run(capsys, "tickets", "show", ticket_id)
    assert code == 0 and f"Ticket {ticket_id}" in out
    assert "first_reply" in out and "logistics / delivery" in out and "opened" in out
    assert run(capsys, "tickets", "show", "TK-NOPE")[0] == 1


def test_reply_records_the_reply_and_emails_the_customer_once(order, sent, capsys):
    ticket_id = open_ticket("cli-reply")
    before = len(sent.emails)
    code, out = run(
        capsys, "tickets", "reply", ticket_id, "--text", "Paczka jest już w drodze.\n\nPozdrawiam"
    )
    assert code == 0 and "first reply recorded" in out
    assert len(sent.emails) == before + 1
    mail = sent.emails[-1]
    assert mail.destinations["ToAddresses"] == ["anna.kowalska@example.com"]
    assert ticket_id in mail.subject and "Paczka jest już w drodze." in mail.body
    ticket = tickets.get(ticket_id)
    assert ticket["status"] == "open" and [e["kind"] for e in ticket["history"]] == ["opened", "agent_reply"]
    [message] = [m for m in outbox.list_for_order("1001") if m.template == "ticket_reply"]
    assert message.status.value == "sent"
    _, out = run(capsys, "tickets", "reply", ticket_id, "--text", "Jeszcze jedno.")
    assert "next reply recorded" in out and len(sent.emails) == before + 2


def test_reply_without_an_order_is_recorded_but_not_emailed(stack, sent, capsys):
    ticket_id = open_ticket("cli-no-order", order=None)
    code, out = run(capsys, "tickets", "reply", ticket_id, "--text", "Odpowiedzieliśmy na czacie.")
    assert code == 0 and "No e-mail" in out and sent.emails == []
    assert tickets.get(ticket_id)["history"][-1]["kind"] == "agent_reply"


def test_pending_and_solve_change_status_and_the_queue(stack, capsys):
    ticket_id = open_ticket("cli-status")
    run(capsys, "tickets", "pending", ticket_id, "--on", "courier")
    assert tickets.get(ticket_id)["status"] == "pending_third_party"
    run(capsys, "tickets", "pending", ticket_id)
    assert tickets.get(ticket_id)["status"] == "pending_customer"
    code, out = run(capsys, "tickets", "solve", ticket_id)
    solved = tickets.get(ticket_id)
    assert code == 0 and solved["status"] == "solved" and "queue" not in solved and "due_at" not in solved
    # the order's "one open delivery ticket" lock is free again: the next problem is a new ticket
    assert open_ticket("cli-status-next") != ticket_id
    _, out = run(capsys, "tickets", "list")
    assert ticket_id not in out
    _, out = run(capsys, "tickets", "list", "--all")
    assert ticket_id in out


def test_report_print_and_send_once(stack, sent, capsys, tmp_path):
    open_ticket("cli-report", days_ago=0)
    week = week_key(datetime.now(UTC))
    code, out = run(capsys, "report", "weekly", "--print", "--week", week, "--csv", str(tmp_path / "r.csv"))
    assert code == 0 and "Zgłoszenia według kanału" in out and sent.emails == []
    assert (tmp_path / "r.csv").read_bytes().startswith("\ufeffsekcja;".encode())
    _, out = run(capsys, "report", "weekly", "--send", "--week", week, "--to", "zespol@example.com")
    assert "sent" in out and len(sent.emails) == 1
    _, out = run(capsys, "report", "weekly", "--send", "--week", week, "--to", "zespol@example.com")
    assert "already sent" in out and len(sent.emails) == 1


def test_outbox_retry_sends_what_is_due(order, sent, capsys):
    now = datetime.now(UTC)
    message = OutboxMessage(
        dedup_key="cli-retry",
        order_number="1001",
        channel=Channel.EMAIL,
        template="order_received",
        recipient="anna.kowalska@example.com",
        subject="Test",
        text="Test.",
        created_at=now,
        due_at=now - timedelta(minutes=1),
    )
    table.write_one(outbox.put_new(message))
    before = len(sent.emails)
    code, out = run(capsys, "outbox", "retry")
    assert code == 0 and "Outbox: 1 sent" in out and len(sent.emails) == before + 1


def test_where_options_before_or_after_the_command_and_local_names_match_bootstrap(stack):
    assert cli.parser().parse_args(["tickets", "list", "--local"]).local is True
    assert cli.parser().parse_args(["--local", "tickets", "list"]).local is True
    assert cli.parser().parse_args(["tickets", "list"]).local is False
    names = cli_env.local_names(template.load())
    assert {k: stack[k] for k in names} == names  # the names `make run`'s bootstrap really creates


def test_aws_mode_reads_the_stack_and_lets_the_environment_win(stack, monkeypatch):
    parameters = {"TeamEmail": "zespol@example.com", "ShopName": "Sklep Ząb", "EmailDomain": "sklep.pl"}
    body = {
        "Parameters": {name: {"Type": "String", "Default": ""} for name in template.load()["Parameters"]},
        "Resources": {
            "ZwrotnicaTable": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                    "BillingMode": "PAY_PER_REQUEST",
                },
            },
            "ZwrotnicaSecrets": {"Type": "AWS::SNS::Topic"},  # moto's CloudFormation has no Secrets Manager
            "TeamTopic": {"Type": "AWS::SNS::Topic"},
            "LabelsBucket": {"Type": "AWS::S3::Bucket"},
        },
        "Outputs": {"ApiUrl": {"Value": "https://abc.execute-api.eu-central-1.amazonaws.com"}},
    }
    boto3.client("cloudformation").create_stack(
        StackName="zw",
        TemplateBody=json.dumps(body),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
    )
    saved = dict(os.environ)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", boto3.DEFAULT_SESSION)
    try:
        for key in ("TABLE_NAME", "TEAM_TOPIC_ARN", "EMAIL_FROM", "SHOP_NAME", "PUBLIC_BASE_URL"):
            os.environ.pop(key, None)
        os.environ["SHOP_NAME"] = "Nadpisany"
        cli_env.use_aws(None, "eu-central-1", "zw")
        assert os.environ["TABLE_NAME"].startswith("zw-ZwrotnicaTable")
        assert (
            os.environ["TEAM_TOPIC_ARN"].startswith("arn:aws:sns:eu-central-1:")
            and "TeamTopic" in os.environ["TEAM_TOPIC_ARN"]
        )
        assert os.environ["EMAIL_FROM"] == "@sklep.pl"  # EmailLocalPart left empty in this stack
        assert os.environ["REPORT_EMAIL"] == "zespol@example.com"
        assert os.environ["PUBLIC_BASE_URL"] == "https://abc.execute-api.eu-central-1.amazonaws.com"
        assert os.environ["SHOP_NAME"] == "Nadpisany"  # what the operator set wins
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_cases_reject_moves_a_delivered_case_once(stack, context, sent, capsys):
    assert orders(woo_webhook(woo_order("1001")), context)["statusCode"] == 200
    payload = {
        "order_number": "1001",
        "email": "anna.kowalska@example.com",
        "items": {"CZAPKA-WEL": 1},
        "kind": "complaint",
        "description": "Szew puścił po tygodniu.",
        "demand": "repair",
        "return_method": "paczkomat",
        "submission_key": "cli-case",
    }
    answer = returns_app(
        api_event("POST", "/returns", body=json.dumps(payload), headers={"content-type": "application/json"}),
        context,
    )
    rma = json.loads(answer["body"])["case_id"]
    usecases.on_return_parcel(
        "1001", delivered=True, now=datetime.now(UTC), base_url="https://sklep.example.com"
    )
    code, out = run(capsys, "cases", "reject", rma, "--reason", "Towar nosi ślady użytkowania.")
    assert code == 0 and "rejected" in out and cases.get(rma)["status"] == "rejected"
    assert run(capsys, "cases", "reject", rma, "--reason", "Jeszcze raz.")[0] == 1  # not waiting any more


def test_cases_accept_with_a_deduction_and_a_transfer_confirmed_with_its_date(stack, context, sent, capsys):
    assert orders(woo_webhook(woo_order("1002", payment_method="cod")), context)["statusCode"] == 200
    payload = {
        "order_number": "1002",
        "email": "anna.kowalska@example.com",
        "items": {"CZAPKA-WEL": 1},
        "kind": "withdrawal",
        "return_method": "paczkomat",
        "bank_account": "61109010140000071219812874",
        "submission_key": "cli-case-cod",
    }
    answer = returns_app(
        api_event("POST", "/returns", body=json.dumps(payload), headers={"content-type": "application/json"}),
        context,
    )
    rma = json.loads(answer["body"])["case_id"]
    usecases.on_return_parcel(
        "1002", delivered=True, now=datetime.now(UTC), base_url="https://sklep.example.com"
    )
    assert run(capsys, "cases", "reject", rma, "--reason", "Ślady.")[0] == 1  # a withdrawal: never rejected
    assert cases.get(rma)["status"] == "delivered_to_shop"
    code, out = run(capsys, "cases", "accept", rma, "--deduction", "250", "--reason", "Brak metki.")
    assert code == 0 and "accepted" in out
    assert (cases.get(rma)["deduction"], cases.get(rma)["refund_amount"]) == (250, 2000)
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Warsaw")).date().isoformat()
    code, out = run(capsys, "cases", "transfer", rma, "--on", today)
    assert code == 0 and "refund_ordered" in out and cases.get(rma)["refund_transferred_on"] == today
