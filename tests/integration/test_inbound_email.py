"""The inbound e-mail function on moto: SES stored the raw message in S3 and invoked us with the Lambda
action's event (inbound-email.md §1.5-1.6). Until the ticket wiring lands the function decides and logs,
so these tests check the decision for real MIME messages, and that nothing hostile escapes as an error.
The local SMTP listener (`make run`) is driven over a real socket on 127.0.0.1."""

from __future__ import annotations

import copy
import io
import json
import logging
import smtplib
import socket
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import boto3
import pytest

from inbound_email import app
from infra.local import smtp
from zwrotnica.models.inbound import SesEvent
from zwrotnica.observability import logger
from zwrotnica.providers.inbound_email import MailLimits
from zwrotnica.settings import get_settings

EMAIL = Path(__file__).parents[1] / "events" / "email"
EVENT = json.loads((EMAIL / "ses_lambda_event.json").read_text())
BUCKET = "inbound-mail"


@pytest.fixture
def inbound(stack: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("INBOUND_BUCKET", BUCKET)
    monkeypatch.setenv("INBOUND_PREFIX", "inbound/")
    monkeypatch.setenv("INBOUND_ADDRESS", "pomoc@zwrotnica.example")
    get_settings.cache_clear()
    s3 = boto3.client("s3", region_name="eu-central-1")
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    yield s3
    get_settings.cache_clear()


def receive(
    s3: Any, context: Any, raw: bytes, message_id: str = "o3vrnil0e2ic28trm7dfhrc2v0test", **verdicts: str
):
    """Store `raw` as SES would and invoke the function with the documented event, verdicts replaced."""
    s3.put_object(Bucket=BUCKET, Key=f"inbound/{message_id}", Body=raw)
    event = copy.deepcopy(EVENT)
    record = event["Records"][0]["ses"]
    record["mail"]["messageId"] = message_id
    record["receipt"]["recipients"] = ["pomoc@zwrotnica.example"]
    for name, status in verdicts.items():
        if name == "dmarc_policy":
            record["receipt"]["dmarcPolicy"] = status
        else:
            record["receipt"][f"{name}Verdict"] = {"status": status}
    (result,) = app.lambda_handler(event, context)["results"]
    assert result["ses_message_id"] == message_id
    return result


def eml(name: str) -> bytes:
    return (EMAIL / name).read_bytes()


def test_polish_webmail_reply_is_a_parcel_question_about_a_named_order(inbound, context):
    result = receive(inbound, context, eml("webmail_reply.eml"))
    assert (result["intent"], result["trusted"], result["order_candidates"]) == ("where_is_parcel", True, 1)
    # No order lookup yet (the wiring's part): a named order that is not found reveals nothing
    assert result["action"] == "reveal_nothing"


def test_windows_1250_complaint_is_a_complaint_in_law(inbound, context):
    result = receive(inbound, context, eml("windows1250_outlook.eml"))
    assert result["intent"] == "complaint" and result["complaint_in_law"] is True


def test_html_only_message_is_read(inbound, context):
    result = receive(inbound, context, eml("html_only.eml"))
    assert result["intent"] == "where_is_parcel" and result["notes"] == []


def test_mislabelled_charset_is_repaired_and_noted(inbound, context):
    result = receive(inbound, context, eml("mislabelled_cp1250.eml"))
    assert result["intent"] == "where_is_parcel" and result["notes"] == ["charset_guessed"]


@pytest.mark.parametrize("name", ["auto_reply.eml", "bounce.eml"])
def test_automatic_mail_gets_no_answer(inbound, context, name):
    result = receive(inbound, context, eml(name))
    assert result["action"] == "record"
    assert {"auto_submitted"} <= set(result["reasons"])


def test_a_spoofed_customer_address_is_not_trusted(inbound, context):
    result = receive(inbound, context, eml("webmail_reply.eml"), dmarc="FAIL", dmarc_policy="reject")
    assert result["trusted"] is False and "sender_not_verified" in result["reasons"]
    assert result["action"] == "reveal_nothing"


@pytest.mark.parametrize(
    ("verdicts", "action"), [({"virus": "FAIL"}, "drop"), ({"spam": "FAIL"}, "quarantine")]
)
def test_ses_verdicts_drop_or_quarantine(inbound, context, verdicts, action):
    assert receive(inbound, context, eml("complaint_photo.eml"), **verdicts)["action"] == action


def test_a_10_mb_photo_is_accepted(inbound, context):
    message = EmailMessage()
    message["From"] = "Tomasz <tomasz@example.com>"
    message["To"] = "pomoc@zwrotnica.example"
    message["Subject"] = "Reklamacja – zdjęcia"
    message.set_content("Telewizor przyszedł z pękniętym ekranem, zdjęcie w załączniku. Zamówienie 1049.")
    message.add_attachment(
        b"\xff\xd8" + b"\x10" * (10 * 1024 * 1024), maintype="image", subtype="jpeg", filename="tv.jpg"
    )
    result = receive(inbound, context, message.as_bytes())
    assert result["attachments"] == 1 and result["bytes"] > 10 * 1024 * 1024
    assert result["intent"] == "complaint"


def test_a_message_over_the_limit_is_not_even_read(inbound, context, monkeypatch):
    monkeypatch.setattr(app, "LIMITS", MailLimits(max_message_bytes=1000))
    result = receive(inbound, context, eml("webmail_reply.eml"))
    assert result == {"ses_message_id": result["ses_message_id"], "action": "rejected", "reason": "too_large"}


def test_a_mime_bomb_is_rejected(inbound, context):
    bomb = b"From: a@example.com\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n"
    bomb += b"--X\r\nContent-Type: text/plain\r\n\r\nx\r\n" * 5000 + b"--X--\r\n"
    assert receive(inbound, context, bomb) | {"ses_message_id": ""} == {
        "ses_message_id": "",
        "action": "rejected",
        "reason": "too_many_parts",
    }


@pytest.mark.parametrize("event", [{}, {"Records": [{"eventSource": "aws:sns"}]}, {"Records": "x"}])
def test_an_event_that_is_not_from_ses_is_refused_without_an_exception(inbound, context, event):
    assert app.lambda_handler(event, context) == {"results": [], "error": "not an SES receiving event"}


def test_no_personal_data_reaches_the_log(inbound, context):
    # The same formatter the Lambda output uses, into a buffer we can read
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    try:
        receive(inbound, context, eml("windows1250_outlook.eml"))
    finally:
        logger.removeHandler(handler)
    logged = buffer.getvalue()
    assert "inbound email decided" in logged and "complaint" in logged
    for personal in ("pawel.lodz@example.pl", "Paweł", "Łódź", "czajnik", "Reklamacja czajnika"):
        assert personal not in logged


# --- the local SMTP listener -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_smtp_listener_stores_the_message_and_invokes_the_function_with_the_ses_event(inbound):
    delivered: list[dict] = []

    def deliver(event: dict) -> Any:
        SesEvent.model_validate(event)  # the same shape SES sends
        delivered.append(event)
        result = smtp.lambda_deliver(event)
        delivered.append(result)
        return result

    port = free_port()
    controller = smtp.start(port, deliver, bucket=BUCKET)
    try:
        message = EmailMessage()
        message["From"] = "anna.kowalska@example.com"
        message["To"] = "pomoc@zwrotnica.example"
        message["Subject"] = "Gdzie jest moja paczka?"
        message["X-Local-Dmarc"] = "FAIL"
        message.set_content("Dzień dobry, gdzie jest moja paczka? Zamówienie 1001")
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.send_message(message)
    finally:
        controller.stop()
    event, result = delivered
    record = event["Records"][0]["ses"]
    assert (
        record["receipt"]["dmarcVerdict"] == {"status": "FAIL"}
        and record["receipt"]["dmarcPolicy"] == "reject"
    )
    assert record["receipt"]["recipients"] == ["pomoc@zwrotnica.example"]
    assert record["mail"]["commonHeaders"]["subject"] == "Gdzie jest moja paczka?"
    stored = inbound.get_object(Bucket=BUCKET, Key=f"inbound/{record['mail']['messageId']}")["Body"].read()
    assert b"Zam=C3=B3wienie 1001" in stored or "Zamówienie 1001".encode() in stored
    (summary,) = result["results"]
    assert (summary["intent"], summary["trusted"], summary["action"]) == (
        "where_is_parcel",
        False,
        "reveal_nothing",
    )


def test_the_local_event_truncates_long_headers_like_ses():
    raw = b"From: a@example.com\r\nX-Long: " + b"a" * 20_000 + b"\r\nSubject: x\r\n\r\nbody"
    event = smtp.ses_event(raw, "a@example.com", ["pomoc@zwrotnica.example"], "abc123", datetime.now(UTC))
    mail = event["Records"][0]["ses"]["mail"]
    assert mail["headersTruncated"] is True
    assert sum(len(h["name"]) + len(h["value"]) for h in mail["headers"]) <= smtp.HEADERS_LIMIT
    SesEvent.model_validate(event)
