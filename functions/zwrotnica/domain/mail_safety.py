"""Safety rules for inbound mail, pure: SES verdicts, who may be trusted as the customer, automatic mail
(no automatic answer to it: no mail loops), and a per-sender rate limit as a function of counts.

Automatic mail (inbound-email.md §3): RFC 3834 `Auto-Submitted` other than "no"; `Precedence` /
`X-Precedence` bulk, junk, list or auto_reply; any `List-Id` / `List-Unsubscribe` (RFC 3834 lets a
responder ignore mail with List-* fields); `X-Autoreply` / `X-Autorespond`; an empty Return-Path `<>`
(bounces and notices: RFC 3834 forbids answering a null address); mailer-daemon, postmaster and
no-reply senders; delivery and read reports (multipart/report); out-of-office subjects (Polish webmail
vacation replies do not always carry Auto-Submitted); and our own mail (our domain, our loop header).
`X-Auto-Response-Suppress` asks others not to answer: it does not mark an auto-reply (Sisimai #491).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from zwrotnica.domain.reply_address import LOOP_HEADER  # every e-mail we send carries it (notify/)
from zwrotnica.models.inbound import InboundEmail, Receipt


class Disposition(StrEnum):
    ACCEPT = "accept"
    QUARANTINE = "quarantine"  # SES calls it spam (or could not scan it): kept for a human, never answered
    DROP = "drop"  # SES found a virus: not read, not stored beyond the raw object, never answered


def disposition(receipt: Receipt) -> Disposition:
    if receipt.virus_verdict.status == "FAIL":
        return Disposition.DROP
    if receipt.virus_verdict.status == "PROCESSING_FAILED" or receipt.spam_verdict.status == "FAIL":
        return Disposition.QUARANTINE
    return Disposition.ACCEPT


def _domain(address: str | None) -> str:
    return (address or "").rpartition("@")[2].strip().strip(">").lower()


def aligned(domain: str, other: str) -> bool:
    """Relaxed DMARC alignment: the same domain, or one a sub-domain of the other (mail.onet.pl, onet.pl)."""
    if not domain or not other:
        return False
    return domain == other or domain.endswith("." + other) or other.endswith("." + domain)


_DKIM_PASS = re.compile(r"\bdkim=pass\b[^;]*?\bheader\.(?:d|i)=@?([A-Za-z0-9.-]+)", re.IGNORECASE)


def sender_trusted(
    receipt: Receipt, from_address: str | None, envelope_from: str | None, auth_results: str
) -> bool:
    """May this message be taken as written by the owner of its From address? Failed DMARC: never.
    DMARC passed: yes. No DMARC verdict (GRAY: the domain publishes no policy, or scanning off): only with
    SPF passing for an envelope sender aligned with From, or a passing DKIM signature of From's domain
    (read from the Authentication-Results header SES adds)."""
    if receipt.dmarc_verdict.status == "FAIL" or receipt.dmarc_policy is not None or not from_address:
        return False
    if receipt.dmarc_verdict.status == "PASS":
        return True
    from_domain = _domain(from_address)
    if receipt.spf_verdict.status == "PASS" and aligned(_domain(envelope_from), from_domain):
        return True
    if receipt.dkim_verdict.status == "PASS":
        return any(aligned(d.lower(), from_domain) for d in _DKIM_PASS.findall(auth_results))
    return False


_AUTO_LOCAL = re.compile(
    r"^(?:mailer-daemon|postmaster|no-?reply|do-?not-?reply|nie-?odpowiadaj|noreply-.*|bounces?(?:[+-].*)?|"
    r"owner-.*|.*-request|autorespond(?:er)?|auto-?reply)$",
    re.IGNORECASE,
)
_AUTO_SUBJECT = re.compile(
    r"^\s*(?:auto(?:matic)?(?:matyczna)?[ -]?(?:odpowied[źz]|reply|response|answer)|autoodpowied[źz]|"
    r"odpowied[źz] automatyczna|auto:|out of (?:the )?office|nieobecno[śs][ćc]|jestem nieobecn|"
    r"poza biurem|urlop\b|delivery status notification|undeliverable|undelivered mail|"
    r"niedostarczon|returned mail|mail delivery (?:failed|system)|read:|przeczytano:|"
    r"potwierdzenie przeczytania)",
    re.IGNORECASE,
)


def _own(address_or_domain: str, own_domains: Iterable[str]) -> bool:
    domain = _domain(address_or_domain) if "@" in address_or_domain else address_or_domain.lower()
    return any(domain == d or domain.endswith("." + d) for d in own_domains)


def automatic_reasons(
    email: InboundEmail,
    envelope_from: str | None,
    own_domains: Iterable[str] = (),
    own_addresses: Iterable[str] = (),
) -> tuple[str, ...]:
    """`envelope_from` is SES's `mail.source` (SMTP MAIL FROM; empty for a bounce), None when unknown.
    `own_domains`: the receiving domains (reply.sklep.pl: nobody else writes from there); `own_addresses`:
    the addresses we send from (the shop's own domain also holds its staff, who are people)."""
    # Reasons are codes, no personal data: they go to the logs and the ticket.
    signals: Mapping[str, str] = email.signals
    own = tuple(d.lower() for d in own_domains)
    reasons = []
    if signals.get("auto-submitted", "no").strip().lower().split(";")[0].strip() not in ("no", ""):
        reasons.append("auto_submitted")
    precedence = (signals.get("precedence", "") + " " + signals.get("x-precedence", "")).lower()
    if any(word in precedence for word in ("bulk", "junk", "list", "auto_reply")):
        reasons.append("precedence")
    if signals.get("list-id") or signals.get("list-unsubscribe"):
        reasons.append("mailing_list")
    if any(name in signals for name in ("x-autoreply", "x-autorespond", "x-autoresponder")):
        reasons.append("autoreply_header")
    null_path = "return-path" in signals and signals["return-path"].strip() in ("<>", "")
    if null_path or (envelope_from is not None and envelope_from.strip() in ("", "<>")):
        reasons.append("null_return_path")
    if email.from_address is None:
        reasons.append("no_sender")
    elif _AUTO_LOCAL.match(email.from_address.rpartition("@")[0]):
        reasons.append("robot_sender")
    if signals.get("content-type", "").lower().startswith("multipart/report"):
        reasons.append("report")
    if _AUTO_SUBJECT.match(email.subject):
        reasons.append("auto_subject")
    # Not the envelope sender: a shop mailbox forwarding to us rewrites it to the shop's own domain (SRS).
    ours = [email.from_address or "", (email.message_id or "").strip("<>")]
    sender = (email.from_address or "").casefold()
    if (
        LOOP_HEADER.lower() in signals
        or any(a and _own(a, own) for a in ours)
        or sender in {a.casefold() for a in own_addresses}
    ):
        reasons.append("own_mail")
    return tuple(reasons)


@dataclass(frozen=True)
class RateLimits:
    answers_per_hour: int = 3  # automatic answers one sender gets
    answers_per_day: int = 10
    mails_per_day: int = 100  # past this the sender floods us: quarantine, no ticket message each


class RateDecision(StrEnum):
    OK = "ok"
    NO_ANSWER = "no_answer"  # recorded for the team, no automatic answer
    QUARANTINE = "quarantine"


RATE_LIMITS = RateLimits()


def rate_decision(
    mails_today: int, answers_last_hour: int, answers_today: int, limits: RateLimits = RATE_LIMITS
) -> RateDecision:
    """Counts are what the sender already sent (mails) and got (answers) before this message; the
    counters live in the store, this rule only reads them."""
    if mails_today >= limits.mails_per_day:
        return RateDecision.QUARANTINE
    if answers_last_hour >= limits.answers_per_hour or answers_today >= limits.answers_per_day:
        return RateDecision.NO_ANSWER
    return RateDecision.OK


@dataclass(frozen=True)
class SafetyAssessment:
    disposition: Disposition
    trusted: bool  # the From address may be taken as the customer (order data may go to it)
    automatic: tuple[str, ...]  # reasons this is automatic mail: no automatic answer

    @property
    def may_answer(self) -> bool:
        return self.disposition is Disposition.ACCEPT and not self.automatic


def assess(
    receipt: Receipt,
    envelope_from: str | None,
    email: InboundEmail,
    own_domains: Iterable[str],
    own_addresses: Iterable[str] = (),
) -> SafetyAssessment:
    return SafetyAssessment(
        disposition=disposition(receipt),
        trusted=sender_trusted(
            receipt, email.from_address, envelope_from, email.signals.get("authentication-results", "")
        ),
        automatic=automatic_reasons(email, envelope_from, own_domains, own_addresses),
    )
