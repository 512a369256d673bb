"""Inbound e-mail: SES email receiving stores the raw message in S3, then invokes this function (Lambda
action, Event invocation) with the event of inbound-email.md §1.5. `make run` does the same through a
local SMTP listener (infra/local/smtp.py).

Today the function reads, parses, assesses and classifies, and logs the decision (codes only, never an
address, a name or the text). `decide_inbound_email` is where the ticket wiring goes: look up the thread
and the order, record the message on a ticket and queue the answer (docs/inbound-email.md).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from inbound_email import raw_mail
from zwrotnica import startup
from zwrotnica.domain import intent, mail_matching, mail_safety
from zwrotnica.domain.inbound import InboundDecision, decide
from zwrotnica.errors import InvalidPayload
from zwrotnica.models.inbound import Rejected, SesRecord
from zwrotnica.observability import logger, metrics
from zwrotnica.providers.inbound_email import LIMITS, parse_mime, parse_ses_event


def decide_inbound_email(record: SesRecord, raw: bytes | None, now: datetime) -> dict[str, Any]:
    """One received message -> the decision, as a summary without personal data. STUB for the ticket
    wiring: no order, thread or counter is looked up yet (order=None, thread=None, rate OK)."""
    summary: dict[str, Any] = {"ses_message_id": record.ses.mail.message_id}
    if raw is None:
        return summary | {"action": "rejected", "reason": "too_large"}
    parsed = parse_mime(raw, LIMITS)
    if isinstance(parsed, Rejected):
        return summary | {"action": "rejected", "reason": parsed.reason.value}
    email = parsed.email
    config = raw_mail.settings()
    safety = mail_safety.assess(
        record.ses.receipt, record.ses.mail.source, email, config.own_domains, config.own_addresses
    )
    tracking = mail_matching.tracking_candidates(f"{email.subject}\n{email.new_text}")
    orders = mail_matching.order_candidates(email.subject, email.new_text)
    classification = intent.classify(email.subject, email.new_text, bool(tracking))
    decision: InboundDecision = decide(
        safety=safety,
        classification=classification,
        received_at=record.ses.receipt.timestamp,
        candidate_given=bool(orders or tracking),
        order=None,  # wiring: the first candidate that is an order, else the sender's recent order
        sender=email.from_address,
        thread=None,  # wiring: reply tag (domain.reply_address), In-Reply-To/References, open ticket
    )
    return summary | {
        "action": decision.action.value,
        "intent": decision.intent.value,
        "confidence": classification.confidence,
        "complaint_in_law": classification.complaint_in_law,
        "trusted": safety.trusted,
        "reasons": list(decision.reasons),
        "order_candidates": len(orders),
        "tracking_candidates": len(tracking),
        "attachments": len(email.attachments),
        "notes": list(email.notes),
        "bytes": len(raw),
    }


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    try:
        records = parse_ses_event(event).records
    except InvalidPayload as exc:
        logger.warning("not an ses receiving event", extra={"reason": exc.reason})
        return {"results": [], "error": exc.reason}
    now = datetime.fromtimestamp(time.time(), UTC)
    results = []
    config = raw_mail.settings()
    for record in records:
        bucket, key = raw_mail.location(record, config)
        raw = raw_mail.read(bucket, key, LIMITS.max_message_bytes)  # S3 errors raise: SES's retry re-runs
        summary = decide_inbound_email(record, raw, now)
        logger.info("inbound email decided", extra=summary)
        results.append(summary)
    return {"results": results}


startup.ready()  # the handler is loaded: collection resumes (zwrotnica/startup.py)
