"""Inbound e-mail: SES email receiving stores the raw message in S3, then invokes this function (Lambda
action, Event invocation) with the event of inbound-email.md §1.5. `make run` does the same through a
local SMTP listener (infra/local/smtp.py).

The edge reads the stored message, parses it (never raises: a MIME bomb or a broken encoding comes back
as Rejected), assesses SES's verdicts, keeps the attachments in S3, and hands one CustomerMessage to the
conversations use case through the bus (flows/conversations.py): its ticket, its answer, its follow-up in
one commit. SES's `messageId` is the idempotency key: Lambda's retries of an async invocation change
nothing. The log says what was decided in codes, never an address, a name or the text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from zwrotnica import startup
from zwrotnica.context import Context
from zwrotnica.dispatch import bus
from zwrotnica.domain import mail_safety
from zwrotnica.errors import InvalidPayload
from zwrotnica.flows import conversations
from zwrotnica.models.inbound import CustomerMessage, Rejected, SesRecord, StoredAttachment
from zwrotnica.models.ticket import TicketChannel
from zwrotnica.observability import logger, metrics
from zwrotnica.providers.inbound_email import LIMITS, ParsedMail, parse_mime, parse_ses_event
from zwrotnica.settings import Settings
from zwrotnica.store import mail_files


def _attachments(parsed: ParsedMail, record: SesRecord, bucket: str) -> list[StoredAttachment]:
    """Every attachment listed; the ones within the limit stored (the same keys on a retry)."""
    out = []
    pairs = zip(parsed.email.attachments, parsed.payloads, strict=True)
    for n, (info, payload) in enumerate(pairs, start=1):
        key = None
        if payload is not None:
            key = mail_files.attachment_key(record.ses.mail.message_id, n, info)
            mail_files.put_attachment(bucket, key, payload, info)
        described = {"filename": info.filename, "content_type": info.content_type, "size": info.size}
        out.append(StoredAttachment(**described, key=key))
    return out


def customer_message(
    record: SesRecord,
    parsed: ParsedMail,
    raw_key: str,
    settings: Settings,
    attachments: list[StoredAttachment],
) -> CustomerMessage:
    email = parsed.email
    references = [*([email.in_reply_to] if email.in_reply_to else []), *email.references]
    return CustomerMessage(
        key=f"ses:{record.ses.mail.message_id}",
        channel=TicketChannel.EMAIL,
        received_at=record.ses.receipt.timestamp,
        sender=email.from_address,
        sender_name=email.from_name[:200],
        subject=email.subject,
        text=email.text,
        new_text=email.new_text,
        message_id=email.message_id,
        references=list(dict.fromkeys(references))[-60:],
        tags=email.plus_tags(settings.own_domains)[:20],
        attachments=attachments[:50],
        raw_key=raw_key,
        notes=list(email.notes),
    )


def receive(record: SesRecord, ctx: Context) -> dict[str, Any]:
    """One received message -> its ticket and answer; returns the decision's summary (codes only)."""
    settings = ctx.settings
    ses_id = record.ses.mail.message_id
    bucket, key = mail_files.location(record, settings)
    raw = mail_files.read(bucket, key, LIMITS.max_message_bytes)  # S3 errors raise: Lambda's retry re-runs
    parsed = parse_mime(raw, LIMITS) if raw is not None else None
    if parsed is None or isinstance(parsed, Rejected):
        reason = parsed.reason.value if isinstance(parsed, Rejected) else "too_large"
        received = record.ses.receipt.timestamp
        mark = conversations.unreadable(f"ses:{ses_id}", reason, key, received, ctx)
        bus.run(lambda fresh: mark, ctx)
        metrics.add_metric(name="InboundRejected", unit="Count", value=1)
        return {"ses_message_id": ses_id, "action": "rejected", "reason": reason}
    safety = mail_safety.assess(
        record.ses.receipt, record.ses.mail.source, parsed.email, settings.own_domains, settings.own_addresses
    )
    # A virus is never kept beyond the raw object; spam keeps its attachments for the person who looks.
    accepted = safety.disposition is not mail_safety.Disposition.DROP
    attachments = _attachments(parsed, record, bucket) if accepted else []
    message = customer_message(record, parsed, key, settings, attachments)
    effect = bus.run(lambda fresh: conversations.receive(message, safety, ctx, fresh), ctx)
    metrics.add_metric(name="InboundEmail", unit="Count", value=1)
    if effect.data.get("answered"):
        metrics.add_metric(name="InboundAnswered", unit="Count", value=1)
    return {
        "ses_message_id": ses_id,
        **{k: v for k, v in effect.data.items() if k != "ticket_id"},
        "ticket_id": effect.data.get("ticket_id"),
        "outcome": effect.outcome,
        "attachments": len(parsed.email.attachments),
        "notes": list(parsed.email.notes),
        "bytes": len(raw or b""),
    }


def context(now: datetime) -> Context:
    """Links point at PUBLIC_BASE_URL, else at the API's own URL (the stack's SSM parameter, as for every
    function: zwrotnica.context)."""
    return Context.build(now)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context_: LambdaContext) -> dict:
    try:
        records = parse_ses_event(event).records
    except InvalidPayload as exc:
        logger.warning("not an ses receiving event", extra={"reason": exc.reason})
        return {"results": [], "error": exc.reason}
    results = []
    for record in records:
        ctx = context(datetime.now(UTC))
        summary = receive(record, ctx)
        logger.info("inbound email decided", extra=summary)
        results.append(summary)
    return {"results": results}


startup.ready()  # the handler is loaded: collection resumes (zwrotnica/startup.py)
