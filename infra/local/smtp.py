"""`make run`'s inbound mail: an SMTP listener on 127.0.0.1 (aiosmtpd) that does what SES email receiving
does in AWS: store the raw message in the (emulated) S3 bucket under `inbound/<message id>`, then invoke
the inbound function with the Lambda action's event (inbound-email.md §1.5).

Nothing is verified locally, so the verdicts say PASS. To try the safety rules, a test message may carry
`X-Local-Spam: FAIL`, `X-Local-Virus: FAIL`, `X-Local-Dmarc: FAIL` (and SPF, DKIM): the listener puts
those into the event as SES would have. `X-Local-Ses-Id` gives the message SES's id (a load test's
re-delivery: what Lambda's retry of the same event looks like). Only this listener reads them. The
DATA reply says what the function decided (`250 OK answer_parcel TK-0A1B2C3D4E opened answered`).

    python -c "import smtplib; ..."   (the README has the whole one-liner)
"""

from __future__ import annotations

import contextlib
import re
import secrets
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from email import policy
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from typing import Any

REGION = "eu-central-1"
HEADERS_LIMIT = 10 * 1024  # SES truncates the Lambda event's header list past 10 KB (headersTruncated)
MAX_MESSAGE = 40 * 1024 * 1024  # what SES's S3 action stores at most
VERDICTS = ("spam", "virus", "spf", "dkim", "dmarc")
SES_ID = re.compile(r"^[a-z0-9-]{1,100}$")


def ses_message_id() -> str:
    """Shaped like SES's ids: lower-case letters and digits, 40 characters."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(40))


def ses_event(
    raw: bytes,
    mail_from: str,
    recipients: list[str],
    message_id: str,
    now: datetime,
    function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:InboundEmailFunction",
) -> dict[str, Any]:
    """The event SES's Lambda action sends for `raw` (§1.5): mail (headers, common headers), receipt
    (verdicts, action). No body: the function reads it from S3, as in AWS."""
    message = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    items = [(str(k), str(v)) for k, v in message.items()]
    headers, size, truncated = [], 0, False
    for name, value in [("Return-Path", f"<{mail_from}>"), *items]:
        size += len(name) + len(value) + 4
        if size > HEADERS_LIMIT:
            truncated = True
            break
        headers.append({"name": name, "value": value})

    def addresses(name: str) -> list[str]:
        return [str(v) for v in message.get_all(name, [])]

    common: dict[str, Any] = {"returnPath": mail_from, "from": addresses("From"), "to": addresses("To")}
    for key, header in (("subject", "Subject"), ("date", "Date"), ("messageId", "Message-ID")):
        if message.get(header) is not None:
            common[key] = str(message.get(header))
    verdict = {
        name: str(message.get(f"X-Local-{name.capitalize()}", "PASS")).strip().upper() for name in VERDICTS
    }
    timestamp = now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
    receipt: dict[str, Any] = {
        "timestamp": timestamp,
        "processingTimeMillis": 1,
        "recipients": recipients,
        **{f"{name}Verdict": {"status": verdict[name]} for name in VERDICTS},
        "action": {"type": "Lambda", "functionArn": function_arn, "invocationType": "Event"},
    }
    if verdict["dmarc"] == "FAIL":
        receipt["dmarcPolicy"] = "reject"
    destination = [a for _, a in getaddresses(addresses("To") + addresses("Cc")) if a]
    mail = {
        "timestamp": timestamp,
        "source": mail_from,
        "messageId": message_id,
        "destination": destination,
        "headersTruncated": truncated,
        "headers": headers,
        "commonHeaders": common,
    }
    record = {"eventSource": "aws:ses", "eventVersion": "1.0", "ses": {"mail": mail, "receipt": receipt}}
    return {"Records": [record]}


class Receiver:
    """aiosmtpd handler: every message is stored, then handed to `deliver(event)` (the Lambda handler)."""

    def __init__(self, bucket: str, prefix: str, deliver: Callable[[dict], Any], s3: Any) -> None:
        self.bucket, self.prefix, self.deliver, self.s3 = bucket, prefix, deliver, s3

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        given = BytesHeaderParser(policy=policy.compat32).parsebytes(raw).get("X-Local-Ses-Id", "")
        message_id = str(given).strip() if SES_ID.fullmatch(str(given).strip()) else ses_message_id()
        self.s3.put_object(Bucket=self.bucket, Key=f"{self.prefix}{message_id}", Body=raw)
        sender, recipients = envelope.mail_from or "", list(envelope.rcpt_tos)
        event = ses_event(raw, sender, recipients, message_id, datetime.now(UTC))
        try:
            result = self.deliver(event)
        except Exception as exc:  # like SES: the message is stored, the invocation failed
            sys.stderr.write(f"  mail {message_id}: the inbound function failed: {exc!r}\n")
            return "250 OK (stored; the function failed, see the log)"
        reply = "250 OK"
        for summary in (result or {}).get("results", []):
            answered = "answered at once" if summary.get("answered") else "no automatic answer"
            sys.stderr.write(
                f"  mail {message_id}: {summary.get('action')} (intent {summary.get('intent', '-')}, "
                f"confidence {summary.get('confidence', '-')}), ticket {summary.get('ticket_id') or '-'}, "
                f"{answered}\n"
            )
            words = [
                str(summary.get("outcome") or summary.get("action")),
                str(summary.get("ticket_id") or "-"),
                "opened" if summary.get("opened") and summary.get("outcome") != "duplicate" else "-",
                "answered" if summary.get("answered") and summary.get("outcome") != "duplicate" else "-",
            ]
            reply = "250 OK " + " ".join(words)
        return reply


def start(
    port: int,
    deliver: Callable[[dict], Any],
    bucket: str = "inbound-mail",
    prefix: str = "inbound/",
    region: str = REGION,
) -> Any:
    """Create the bucket (in whatever S3 boto3 points at: the moto server) and start listening on
    127.0.0.1:`port`. Returns the aiosmtpd Controller; call .stop() on it."""
    import boto3
    from aiosmtpd.controller import Controller

    s3 = boto3.client("s3", region_name=region)
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    controller = Controller(
        Receiver(bucket, prefix, deliver, s3),
        hostname="127.0.0.1",
        port=port,
        data_size_limit=MAX_MESSAGE,
        decode_data=False,
        enable_SMTPUTF8=True,
    )
    controller.start()
    return controller


def lambda_deliver(event: dict) -> Any:
    """Invoke the inbound function in-process, as SES's Lambda action would."""
    from inbound_email.app import lambda_handler
    from infra.local.gateway import FakeContext

    return lambda_handler(event, FakeContext(function_name="InboundEmailFunction", timeout_ms=30_000))
