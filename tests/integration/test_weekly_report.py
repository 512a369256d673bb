"""The weekly report against moto: read from the week buckets (no Scan), one raw e-mail with the CSV,
once per week whatever retries or second runs happen."""

from __future__ import annotations

import csv
import email
import io
from datetime import UTC, datetime, timedelta
from email import policy
from zoneinfo import ZoneInfo

import pytest

from sla_sweeper.app import lambda_handler
from tests import usecases
from zwrotnica.domain.weeks import previous_week
from zwrotnica.flows import report
from zwrotnica.models.common import iso
from zwrotnica.models.outbox import Channel, OutboxMessage
from zwrotnica.models.ticket import (
    TicketCategory,
    TicketChannel,
    TicketEvent,
    TicketEventKind,
    TicketRequest,
    TicketStatus,
)
from zwrotnica.notify import sender
from zwrotnica.settings import get_settings
from zwrotnica.store import outbox, table, tickets
from zwrotnica.store import report as report_store

pytestmark = pytest.mark.integration
W = ZoneInfo("Europe/Warsaw")
MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=W)  # the schedule's moment: reports 2026-W48


@pytest.fixture
def team(stack, monkeypatch):
    monkeypatch.setenv("REPORT_EMAIL", "zespol@example.com, szef@example.com")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def put(item: dict) -> None:
    table.client().put_item(TableName=table.table_name(), Item=table.to_item(item))


def seed_week() -> str:
    opened = datetime(2026, 11, 23, 9, 0, tzinfo=W)
    ticket_id, _ = usecases.open_ticket(
        TicketRequest(
            order_number="1001",
            channel=TicketChannel.EMAIL,
            category=TicketCategory.DELIVERY,
            subject="Gdzie jest paczka?",
            note="Klient pyta o paczkę.",
            source_ref="report-1",
            at=opened,
        )
    )
    reply = TicketEvent(at=opened + timedelta(hours=2), kind=TicketEventKind.AGENT_REPLY)
    usecases.record_event(ticket_id, reply, opened + timedelta(hours=2))
    solved = TicketEvent(
        at=opened + timedelta(hours=5), kind=TicketEventKind.STATUS, status=TicketStatus.SOLVED
    )
    usecases.record_event(ticket_id, solved, opened + timedelta(hours=5))
    usecases.open_ticket(
        TicketRequest(
            channel=TicketChannel.CHAT,
            category=TicketCategory.PRODUCT_QUESTION,
            subject="Czy kurtka jest wodoodporna?",
            note="Z czatu.",
            source_ref="report-2",
            at=opened + timedelta(days=1),
        )
    )
    for n, sent in ((1, True), (2, False)):
        message = shipped_message(f"report-msg-{n}", opened)
        table.client().transact_write_items(TransactItems=[outbox.put_new(message)])
        if sent:
            outbox.mark_sent(message, opened, "ses-1")
    put(
        {
            "pk": "ORDER#1001",
            "sk": "SHIPMENT#inpost#123456789",
            "type": "shipment",
            "carrier": "inpost",
            "status": "DELAYED",
            "last_event_at": iso(opened + timedelta(days=1)),
        }
    )
    put(
        {
            "pk": "ORDER#1001",
            "sk": "CASE#ZW-2026-000001",
            "type": "case",
            "kind": "withdrawal",
            "reason": "wrong_size",
            "received_at": iso(opened + timedelta(days=2)),
        }
    )
    return ticket_id


def shipped_message(key: str, created: datetime) -> OutboxMessage:
    return OutboxMessage(
        dedup_key=key,
        order_number="1001",
        channel=Channel.EMAIL,
        template="shipment_shipped",
        recipient="anna.kowalska@example.com",
        subject="Paczka w drodze",
        text="Paczka w drodze.",
        created_at=created,
        due_at=created,
    )


def attachment_rows(raw: str) -> tuple[email.message.EmailMessage, list[list[str]]]:
    mime = email.message_from_string(raw, policy=policy.default)
    parts = {part.get_filename(): part for part in mime.iter_attachments()}
    data = parts["raport-2026-W48.csv"].get_content()
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")
    return mime, list(csv.reader(io.StringIO(text), delimiter=";"))


def test_items_carry_their_week_bucket(stack):
    ticket_id = seed_week()
    assert tickets.get(ticket_id)["gsi1pk"] == "TICKETWEEK#2026-W48"
    assert {m["order_number"] for m in report_store.messages_created("2026-W48")} == {"1001"}


def test_one_raw_email_with_the_csv_and_nothing_on_the_second_run(team, sent, monkeypatch):
    seed_week()
    monkeypatch.setattr(table.client(), "scan", lambda **_: pytest.fail("the report must not Scan"))
    first = report.send_weekly(MONDAY)
    assert first["sent"] is True and first["week"] == "2026-W48"
    assert len(sent.emails) == 1
    message = sent.emails[0]
    assert set(message.destinations) == {"szef@example.com", "zespol@example.com"}
    mime, rows = attachment_rows(message.raw_data)
    assert mime["Subject"] == "Sklep: raport tygodniowy 2026-W48 (23.11–29.11.2026)"
    html = mime.get_body(("html",)).get_content()
    assert "<svg" in html and "Zgłoszenia według kanału" in html
    assert "Podsumowanie" in mime.get_body(("plain",)).get_content()
    assert ["Podsumowanie", "Razem", "Otwarte", "2"] in rows
    assert ["Podsumowanie", "Razem", "Rozwiązane", "1"] in rows
    assert ["Podsumowanie", "Razem", "1. odp. mediana", "2,00"] in rows
    assert ["Podsumowanie", "Razem", "Rozwiązanie mediana", "5,00"] in rows
    # Template keys and carrier ids in Polish: "paczka nadana", the carrier's proper name.
    assert ["Wiadomości wysłane z wyprzedzeniem", "paczka nadana", "Wysłane", "1"] in rows
    assert ["Przewoźnicy", "InPost", "Opóźnienia na 100", "100,0"] in rows
    assert ["Zwroty i reklamacje", "powód: zły rozmiar", "Liczba", "1"] in rows
    # a retried schedule, or a second run, in the same week
    assert report.send_weekly(MONDAY + timedelta(minutes=3)) == {
        "week": "2026-W48",
        "sent": False,
        "reason": "already_sent",
    }
    assert len(sent.emails) == 1
    assert report_store.get("2026-W48")["status"] == "sent"


def test_a_failed_send_is_retried_by_the_next_run(team, sent, monkeypatch):
    real, calls = sender.send_report, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("SES said no")
        return real(*args, **kwargs)

    monkeypatch.setattr(sender, "send_report", flaky)
    with pytest.raises(RuntimeError):
        report.send_weekly(MONDAY)
    assert report_store.get("2026-W48")["status"] == "failed" and sent.emails == []
    assert report.send_weekly(MONDAY + timedelta(minutes=1))["sent"] is True
    assert len(sent.emails) == 1 and len(calls) == 2


def test_no_recipient_no_email_and_the_week_stays_open(stack, sent):
    assert report.send_weekly(MONDAY)["reason"] == "no_recipients"
    assert sent.emails == [] and report_store.get("2026-W48") is None


def test_the_schedule_input_runs_the_report_not_the_sweep(team, sent, context):
    answer = lambda_handler({"task": "weekly_report"}, context)
    assert answer["sent"] is True and answer["week"] == previous_week(datetime.now(UTC))
    assert len(sent.emails) == 1 and "escalated" not in answer


def test_a_message_bucketed_at_its_creation_before_issue_19_counts_as_sent_once_it_is(stack):
    """Before issue 19 every message joined MSGWEEK when it was created, and the index projected its
    status; now the bucket holds sent messages and a message's status is not projected: one still
    pending from before counts only once it is sent (it has sent_at then)."""
    opened = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    message = shipped_message("before-19", opened)
    old = outbox.put_new(message)
    old["Put"]["Item"] |= table.to_item({"gsi1pk": "MSGWEEK#2026-W48", "gsi1sk": iso(opened)})
    table.client().transact_write_items(TransactItems=[old])
    [pending] = report_store.messages_created("2026-W48")
    assert pending.get("status") != "sent"
    outbox.mark_sent(message, opened, "ses-1")
    [sent] = report_store.messages_created("2026-W48")
    assert (sent["status"], sent["template"], sent["order_number"]) == ("sent", "shipment_shipped", "1001")
