"""The intent rules on 200 Polish e-mails (tests/events/email/corpus), through the whole pure pipeline:
MIME -> parse -> safety -> candidates -> classify -> decide, as if every mail came from the customer of a
matched order whose parcel is on its way. The targets of issue 15 fail the test when missed:

* at least 80 % of "where is my parcel" mails get the automatic parcel answer (per corpus file);
* at most 1 in 100 automatic parcel answers goes to a mail that was not such a question (with fewer than
  100 answers in a file: none);
* mixed and automatic mails never get it; every complaint is a complaint in law.

`tuning.txt` is what the rules were written against; the holdout files were written before the rules
saw them (figures of each file's first run: docs/inbound-email.md). Print the table:

    PYTHONPATH=functions:. .venv/bin/python -m tests.unit.test_intent_corpus
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from zwrotnica.domain import mail_matching, mail_safety
from zwrotnica.domain.inbound import Action, InboundDecision, OrderFacts, decide
from zwrotnica.domain.intent import Classification, Intent, classify
from zwrotnica.domain.shipment_status import ShipmentStatus
from zwrotnica.models.inbound import Receipt
from zwrotnica.providers.inbound_email import ParsedMail, parse_mime

CORPUS = Path(__file__).parents[1] / "events" / "email" / "corpus"
FILES = ("tuning.txt", "holdout.txt", "holdout2.txt", "holdout3.txt")
CUSTOMER = "klient@example.pl"
NOW = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
RECEIPT = Receipt.model_validate(
    {
        "timestamp": "2026-12-07T09:30:00.000Z",
        "recipients": ["pomoc@zwrotnica.example"],
        **{f"{v}Verdict": {"status": "PASS"} for v in ("spam", "virus", "spf", "dkim", "dmarc")},
        "action": {"type": "Lambda", "invocationType": "Event"},
    }
)


@dataclass(frozen=True)
class Mail:
    id: str
    label: Intent
    mixed: bool
    automatic: bool
    raw: bytes

    @property
    def pure_parcel_question(self) -> bool:
        return self.label is Intent.WHERE_IS_PARCEL and not self.mixed and not self.automatic


def load(name: str) -> list[Mail]:
    mails = []
    for block in re.split(r"^### ", (CORPUS / name).read_text(encoding="utf-8"), flags=re.M)[1:]:
        head, _, rest = block.partition("\n")
        rid, label, *flags = head.split()
        header_text, _, body = rest.partition("\n\n")
        message = EmailMessage()
        message["From"] = f"Klient <{CUSTOMER}>"
        message["To"] = "pomoc@zwrotnica.example"
        for line in filter(None, header_text.strip().split("\n")):
            name_, _, value = line.partition(": ")
            if name_.lower() != "content-type":
                message[name_] = value
        message.set_content(body.strip() + "\n")
        mails.append(
            Mail(rid, Intent(label.split("=")[1]), "mixed" in flags, "automatic" in flags, message.as_bytes())
        )
    return mails


@dataclass(frozen=True)
class Outcome:
    mail: Mail
    classification: Classification
    decision: InboundDecision

    @property
    def parcel_answer(self) -> bool:
        return self.decision.action is Action.ANSWER_PARCEL


def run(mail: Mail) -> Outcome:
    parsed = parse_mime(mail.raw)
    assert isinstance(parsed, ParsedMail), mail.id
    email = parsed.email
    safety = mail_safety.assess(RECEIPT, CUSTOMER, email, {"zwrotnica.example"})
    tracking = mail_matching.tracking_candidates(f"{email.subject}\n{email.new_text}")
    orders = mail_matching.order_candidates(email.subject, email.new_text)
    classification = classify(email.subject, email.new_text, bool(tracking))
    decision = decide(
        safety=safety,
        classification=classification,
        received_at=NOW,
        candidate_given=bool(orders or tracking),
        order=OrderFacts("1001", CUSTOMER, ShipmentStatus.IN_TRANSIT),
        sender=email.from_address,
    )
    return Outcome(mail, classification, decision)


def figures(outcomes: list[Outcome]) -> dict[str, float | int]:
    out: dict[str, float | int] = {}
    for intent in Intent:
        tp = sum(o.mail.label is intent and o.classification.intent is intent for o in outcomes)
        fp = sum(o.mail.label is not intent and o.classification.intent is intent for o in outcomes)
        fn = sum(o.mail.label is intent and o.classification.intent is not intent for o in outcomes)
        out[f"{intent.value}_precision"] = tp / (tp + fp) if tp + fp else 1.0
        out[f"{intent.value}_recall"] = tp / (tp + fn) if tp + fn else 1.0
    questions = [o for o in outcomes if o.mail.pure_parcel_question]
    answered = [o for o in outcomes if o.parcel_answer]
    out["parcel_questions"] = len(questions)
    out["parcel_answered"] = sum(o.parcel_answer for o in questions)
    out["answers"] = len(answered)
    out["wrong_answers"] = sum(not o.mail.pure_parcel_question for o in answered)
    return out


RESULTS = {name: [run(mail) for mail in load(name)] for name in FILES}


def test_the_corpus_is_big_and_varied_enough():
    mails = [o.mail for outcomes in RESULTS.values() for o in outcomes]
    assert len(mails) >= 100 and len({m.id for m in mails}) == len(mails)
    labels = {intent: sum(m.label is intent for m in mails) for intent in Intent}
    assert min(labels.values()) >= 15, labels
    assert sum(m.mixed for m in mails) >= 5 and sum(m.automatic for m in mails) >= 3
    held_out = sum(len(RESULTS[name]) for name in FILES[1:])
    assert held_out >= 100


@pytest.mark.parametrize("name", FILES)
def test_at_least_80_percent_of_parcel_questions_get_the_automatic_answer(name):
    result = figures(RESULTS[name])
    assert result["parcel_answered"] >= 0.8 * result["parcel_questions"], result


@pytest.mark.parametrize("name", FILES)
def test_at_most_1_in_100_automatic_answers_goes_to_another_question(name):
    result = figures(RESULTS[name])
    assert result["wrong_answers"] <= result["answers"] // 100, [
        o.mail.id for o in RESULTS[name] if o.parcel_answer and not o.mail.pure_parcel_question
    ]


@pytest.mark.parametrize("name", FILES)
def test_precision_and_recall_per_intent(name):
    # Not targets of the issue, but a drop below these means the rules broke, not that Polish changed.
    result = figures(RESULTS[name])
    low = {k: round(v, 2) for k, v in result.items() if k.endswith(("precision", "recall")) and v < 0.8}
    assert not low, low


def test_mixed_and_automatic_mails_never_get_an_automatic_answer():
    for outcomes in RESULTS.values():
        for o in outcomes:
            if o.mail.mixed:
                assert o.decision.action is not Action.ANSWER_PARCEL, o.mail.id
            if o.mail.automatic:
                assert o.decision.action is Action.RECORD, o.mail.id


def test_every_complaint_is_a_complaint_in_law_with_its_deadline():
    for outcomes in RESULTS.values():
        for o in outcomes:
            if o.mail.label is Intent.COMPLAINT:
                assert o.classification.complaint_in_law, (o.mail.id, o.classification.cues)
                assert o.decision.legal_deadline is not None


def table() -> str:
    rows = ["file           parcel answered  wrong   " + "  ".join(f"{i.value[:9]:>9} P/R" for i in Intent)]
    for name in FILES:
        r = figures(RESULTS[name])
        cells = "  ".join(f"{r[f'{i.value}_precision']:.2f}/{r[f'{i.value}_recall']:.2f}" for i in Intent)
        rows.append(
            f"{name:14} {r['parcel_answered']:>3}/{r['parcel_questions']:<3}          "
            f"{r['wrong_answers']}/{r['answers']:<4}  {cells}"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
