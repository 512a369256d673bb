"""Customers write in (issue 15), on moto: real MIME messages stored in S3 as SES's S3 action stores them,
the function invoked with the Lambda action's documented event (inbound-email.md §1.5), orders and parcels
made through the shop's and InPost's webhooks. Every path: the parcel answer and its deflection, a
follow-up on the thread, a complaint in law with the signed form, an HTML-only mail, an auto-reply, a
10 MB photo, a spoofed sender, a stranger naming someone's order, rate limits, a virus, POST /tickets with
a message, and the team's answer on the customer's thread.

What SES was asked to send is read from the SendEmail request itself (moto accepts Simple.Headers and
ReplyToAddresses but does not keep them: inbound-email.md §2)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import boto3
import pytest

from infra.local.bootstrap import DEV_SECRETS
from sla_sweeper.app import lambda_handler as sweeper
from tests.factories import tickets_webhook
from tests.integration.inbound_mail import (
    ANNA,
    BUCKET,
    DOMAIN,
    EMAIL,
    INBOX,
    KEY,
    item,
    mail,
    receive,
    shop_order,
    ticket_messages,
)
from tests.integration.status_scenarios import PARCEL_A, PARCEL_B
from zwrotnica.context import Context
from zwrotnica.dispatch import bus
from zwrotnica.domain import links
from zwrotnica.domain.mail_matching import mailbox_key
from zwrotnica.domain.reply_address import ThreadKind, ThreadRef, reply_address, thread_message_id
from zwrotnica.store import commands as command_store
from zwrotnica.store import mail_files
from zwrotnica.store import tickets as ticket_store
from zwrotnica.store.table import client, to_item

WARSAW = ZoneInfo("Europe/Warsaw")
SW_SECRET = DEV_SECRETS["standard_webhooks_secrets"][0]


# --- the parcel question, answered at once ----------------------------------------------------------


def test_where_is_my_parcel_is_answered_at_once_from_live_tracking(ses, carriers, context):
    shop_order(context, carriers, "1001", parcel=PARCEL_A)
    sent_before = len(ses.requests)
    result = receive(mail("Dzień dobry, gdzie jest moja paczka? Zamówienie 1001"), context)
    assert (result["action"], result["intent"], result["answered"]) == (
        "answer_parcel",
        "where_is_parcel",
        True,
    )
    assert len(ses.requests) == sent_before + 1 and ses.to() == [ANNA]
    text = ses.text()
    assert "paczka z zamówienia nr 1001 jest w drodze" in text and "InPost" in text
    assert PARCEL_A in text and "Przewidywane doręczenie" in text
    # the tracking link and the signed status link
    assert f"inpost.pl/sledzenie-przesylek?number={PARCEL_A}" in text
    status_link = re.search(r"https://sklep\.example\.com/api/orders/1001/status\?t=(\S+)", text)
    assert status_link and links.status_token_valid(KEY, "1001", status_link.group(1), datetime.now(UTC))
    ticket = ticket_store.get(result["ticket_id"])
    assert (ticket["status"], ticket["channel"], ticket["category"]) == (
        "pending_customer",
        "email",
        "delivery",
    )
    assert ticket["contact"]["email"] == ANNA and ticket["order_number"] == "1001"
    assert [e["kind"] for e in ticket["history"]] == ["opened", "automatic_answer", "status"]
    (message,) = ticket_messages(result["ticket_id"])
    assert message["new_text"].startswith("Dzień dobry, gdzie jest moja paczka?")
    assert message["answer"]["template"] == "inbound_parcel"


def test_the_answer_is_threaded_automatic_and_marked_as_ours(ses, carriers, context):
    shop_order(context, carriers, "1001", parcel=PARCEL_A)
    raw = mail("gdzie jest moja paczka? zamowienie 1001", References="<older@poczta.example.pl>")
    result = receive(raw, context)
    ticket_ref = ThreadRef(ThreadKind.TICKET, result["ticket_id"])
    headers = ses.headers()
    assert headers["In-Reply-To"] == "<q1@poczta.example.pl>"
    root = thread_message_id(KEY, ticket_ref, DOMAIN)
    assert headers["References"].split() == [root, "<older@poczta.example.pl>", "<q1@poczta.example.pl>"]
    assert headers["Auto-Submitted"] == "auto-replied" and headers["X-Zwrotnica"] == "1"
    assert ses.requests[-1]["ReplyToAddresses"] == [reply_address(KEY, ticket_ref, INBOX)]
    assert ses.subject() == "Re: Gdzie jest moja paczka?"


def test_at_most_three_round_trips_before_the_answer_is_queued(ses, carriers, context):
    shop_order(context, carriers, "1001", parcel=PARCEL_A)
    calls: list[str] = []

    def count(model: Any, **_: Any) -> None:
        calls.append(model.name)

    events = client().meta.events
    events.register("before-call.dynamodb", count)
    try:
        receive(mail("Dzień dobry, gdzie jest moja paczka? Zamówienie 1001"), context)
    finally:
        events.unregister("before-call.dynamodb", count)
    queued = calls.index("TransactWriteItems") + 1  # the commit writes the answer into the outbox
    assert queued <= 3, calls
    assert calls[:queued] == ["BatchGetItem", "BatchGetItem", "TransactWriteItems"]


def test_the_same_ses_event_twice_is_one_ticket_and_one_answer(ses, carriers, context):
    shop_order(context, carriers, "1001", parcel=PARCEL_A)
    raw = mail("Gdzie jest moja paczka? Zamówienie 1001")
    first = receive(raw, context)
    sent = len(ses.requests)
    again = receive(raw, context)
    assert again["outcome"] == "duplicate" and len(ses.requests) == sent
    assert again["ticket_id"] == first["ticket_id"] and len(ticket_messages(first["ticket_id"])) == 1


def deflect_due(ticket_id: str, after: timedelta) -> None:
    """The sweeper's command step, `after` from now (the deferred command falls due)."""
    ctx = Context.build(datetime.now(UTC) + after, "https://sklep.example.com/api")
    bus.retry_due(ctx, 10)


def test_no_reply_after_the_automatic_answer_solves_the_ticket_as_deflected(ses, carriers, context):
    shop_order(context, carriers, "1001", parcel=PARCEL_A)
    result = receive(mail("Gdzie jest moja paczka? Zamówienie 1001"), context)
    ticket_id = result["ticket_id"]
    deflect_due(ticket_id, timedelta(hours=1))  # not due yet: nothing happens
    assert ticket_store.get(ticket_id)["status"] == "pending_customer"
    deflect_due(ticket_id, timedelta(hours=73))  # DEFLECT_AFTER_HOURS = 72
    ticket = ticket_store.get(ticket_id)
    assert ticket["status"] == "solved" and ticket["deflected"] is True and "due_at" not in ticket
    assert ticket["history"][-1] == {
        "at": ticket["history"][-1]["at"],
        "kind": "status",
        "status": "solved",
        "detail": "deflected",
    }
    assert item("ORDER#1001", "CONVERSATION") is None  # the next mail about 1001 opens a new ticket
    assert command_store.due(datetime.now(UTC) + timedelta(days=10), 10)[0] == []


def test_writing_again_brings_the_team_in_with_the_clock_running_from_that_message(ses, carriers, context):
    shop_order(context, carriers, "1001", parcel=PARCEL_A)
    first = receive(mail("Gdzie jest moja paczka? Zamówienie 1001"), context)
    ticket_id = first["ticket_id"]
    tag_address = ses.requests[-1]["ReplyToAddresses"][0]
    reply = mail(
        "Paczkomat jest pełny, co teraz?\n\n> Dzień dobry, paczka z zamówienia nr 1001 jest w drodze",
        subject="Re: Gdzie jest moja paczka?",
        to=tag_address,
        message_id="<q2@poczta.example.pl>",
        In_Reply_To="<0107019a-ses-answer@eu-central-1.amazonses.com>",
    )
    later = datetime.now(UTC) + timedelta(minutes=30)
    second = receive(reply, context, message_id="0107019a-inbound-0002", at=later)
    assert second["ticket_id"] == ticket_id and second["threaded"] is True
    assert second["action"] == "acknowledge"  # one acknowledgement after our automatic answer
    ticket = ticket_store.get(ticket_id)
    assert ticket["status"] == "open" and "auto_answer" not in ticket and "due_at" in ticket
    assert [e["kind"] for e in ticket["history"]][-3:] == ["customer_message", "status", "automatic_answer"]
    assert "Odpowiemy najpóźniej" in ses.text() and ses.headers()["In-Reply-To"] == "<q2@poczta.example.pl>"
    # the deflection no longer applies
    deflect_due(ticket_id, timedelta(hours=73))
    assert ticket_store.get(ticket_id)["status"] == "open"
    # a third message (before any person answered) gets no second acknowledgement
    third = mail(
        "Halo?", subject="Re: Gdzie jest moja paczka?", to=tag_address, message_id="<q3@poczta.example.pl>"
    )
    sent = len(ses.requests)
    result = receive(third, context, message_id="0107019a-inbound-0003", at=later + timedelta(minutes=5))
    assert (result["action"], result["ticket_id"], len(ses.requests)) == ("record", ticket_id, sent)


def test_a_new_mail_about_the_same_order_joins_the_open_ticket(ses, carriers, context):
    shop_order(context, carriers, "1001", parcel=PARCEL_A)
    first = receive(mail("Chcę zmienić adres dostawy dla zamówienia 1001."), context)
    assert first["action"] == "acknowledge" and first["opened"] is True
    second = receive(
        mail("I jeszcze: czy mogę dopłacić za kuriera? Zamówienie 1001", message_id="<q9@poczta.example.pl>"),
        context,
        message_id="0107019a-inbound-0009",
    )
    assert second["ticket_id"] == first["ticket_id"] and second["opened"] is False
    assert len(ticket_messages(first["ticket_id"])) == 2


def test_polish_webmail_reply_to_an_order_message_finds_the_order_by_its_signed_tag(ses, carriers, context):
    shop_order(context, carriers, "ZW1001", parcel=PARCEL_A)
    raw = (EMAIL / "webmail_reply.eml").read_bytes()
    signed = reply_address(KEY, ThreadRef(ThreadKind.ORDER, "ZW1001"), INBOX)
    raw = raw.replace(b"pomoc+o-ZW1001.4g2hy7kxq3mzt5ab@zwrotnica.example", signed.encode())
    result = receive(raw, context)
    assert (result["action"], result["trusted"]) == ("answer_parcel", True)
    assert "paczka z zamówienia nr ZW1001" in ses.text()
    (message,) = ticket_messages(result["ticket_id"])
    assert "Dnia 30 listopada" not in message["new_text"] and "czekam już tydzień" in message["new_text"]


def test_our_thread_id_in_references_finds_the_thread_without_the_tag(ses, carriers, context):
    shop_order(context, carriers, "1001", parcel=PARCEL_A)
    first = receive(mail("Gdzie jest moja paczka? Zamówienie 1001"), context)
    root = ses.headers()["References"].split()[0]
    # the customer's client answered the From address, but kept References (RFC 5322 §3.6.4)
    reply = mail(
        "A kiedy dokładnie?",
        subject="Re: Gdzie jest moja paczka?",
        message_id="<q5@p.example.pl>",
        References=root,
    )
    result = receive(reply, context, message_id="0107019a-inbound-0005")
    assert result["ticket_id"] == first["ticket_id"]


# --- complaints, returns, and mail that must not be answered the usual way ---------------------------


def test_a_windows_1250_complaint_is_a_complaint_in_law_with_the_signed_form(ses, carriers, context):
    shop_order(context, carriers, "1048", email="pawel.lodz@example.pl", parcel=PARCEL_B)
    arrived = datetime(2026, 12, 7, 9, 15, tzinfo=UTC)
    result = receive((EMAIL / "windows1250_outlook.eml").read_bytes(), context, at=arrived)
    assert (result["intent"], result["complaint_in_law"], result["action"]) == (
        "complaint",
        True,
        "answer_form",
    )
    ticket = ticket_store.get(result["ticket_id"])
    assert ticket["category"] == "complaint" and ticket["priority"] == "high"
    # 14 days from the day it arrived, to the end of that day in Warsaw (UPK art. 7a)
    assert ticket["legal_deadline"] == "2026-12-21T22:59:00.000000Z"
    text = ses.text()
    assert "Zarejestrowaliśmy ją jako reklamację do zamówienia nr 1048" in text
    assert "Odpowiemy na reklamację najpóźniej w poniedziałek, 21 grudnia 2026 r." in text
    form = re.search(r"https://sklep\.example\.com/api/returns\?\S+", text).group(0)
    query = parse_qs(urlsplit(form).query)
    assert query["order"] == ["1048"] and query["kind"] == ["complaint"]
    assert links.token_valid(KEY, "returns:1048", query["t"][0], datetime.now(UTC))


def test_an_html_only_mail_is_read_and_answered(ses, carriers, context):
    shop_order(context, carriers, "1003", email="jadwiga.k@example.com", parcel=PARCEL_A)
    result = receive((EMAIL / "html_only.eml").read_bytes(), context)
    assert result["intent"] == "where_is_parcel" and result["action"] == "answer_parcel"
    (message,) = ticket_messages(result["ticket_id"])
    assert "alert(1)" not in message["text"] and "<" not in message["new_text"]


@pytest.mark.parametrize("name", ["auto_reply.eml", "bounce.eml"])
def test_automatic_mail_is_kept_and_never_answered(ses, carriers, context, name):
    sent = len(ses.requests)
    result = receive((EMAIL / name).read_bytes(), context)
    assert result["action"] == "record" and len(ses.requests) == sent
    ticket = ticket_store.get(result["ticket_id"])
    assert ticket["priority"] == "low" and [e["kind"] for e in ticket["history"]] == ["opened"]


def test_an_out_of_office_reply_on_a_thread_moves_no_clock(ses, carriers, context):
    shop_order(context, carriers, "1001", parcel=PARCEL_A)
    first = receive(mail("Gdzie jest moja paczka? Zamówienie 1001"), context)
    tag = ses.requests[-1]["ReplyToAddresses"][0]
    before = ticket_store.get(first["ticket_id"])
    sent = len(ses.requests)
    ooo = mail(
        "Jestem na urlopie do poniedziałku.",
        subject="Automatyczna odpowiedź: Re: Gdzie jest moja paczka?",
        to=tag,
        message_id="<ooo@p.example.pl>",
        Auto_Submitted="auto-replied",
    )
    result = receive(ooo, context, message_id="0107019a-inbound-0010")
    after = ticket_store.get(first["ticket_id"])
    assert result["ticket_id"] == first["ticket_id"] and len(ses.requests) == sent
    assert after["history"] == before["history"] and after["status"] == "pending_customer"
    assert len(ticket_messages(first["ticket_id"])) == 2


def test_a_10_mb_photo_is_stored_in_s3_and_linked_from_the_ticket(ses, carriers, context):
    shop_order(context, carriers, "1049", email="tomasz@example.com", parcel=PARCEL_A)
    message = EmailMessage()
    message["From"] = "Tomasz <tomasz@example.com>"
    message["To"] = INBOX
    message["Subject"] = "Reklamacja – zdjęcia"
    message.set_content("Telewizor przyszedł z pękniętym ekranem, zdjęcie w załączniku. Zamówienie 1049.")
    photo = b"\xff\xd8" + bytes(range(256)) * (10 * 4096)  # 10 MB
    message.add_attachment(photo, maintype="image", subtype="jpeg", filename="tv ekran.jpg")
    result = receive(message.as_bytes(), context, message_id="0107019a-photo")
    assert result["intent"] == "complaint" and result["attachments"] == 1
    (stored,) = ticket_messages(result["ticket_id"])[0]["attachments"]
    assert stored == {
        "filename": "tv ekran.jpg",
        "content_type": "image/jpeg",
        "size": len(photo),
        "key": "attachments/0107019a-photo/1-tv_ekran.jpg",
    }
    body = boto3.client("s3", region_name="eu-central-1").get_object(Bucket=BUCKET, Key=stored["key"])["Body"]
    assert body.read() == photo
    assert mail_files.link(BUCKET, stored["key"]).startswith("https://")


def test_a_spoofed_sender_learns_nothing_about_the_order(ses, carriers, context):
    shop_order(context, carriers, "1001", parcel=PARCEL_A)
    result = receive(
        mail("Gdzie jest moja paczka? Zamówienie 1001"), context, dmarc="FAIL", dmarc_policy="reject"
    )
    assert (result["trusted"], result["action"]) == (False, "reveal_nothing")
    text = ses.text()
    assert PARCEL_A not in text and "1001" not in text and "InPost" not in text
    assert "wyłącznie na adres e-mail podany przy zamówieniu" in text
    ticket = ticket_store.get(result["ticket_id"])
    assert ticket.get("order_number") is None and item("ORDER#1001", "CONVERSATION") is None


def test_a_stranger_gets_the_same_answer_for_someone_elses_order_and_for_none(ses, carriers, context):
    shop_order(context, carriers, "1001", parcel=PARCEL_A)
    someone = receive(mail("Gdzie jest paczka? Zamówienie 1001", sender_address="obcy@example.net"), context)
    nobody = receive(
        mail(
            "Gdzie jest paczka? Zamówienie 1001",
            sender_address="obcy@example.net",
            subject="Gdzie jest moja paczka?",
        ),
        context,
        message_id="0107019a-inbound-0099",
    )
    assert someone["action"] == "reveal_nothing" and nobody["action"] == "reveal_nothing"
    assert ses.text(-2) == ses.text(-1) and "1001" not in ses.text(-1)


def test_no_number_at_all_finds_the_senders_only_recent_order(ses, carriers, context):
    shop_order(context, carriers, "1001", parcel=PARCEL_A)
    result = receive(mail("Dzień dobry, kiedy dojdzie moja paczka?"), context)
    assert (result["action"], result["order_candidates"]) == ("answer_parcel", 0)
    assert "zamówienia nr 1001" in ses.text()


def test_two_recent_orders_and_no_number_ask_for_the_number(ses, carriers, context):
    shop_order(context, carriers, "1001", parcel=PARCEL_A)
    shop_order(context, carriers, "1002", parcel=PARCEL_B)
    result = receive(mail("Dzień dobry, kiedy dojdzie moja paczka?"), context)
    assert result["action"] == "ask_order_number"
    assert "odpisz proszę z jego numerem" in ses.text()


def test_a_tracking_number_alone_finds_the_parcel(ses, carriers, context):
    shop_order(context, carriers, "1001", parcel=PARCEL_A)
    shop_order(context, carriers, "1002", parcel=PARCEL_B)
    result = receive(mail(f"Gdzie jest przesyłka {PARCEL_B}?"), context)
    assert result["action"] == "answer_parcel" and "zamówienia nr 1002" in ses.text()


def test_a_sender_writing_again_and_again_gets_one_answer_and_a_flood_is_quarantined(ses, carriers, context):
    shop_order(context, carriers, "1001", parcel=PARCEL_A)
    actions = []
    for n in range(4):
        raw = mail(f"Gdzie jest moja paczka? Zamówienie 1001 ({n})", message_id=f"<f{n}@p.example.pl>")
        actions.append(receive(raw, context, message_id=f"0107019a-flood-{n}")["action"])
    # one answer; then the order's open thread: one acknowledgement, then a person's; never a mail loop
    assert actions == ["answer_parcel", "acknowledge", "record", "record"]
    day = datetime.now(UTC).astimezone(WARSAW).strftime("%Y%m%d")
    counters = item(f"SENDER#{mailbox_key(ANNA)}", day)
    assert (counters["mails"], counters["answers"]) == (4, 2)
    # a sender at today's limit of mails (100): quarantined, no ticket message, no answer
    client().update_item(
        TableName="ZwrotnicaTable",
        Key=to_item({"pk": f"SENDER#{mailbox_key(ANNA)}", "sk": day}),
        UpdateExpression="SET mails = :n",
        ExpressionAttributeValues=to_item({":n": 100}),
    )
    sent = len(ses.requests)
    result = receive(mail("Spam spam", message_id="<s@p.example.pl>"), context, message_id="0107019a-flood-x")
    assert (result["action"], len(ses.requests), result.get("ticket_id")) == ("quarantine", sent, None)
    assert item("MAIL#ses:0107019a-flood-x", "UNREAD")["reasons"][-1] == "flood"


def test_answers_per_hour_are_limited(ses, carriers, context):
    for n in range(4):
        shop_order(context, carriers, f"20{n}", parcel=None)
    results = []
    for n in range(4):
        raw = mail(f"Mam pytanie o fakturę do zamówienia 20{n}.", message_id=f"<r{n}@p.example.pl>")
        results.append(receive(raw, context, message_id=f"0107019a-rate-{n}"))
    assert [r["answered"] for r in results] == [True, True, True, False]
    assert "rate_limited" in results[3]["reasons"]


def test_a_virus_is_dropped_and_nothing_is_kept_but_the_raw_mail(ses, carriers, context):
    raw = (EMAIL / "complaint_photo.eml").read_bytes()
    result = receive(raw, context, message_id="0107019a-virus", virus="FAIL")
    assert result["action"] == "drop" and result.get("ticket_id") is None
    listed = boto3.client("s3", region_name="eu-central-1").list_objects_v2(
        Bucket=BUCKET, Prefix="attachments/"
    )
    assert listed.get("KeyCount", 0) == 0
    assert item("MAIL#ses:0107019a-virus", "UNREAD")["action"] == "drop"


# --- POST /tickets with a message: the same loop ----------------------------------------------------


def signed(payload: dict[str, Any], msg_id: str) -> dict[str, Any]:
    return tickets_webhook(payload, msg_id)


def test_a_chatbot_handoff_gets_the_same_loop_and_its_thread(ses, carriers, context):
    shop_order(context, carriers, "1001", parcel=PARCEL_A)
    payload = {
        "channel": "chat",
        "message": "gdzie jest moja paczka? zamowienie 1001",
        "contact": {"email": ANNA, "name": "Anna"},
        "thread_ref": "chat-7781",
    }
    first = sweeper(signed(payload, "msg_c1"), context)
    body = json.loads(first["body"])
    assert first["statusCode"] == 201 and body["answered"] is True
    assert "jest w drodze" in ses.text() and ses.to() == [ANNA]
    assert "paczka" not in first["body"]  # the order's data goes to the order's mailbox only
    ticket = ticket_store.get(body["ticket_id"])
    assert (ticket["channel"], ticket["thread_ref"], ticket["status"]) == (
        "chat",
        "chat:chat-7781",
        "pending_customer",
    )
    again = sweeper(signed(payload | {"message": "A jednak nie dotarła."}, "msg_c2"), context)
    assert again["statusCode"] == 200 and json.loads(again["body"])["ticket_id"] == body["ticket_id"]
    retry = sweeper(signed(payload, "msg_c1"), context)
    assert json.loads(retry["body"]) == {"ticket_id": body["ticket_id"], "created": False, "answered": False}
    assert len(ticket_messages(body["ticket_id"])) == 2


@pytest.mark.parametrize(
    "payload",
    [
        {"channel": "chat", "message": ""},
        {"channel": "chat", "message": "x", "contact": {"email": "nie-adres"}},
        {"channel": "chat", "message": "x", "thread_ref": "a b"},
        {"channel": "chat", "message": "x" * 20_001},
        {"channel": "chat", "message": ["x"]},
    ],
)
def test_post_tickets_refuses_a_bad_message(ses, context, payload):
    assert sweeper(signed(payload, "msg_bad"), context)["statusCode"] == 422


# --- the team answers on the customer's thread --------------------------------------------------------


def test_the_teams_reply_goes_to_the_contact_on_the_customers_thread(ses, carriers, context):
    from tests.usecases import reply

    result = receive(mail("Czy macie tę kurtkę w rozmiarze M?", subject="Kurtka"), context)
    assert result["action"] == "ask_order_number"
    answer = reply(result["ticket_id"], "Tak, mamy. Zapraszamy!", datetime.now(UTC))
    assert answer.emailed and ses.to() == [ANNA] and ses.subject() == "Re: Kurtka"
    headers = ses.headers()
    assert headers["In-Reply-To"] == "<q1@poczta.example.pl>" and "Auto-Submitted" not in headers
    ticket_ref = ThreadRef(ThreadKind.TICKET, result["ticket_id"])
    assert ses.requests[-1]["ReplyToAddresses"] == [reply_address(KEY, ticket_ref, INBOX)]


def test_order_messages_name_the_orders_thread(ses, carriers, context):
    shop_order(context, carriers, "1001")
    order_ref = ThreadRef(ThreadKind.ORDER, "1001")
    assert ses.requests and ses.requests[0]["ReplyToAddresses"] == [reply_address(KEY, order_ref, INBOX)]
    assert ses.headers(0)["References"] == thread_message_id(KEY, order_ref, DOMAIN)


def test_the_cli_shows_the_conversation_with_a_download_link_for_each_attachment(
    ses, carriers, context, capsys
):
    from infra.cli import main as cli

    message = EmailMessage()
    message["From"] = "Tomasz <tomasz@example.com>"
    message["To"] = INBOX
    message["Subject"] = "Uszkodzony kubek"
    message.set_content("Kubek przyszedł stłuczony, zdjęcie w załączniku.")
    message.add_attachment(b"\xff\xd8zdjecie", maintype="image", subtype="jpeg", filename="kubek.jpg")
    result = receive(message.as_bytes(), context, message_id="0107019a-cli")
    assert cli.main(["tickets", "show", result["ticket_id"]]) == 0
    out = capsys.readouterr().out
    assert "Contact: Tomasz <tomasz@example.com>" in out and "| Kubek przyszedł stłuczony" in out
    link = re.search(r"attachment kubek\.jpg \(image/jpeg, 9 B\): (https://\S+)", out)
    assert link and "attachments/0107019a-cli/1-kubek.jpg" in link.group(1) and "Expires=" in link.group(1)


def test_no_address_name_or_words_of_the_customer_reach_the_log(ses, carriers, context):
    import io
    import logging

    from zwrotnica.observability import logger

    shop_order(context, carriers, "1001", parcel=PARCEL_A)
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        receive(mail("Dzień dobry, gdzie jest moja paczka? Zamówienie 1001"), context)
        payload = {
            "channel": "chat",
            "message": "Czy mogę zmienić kolor?",
            "contact": {"email": ANNA, "name": "Anna"},
        }
        sweeper(signed(payload, "msg_log"), context)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.INFO)
    logged = buffer.getvalue()
    assert "inbound email decided" in logged and "answer_parcel" in logged
    for personal in (ANNA, "Anna", "Kowalska", "gdzie jest moja paczka", "zmienić kolor", PARCEL_A):
        assert personal not in logged


def test_a_mails_subject_name_and_words_are_cleaned_of_invisible_and_control_characters(
    ses, carriers, context
):
    """The same normalisation as every other outside text (issue 12): a right-to-left override, zero-width
    characters and an escape sequence in what a mail client sent never reach the ticket or the team."""
    shop_order(context, carriers, "1001", parcel=PARCEL_A)
    words = "Gdzie\u200b jest paczka\u202e do zamówienia 1001?\x1b[2J\nPozdrawiam\u2066, Anna"
    result = receive(mail(words, subject="Pilne\u202e: zamówienie\u200d 1001\x07"), context)
    [message] = ticket_messages(result["ticket_id"])
    stored = json.dumps(message, ensure_ascii=False) + json.dumps(
        ticket_store.get(result["ticket_id"]), ensure_ascii=False, default=str
    )
    for bad in ("\u200b", "\u202e", "\u200d", "\u2066", "\x1b", "\x07"):
        assert bad not in stored, repr(bad)
    assert "Pilne: zamówienie 1001" in stored and "Gdzie jest paczka do zamówienia 1001?" in stored


def test_a_handoff_naming_its_order_finds_it_whatever_the_numbers_shape(ses, carriers, context):
    """POST /tickets' `order_number` is looked up as the shop numbers it (a space and slashes the e-mail
    matcher would not read out of free text), so the ticket is the order's and the answer its parcel's."""
    number = "ZAM 2026/52 020"
    shop_order(context, carriers, number, parcel=PARCEL_A)
    shop_order(context, carriers, "1002", parcel=PARCEL_B)  # two recent orders: no guessing which
    payload = {
        "channel": "chat",
        "message": "gdzie jest moja paczka?",
        "contact": {"email": ANNA, "name": "Anna"},
        "order_number": number,
    }
    opened = sweeper(signed(payload, "msg_named"), context)
    body = json.loads(opened["body"])
    assert opened["statusCode"] == 201 and body["answered"] is True
    assert ticket_store.get(body["ticket_id"])["order_number"] == number
    assert "jest w drodze" in ses.text() and ses.to() == [ANNA]
