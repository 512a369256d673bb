"""Parsing real mail: the SES receiving event and MIME messages as Polish customers send them.

The .eml samples in tests/events/email/ are built in the shapes of the clients they name (inbound-email.md
§4-5); the Polish webmails' exact reply format is undocumented (§4: UNCONFIRMED), so webmail_reply.eml
has the common "Dnia … napisał(a):" + blockquote shape. The hostile messages are built here.
"""

from __future__ import annotations

import json
from email.message import EmailMessage
from pathlib import Path

import pytest

from zwrotnica.errors import InvalidPayload
from zwrotnica.models.inbound import Rejected, RejectReason
from zwrotnica.providers.inbound_email import (
    MailLimits,
    ParsedMail,
    header_text,
    iter_stored,
    parse_mime,
    parse_ses_event,
)
from zwrotnica.providers.mail_text import decode_text, html_to_text

EMAIL = Path(__file__).parents[1] / "events" / "email"


def parsed(name: str) -> ParsedMail:
    result = parse_mime((EMAIL / name).read_bytes())
    assert isinstance(result, ParsedMail), result
    return result


# --- the SES event -----------------------------------------------------------------------------------


def test_the_documented_lambda_event_parses_with_every_field():
    # Given the Lambda action's event as AWS documents it
    event = json.loads((EMAIL / "ses_lambda_event.json").read_text())
    # When
    record = parse_ses_event(event).records[0]
    # Then
    mail, receipt = record.ses.mail, record.ses.receipt
    assert mail.message_id == "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"
    assert mail.source == "prvs=144d0cba7=sender@example.com"
    assert mail.common_headers.from_ == ['"Doe, John" <sender@example.com>']
    assert [h.name for h in mail.headers][:3] == ["Return-Path", "X-SES-Spam-Verdict", "X-SES-Virus-Verdict"]
    assert receipt.spam_verdict.status == "PASS" and receipt.dmarc_verdict.status == "GRAY"
    assert receipt.dmarc_policy is None
    assert receipt.action.type == "Lambda" and receipt.action.invocation_type == "Event"
    assert receipt.recipients == ["recipient@example.com"]


@pytest.mark.parametrize("policy", ["reject", {"status": "REJECT"}, "Reject"])
def test_dmarc_policy_is_read_as_a_string_or_as_an_object(policy):
    # The field reference says a string; AWS's own example function reads .status: accept both.
    event = json.loads((EMAIL / "ses_lambda_event.json").read_text())
    event["Records"][0]["ses"]["receipt"]["dmarcPolicy"] = policy
    assert parse_ses_event(event).records[0].ses.receipt.dmarc_policy == "reject"


def test_what_powertools_rejects_we_accept():
    # DISABLED verdicts, RequestResponse invocations, no To and no Subject (a Bcc-only mail)
    event = json.loads((EMAIL / "ses_lambda_event.json").read_text())
    record = event["Records"][0]["ses"]
    record["receipt"]["spamVerdict"] = {"status": "DISABLED"}
    record["receipt"]["action"]["invocationType"] = "RequestResponse"
    del record["mail"]["commonHeaders"]["to"], record["mail"]["commonHeaders"]["subject"]
    parsed_record = parse_ses_event(event).records[0]
    assert parsed_record.ses.receipt.spam_verdict.status == "DISABLED"


@pytest.mark.parametrize(
    "event",
    [
        {},
        {"Records": []},
        {"Records": [{"eventSource": "aws:s3", "ses": {}}]},
        {"Records": "x"},
        # a message id that would climb out of the S3 prefix
        "traversal",
    ],
)
def test_anything_else_is_an_invalid_payload(event):
    if event == "traversal":
        event = json.loads((EMAIL / "ses_lambda_event.json").read_text())
        event["Records"][0]["ses"]["mail"]["messageId"] = "../labels/secret"
    with pytest.raises(InvalidPayload):
        parse_ses_event(event)


# --- real messages -----------------------------------------------------------------------------------


def test_polish_webmail_reply_keeps_threading_headers_and_cuts_the_quote():
    email = parsed("webmail_reply.eml").email
    assert email.subject == "Re: Otrzymaliśmy Twoje zamówienie nr ZW1001"
    assert (email.from_name, email.from_address) == ("Anna Kowalska", "anna.kowalska@example.com")
    assert email.message_id == "<d6f1c0de1a2b4c1e9f0a@poczta.example.pl>"
    assert email.in_reply_to and email.in_reply_to.endswith("@eu-central-1.amazonses.com>")
    assert email.references == [email.in_reply_to]
    assert email.plus_tags({"zwrotnica.example"}) == ["o-ZW1001.4g2hy7kxq3mzt5ab"]
    assert email.plus_tags({"other.example"}) == []
    assert email.new_text == "Dzień dobry,\n\ngdzie jest moja paczka? Zamówienie ZW1001, czekam już tydzień."
    assert "Przyjęliśmy zamówienie nr ZW1001" in email.text  # the whole body is kept
    assert email.date is not None and email.date.utcoffset().total_seconds() == 3600


def test_windows_1250_outlook_message_decodes_polish_letters_everywhere():
    email = parsed("windows1250_outlook.eml").email
    assert email.from_name == "Paweł Łódź"
    assert email.subject == "Reklamacja czajnika – zamówienie 1048"
    assert "przestał się włączać" in email.new_text
    assert "Wiadomość oryginalna" not in email.new_text and "Z poważaniem" not in email.new_text
    assert email.notes == []  # the label was right


def test_iso_8859_2_base64_thunderbird_message():
    email = parsed("iso88592_thunderbird.eml").email
    assert email.from_name == "Zofia Żaczek"
    assert email.subject == "Zwrot sukienki - zamówienie 1036"
    assert email.new_text == (
        "Dzień dobry,\nchcę zwrócić sukienkę z zamówienia 1036, rozmiar jest za mały. Jak to zrobić?"
    )


def test_windows_1250_bytes_labelled_iso_8859_2_are_read_as_windows_1250():
    email = parsed("mislabelled_cp1250.eml").email
    assert "ściśle na święta" in email.new_text
    assert "charset_guessed" in email.notes


def test_html_only_message_becomes_readable_text_without_quote_script_or_style():
    email = parsed("html_only.eml").email
    assert email.html_only
    assert email.new_text == "Dzień dobry,\nkiedy dotrze zamówienie 1003? Minął tydzień."
    assert "alert" not in email.text and "color:red" not in email.text
    assert "> Przyjęliśmy zamówienie nr 1003." in email.text


def test_attachment_is_listed_with_name_type_size_and_its_bytes_handed_over():
    result = parsed("complaint_photo.eml")
    (info,) = result.email.attachments
    assert (info.filename, info.content_type, info.inline, info.stored) == (
        "pęknięty ekran.jpg",
        "image/jpeg",
        False,
        True,
    )
    (stored_info, payload) = next(iter_stored(result))
    assert stored_info == info and payload.startswith(b"\xff\xd8") and len(payload) == info.size
    assert "pękniętym ekranem" in result.email.new_text


def test_auto_reply_headers_are_kept_as_signals():
    email = parsed("auto_reply.eml").email
    assert email.signals["auto-submitted"] == "auto-replied"
    assert email.signals["x-autoreply"] == "yes"
    assert email.signals["precedence"] == "bulk"


def test_bounce_is_a_report_from_the_mailer_daemon():
    email = parsed("bounce.eml").email
    assert email.signals["content-type"].startswith("multipart/report")
    assert email.from_address == "MAILER-DAEMON@mx.example.pl"
    assert [a.content_type for a in email.attachments] == ["message/delivery-status"]


def test_ten_megabyte_attachment_is_accepted_and_one_over_the_limit_is_listed_not_kept():
    # Given a photo of 10 MB (made here, never committed)
    photo = bytes(range(256)) * (10 * 1024 * 4)
    message = EmailMessage()
    message["From"] = "klient@example.pl"
    message["To"] = "pomoc@zwrotnica.example"
    message["Subject"] = "Zdjęcia uszkodzonej paczki"
    message.set_content("W załączniku zdjęcie.")
    message.add_attachment(photo, maintype="image", subtype="jpeg", filename="paczka.jpg")
    raw = message.as_bytes()
    assert len(raw) > 13 * 1024 * 1024  # base64 grows it by a third
    # When / Then: within the limits it is kept
    kept = parse_mime(raw)
    assert isinstance(kept, ParsedMail)
    assert kept.email.attachments[0].size == len(photo) and kept.payloads[0] == photo
    # and over a per-attachment limit of 5 MB it is listed, not kept, and the text still counts
    limited = parse_mime(raw, MailLimits(max_attachment_bytes=5 * 1024 * 1024))
    assert isinstance(limited, ParsedMail)
    assert limited.email.attachments[0].stored is False and limited.payloads == (None,)
    assert list(iter_stored(limited)) == []
    assert limited.email.new_text == "W załączniku zdjęcie."


def test_forwarded_message_is_one_attachment_and_its_text_is_not_the_customers():
    inner = EmailMessage()
    inner["From"] = "kurier@example.pl"
    inner["Subject"] = "Przesyłka uszkodzona"
    inner.set_content("Protokół szkody nr 77.")
    outer = EmailMessage()
    outer["From"] = "klient@example.pl"
    outer["Subject"] = "Fwd: protokół"
    outer.set_content("Przesyłam protokół od kuriera.")
    outer.add_attachment(inner)
    result = parse_mime(outer.as_bytes())
    assert isinstance(result, ParsedMail)
    assert result.email.new_text == "Przesyłam protokół od kuriera."
    assert [a.content_type for a in result.email.attachments] == ["message/rfc822"]
    assert b"Protok" in result.payloads[0]


# --- hostile messages: a clear "rejected", never an exception -----------------------------------------


def _nested(depth: int) -> bytes:
    head = b"From: a@example.pl\r\nSubject: bomb\r\nMIME-Version: 1.0\r\n"
    body = b"Content-Type: text/plain\r\n\r\nx\r\n"
    for level in range(depth):
        boundary = f"b{level}".encode()
        body = (
            b"Content-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\n--" + boundary + b"\r\n"
            + body + b"\r\n--" + boundary + b"--\r\n"
        )  # fmt: skip
    return head + body


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (_nested(30), RejectReason.TOO_DEEP),
        (_nested(1500), RejectReason.TOO_MANY_PARTS),  # refused before parsing: 3,000 boundary lines
        (
            b"From: a@example.pl\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n"
            + b"--X\r\nContent-Type: text/plain\r\n\r\nx\r\n" * 5000
            + b"--X--\r\n",
            RejectReason.TOO_MANY_PARTS,
        ),
        (b"From: a@example.pl\r\nX-Big: " + b"a" * 300_000 + b"\r\n\r\nbody", RejectReason.HEADERS_TOO_LARGE),
        (b"\x00\x01\x02binary garbage\xff\xfe", RejectReason.MALFORMED),
        (b"", RejectReason.MALFORMED),
        (b"just some text without headers\r\n", RejectReason.MALFORMED),
    ],
    ids=["nested-30", "nested-1500", "5000-parts", "huge-header", "binary", "empty", "no-headers"],
)
def test_mime_bombs_and_non_mail_are_rejected_with_a_reason(raw, reason):
    result = parse_mime(raw)
    assert isinstance(result, Rejected)
    assert result.reason is reason


def test_nesting_that_makes_the_stdlib_parser_recurse_too_deep_is_rejected():
    # With limits generous enough to let it reach the parser, the RecursionError is caught
    result = parse_mime(_nested(1500), MailLimits(max_parts=100_000, max_depth=100_000))
    assert isinstance(result, Rejected) and result.reason is RejectReason.TOO_DEEP


def test_a_message_over_the_size_limit_is_rejected_before_parsing():
    result = parse_mime(b"From: a@example.pl\r\n\r\n" + b"x" * 2000, MailLimits(max_message_bytes=1000))
    assert isinstance(result, Rejected) and result.reason is RejectReason.TOO_LARGE


@pytest.mark.parametrize(
    "header",
    [
        b"Content-Type: text/plain; name*",  # IndexError inside message_from_bytes (cpython #151857)
        b"To: (c):",
        b'To: "',
        b"Message-ID: <[b378a5a0-1c2f@microsoft.com]>",
        b"From: =?utf-8?q?=0A?= <x@y.pl>",
        b"Subject: =?utf-8?b?!!!not-base64?=",
        b"Subject: =?x-unknown?q?abc?=",
        b"Content-Type: text/plain; charset=x-unknown-8bit",
    ],
)
def test_headers_that_crash_the_stdlib_never_escape_as_exceptions(header):
    raw = b"From: klient@example.pl\r\nSubject: test\r\n" + header + b"\r\n\r\nGdzie paczka? \xb1\xe6\r\n"
    result = parse_mime(raw)
    assert isinstance(result, ParsedMail | Rejected)
    if isinstance(result, ParsedMail):
        assert "Gdzie paczka? ąć" in result.email.text


def test_a_body_that_is_not_the_base64_it_claims_decodes_to_something_never_an_exception():
    raw = b"From: a@example.pl\r\nContent-Transfer-Encoding: base64\r\n\r\nGdzie paczka? \xb1\xe6!!\r\n"
    result = parse_mime(raw)
    assert isinstance(result, ParsedMail) and "Gdzie paczka" not in result.email.text


def test_undeclared_8bit_header_is_recovered_as_windows_1250():
    raw = b"From: jan@example.pl\r\nSubject: Zwrot zam\xf3wienia \x9cci\x9fle\r\n\r\nTekst\r\n"
    result = parse_mime(raw)
    assert isinstance(result, ParsedMail)
    assert result.email.subject == "Zwrot zamówienia ściźle"


def test_header_text_never_keeps_a_line_break():
    assert "\n" not in header_text("=?utf-8?q?a=0Ab=0Dc?=")
    assert header_text("Zam=?utf-8?q?=C3=B3wienie?=\r\n 1001") == "Zamówienie 1001"


# --- charsets and HTML, directly ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "declared", "expected", "guessed"),
    [
        ("Zażółć gęślą jaźń".encode(), "utf-8", "Zażółć gęślą jaźń", False),
        ("Zażółć gęślą jaźń".encode("cp1250"), "windows-1250", "Zażółć gęślą jaźń", False),
        ("Zażółć gęślą jaźń".encode("iso8859-2"), "iso-8859-2", "Zażółć gęślą jaźń", False),
        ("Zażółć gęślą jaźń".encode("cp1250"), "iso-8859-2", "Zażółć gęślą jaźń", True),
        ("Zażółć gęślą jaźń".encode(), "iso-8859-2", "Zażółć gęślą jaźń", True),
        ("Zażółć gęślą jaźń".encode("iso8859-2"), None, "Zażółć gęślą jaźń", True),
        ("Zażółć gęślą jaźń".encode("cp1250"), "x-unknown-8bit", "Zażółć gęślą jaźń", True),
        ("Zażółć gęślą jaźń".encode("cp1250"), "latin1", "Zażółć gęślą jaźń", True),
        (b"plain ascii", "utf-8", "plain ascii", False),
    ],
)
def test_decode_text_reads_polish_in_any_label(raw, declared, expected, guessed):
    assert decode_text(raw, declared) == (expected, guessed)


def test_html_to_text_marks_outlook_history_as_quoted():
    html = (
        "<p>Gdzie paczka?</p><div id='appendonsend'></div><hr>"
        "<div id='divRplyFwdMsg'><b>Od:</b> Sklep<br><b>Wysłane:</b> poniedziałek</div><p>stare</p>"
    )
    assert html_to_text(html) == "Gdzie paczka?\n> Od: Sklep\n> Wysłane: poniedziałek\n> stare"


def test_html_to_text_survives_broken_markup():
    assert html_to_text("<div><p>Tekst <b>bez końca <i>tagów") == "Tekst bez końca tagów"
    assert html_to_text("</blockquote>poza cytatem") == "poza cytatem"
    assert html_to_text("<![ broken") == ""
