"""Safety rules for inbound mail: SES verdicts, trust in the sender, automatic mail, the rate limit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from zwrotnica.domain.mail_safety import (
    LOOP_HEADER,
    Disposition,
    RateDecision,
    RateLimits,
    assess,
    automatic_reasons,
    disposition,
    rate_decision,
    sender_trusted,
)
from zwrotnica.models.inbound import InboundEmail, Receipt

EVENT = json.loads((Path(__file__).parents[1] / "events" / "email" / "ses_lambda_event.json").read_text())


def receipt(**verdicts: str) -> Receipt:
    """The documented receipt with some verdicts replaced (spam="FAIL", dmarc="PASS", policy="reject")."""
    data = json.loads(json.dumps(EVENT["Records"][0]["ses"]["receipt"]))
    for name, status in verdicts.items():
        if name == "policy":
            data["dmarcPolicy"] = status
        else:
            data[f"{name}Verdict"] = {"status": status}
    return Receipt.model_validate(data)


def email(**fields) -> InboundEmail:
    return InboundEmail(**({"from_address": "anna@example.pl", "subject": "Gdzie paczka?"} | fields))


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        ({}, Disposition.ACCEPT),
        ({"spam": "GRAY"}, Disposition.ACCEPT),
        ({"spam": "DISABLED", "virus": "DISABLED"}, Disposition.ACCEPT),
        ({"spam": "FAIL"}, Disposition.QUARANTINE),
        ({"virus": "PROCESSING_FAILED"}, Disposition.QUARANTINE),
        ({"virus": "FAIL"}, Disposition.DROP),
        ({"virus": "FAIL", "spam": "FAIL"}, Disposition.DROP),
    ],
)
def test_ses_verdicts_decide_what_happens_to_the_message(verdicts, expected):
    assert disposition(receipt(**verdicts)) is expected


@pytest.mark.parametrize(
    ("verdicts", "envelope", "auth", "trusted"),
    [
        ({"dmarc": "PASS"}, "bounce@other.example", "", True),
        ({"dmarc": "FAIL"}, "anna@example.pl", "dkim=pass header.d=example.pl", False),
        ({"dmarc": "GRAY", "policy": "reject"}, "anna@example.pl", "", False),
        # no DMARC policy published: SPF for an aligned envelope sender, or DKIM of From's domain
        ({"dmarc": "GRAY", "spf": "PASS"}, "prvs=1=anna@example.pl", "", True),
        ({"dmarc": "GRAY", "spf": "PASS"}, "SRS0=x@mail.example.pl", "", True),
        ({"dmarc": "GRAY", "spf": "PASS", "dkim": "FAIL"}, "someone@spammer.example", "", False),
        (
            {"dmarc": "GRAY", "spf": "FAIL", "dkim": "PASS"},
            "x@y.example",
            "dkim=pass header.i=@example.pl",
            True,
        ),
        (
            {"dmarc": "GRAY", "spf": "FAIL", "dkim": "PASS"},
            "x@y.example",
            "dkim=pass header.d=spammer.io",
            False,
        ),
        ({"dmarc": "GRAY", "spf": "FAIL", "dkim": "FAIL"}, "anna@example.pl", "", False),
        ({"dmarc": "PROCESSING_FAILED", "spf": "GRAY", "dkim": "GRAY"}, "anna@example.pl", "", False),
    ],
)
def test_only_an_authenticated_sender_is_trusted_as_the_customer(verdicts, envelope, auth, trusted):
    assert sender_trusted(receipt(**verdicts), "anna@example.pl", envelope, auth) is trusted


def test_a_person_writing_is_not_automatic():
    assert automatic_reasons(email(), "anna@example.pl", {"zwrotnica.example"}) == ()


@pytest.mark.parametrize(
    ("fields", "envelope", "reason"),
    [
        ({"signals": {"auto-submitted": "auto-replied"}}, "a@example.pl", "auto_submitted"),
        ({"signals": {"auto-submitted": "auto-generated; owner-email=x"}}, "a@example.pl", "auto_submitted"),
        ({"signals": {"auto-submitted": "auto-notified"}}, "a@example.pl", "auto_submitted"),
        ({"signals": {"precedence": "Bulk"}}, "a@example.pl", "precedence"),
        ({"signals": {"x-precedence": "junk"}}, "a@example.pl", "precedence"),
        ({"signals": {"precedence": "list"}}, "a@example.pl", "precedence"),
        ({"signals": {"list-id": "<news.example.pl>"}}, "a@example.pl", "mailing_list"),
        ({"signals": {"list-unsubscribe": "<https://x>"}}, "a@example.pl", "mailing_list"),
        ({"signals": {"x-autoreply": "yes"}}, "a@example.pl", "autoreply_header"),
        ({"signals": {"x-autorespond": "1"}}, "a@example.pl", "autoreply_header"),
        ({"signals": {"return-path": "<>"}}, "a@example.pl", "null_return_path"),
        ({}, "", "null_return_path"),
        ({}, "<>", "null_return_path"),
        ({"from_address": "MAILER-DAEMON@mx.example.pl"}, "a@example.pl", "robot_sender"),
        ({"from_address": "postmaster@example.pl"}, "a@example.pl", "robot_sender"),
        ({"from_address": "no-reply@allegro.example"}, "a@example.pl", "robot_sender"),
        ({"from_address": "owner-lista@example.pl"}, "a@example.pl", "robot_sender"),
        ({"from_address": None}, "a@example.pl", "no_sender"),
        ({"signals": {"content-type": "multipart/report; report-type=delivery-status"}}, "x@y.pl", "report"),
        ({"subject": "Automatyczna odpowiedź: Zamówienie nr 1005"}, "a@example.pl", "auto_subject"),
        ({"subject": "Autoodpowiedź: urlop"}, "a@example.pl", "auto_subject"),
        ({"subject": "Jestem nieobecna do 14 grudnia"}, "a@example.pl", "auto_subject"),
        ({"subject": "Out of Office: Re: paczka"}, "a@example.pl", "auto_subject"),
        ({"subject": "Przeczytano: Zamówienie 1001"}, "a@example.pl", "auto_subject"),
        ({"signals": {LOOP_HEADER.lower(): "1"}}, "a@example.pl", "own_mail"),
        ({"from_address": "sklep@zwrotnica.example"}, "a@example.pl", "own_mail"),
        ({"from_address": "x@mail.zwrotnica.example"}, "a@example.pl", "own_mail"),
        ({"message_id": "<abc@zwrotnica.example>"}, "a@example.pl", "own_mail"),
    ],
)
def test_automatic_mail_is_recognised(fields, envelope, reason):
    assert reason in automatic_reasons(email(**fields), envelope, {"zwrotnica.example"})


@pytest.mark.parametrize(
    "fields",
    [
        {"signals": {"auto-submitted": "no"}},
        {"signals": {"x-auto-response-suppress": "All"}},  # a request not to answer, not an auto-reply
        {"subject": "Re: urlop się udał, a paczka?"},
        {"from_address": "reply@example.pl"},
    ],
)
def test_look_alikes_of_automatic_mail_are_a_person(fields):
    assert automatic_reasons(email(**fields), "anna@example.pl", {"zwrotnica.example"}) == ()


def test_a_shop_mailbox_forwarding_to_us_is_not_our_own_mail():
    # The shop's mailbox forwards to SES: the envelope sender becomes the shop's (SRS), From stays
    reasons = automatic_reasons(
        email(), "SRS0=ab=cd=example.pl=anna@zwrotnica.example", {"zwrotnica.example"}
    )
    assert reasons == ()


@pytest.mark.parametrize(
    ("mails", "hour", "day", "expected"),
    [
        (0, 0, 0, RateDecision.OK),
        (10, 2, 9, RateDecision.OK),
        (10, 3, 3, RateDecision.NO_ANSWER),
        (10, 0, 10, RateDecision.NO_ANSWER),
        (100, 0, 0, RateDecision.QUARANTINE),
        (500, 9, 99, RateDecision.QUARANTINE),
    ],
)
def test_rate_limit_per_sender_is_a_function_of_counts(mails, hour, day, expected):
    assert rate_decision(mails, hour, day) is expected


def test_rate_limits_are_configurable():
    assert rate_decision(1, 1, 1, RateLimits(answers_per_hour=1)) is RateDecision.NO_ANSWER


def test_assess_combines_disposition_trust_and_automatic():
    # Given a spoofed customer address (DMARC fail) on an auto-reply
    result = assess(
        receipt(dmarc="FAIL", policy="reject"),
        "anna@example.pl",
        email(signals={"auto-submitted": "auto-replied"}),
        {"zwrotnica.example"},
    )
    assert result.disposition is Disposition.ACCEPT
    assert result.trusted is False
    assert result.automatic == ("auto_submitted",)
    assert result.may_answer is False


def test_our_sending_address_is_our_own_mail_but_a_colleague_on_the_shop_domain_is_a_person():
    ours = {"sklep@zwrotnica.example"}
    sent_by_us = email(from_address="Sklep@zwrotnica.example")
    assert "own_mail" in automatic_reasons(sent_by_us, "x@y.pl", (), ours)
    colleague = email(from_address="magazyn@zwrotnica.example")
    assert automatic_reasons(colleague, "x@y.pl", (), ours) == ()
