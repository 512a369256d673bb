"""The pure side of customers writing in: threading headers and thread ids (domain.reply_address), which
parcel an answer speaks of, which answer a decision sends and to whom (domain.conversations), the
mailbox key customers' orders and counters are stored under, and the headers every e-mail carries
(notify.sender.threading)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from zwrotnica.domain import conversations as rules
from zwrotnica.domain.inbound import Action, InboundDecision, decide
from zwrotnica.domain.intent import Intent, classify
from zwrotnica.domain.mail_matching import mailbox_key
from zwrotnica.domain.mail_safety import Disposition, RateDecision, SafetyAssessment
from zwrotnica.domain.reply_address import (
    ThreadKind,
    ThreadRef,
    reply_headers,
    reply_tag,
    thread_message_id,
    threads_in,
)
from zwrotnica.domain.shipment_status import ShipmentStatus
from zwrotnica.domain.shipments import ShipmentState
from zwrotnica.domain.sla_policy import default_policy
from zwrotnica.models.inbound import CustomerMessage
from zwrotnica.models.outbox import Channel, OutboxMessage
from zwrotnica.models.ticket import TicketCategory, TicketChannel, TicketPriority, TicketStatus

KEY = "dev-link-signing-key-0123456789abcdef"
TICKET = ThreadRef(ThreadKind.TICKET, "TK-0A1B2C3D4E")
NOW = datetime(2026, 12, 7, 8, 2, tzinfo=UTC)  # Monday 09:02 in Warsaw
OWN = frozenset({"reply.sklep.pl"})


# --- thread ids and headers -------------------------------------------------------------------------


def test_the_thread_id_is_the_signed_tag_at_our_receiving_domain():
    assert thread_message_id(KEY, TICKET, "Reply.Sklep.pl") == f"<{reply_tag(KEY, TICKET)}@reply.sklep.pl>"


def test_threads_are_found_only_in_ids_at_our_domains_and_signed_by_us():
    ours = thread_message_id(KEY, TICKET, "reply.sklep.pl")
    order = thread_message_id(KEY, ThreadRef(ThreadKind.ORDER, "1001"), "reply.sklep.pl")
    elsewhere = ours.replace("reply.sklep.pl", "example.pl")
    forged = ours.replace(reply_tag(KEY, TICKET).split(".")[1], "a" * 16)
    ids = ["<abc@poczta.example.pl>", elsewhere, forged, ours, order, ours]
    assert threads_in(KEY, ids, OWN) == [TICKET, ThreadRef(ThreadKind.ORDER, "1001")]
    assert threads_in("another-key-0123456789abcdef", ids, OWN) == []


def test_an_automatic_answer_replies_to_the_customers_message_and_names_our_thread_first():
    headers = reply_headers(
        in_reply_to="<q2@poczta.example.pl>",
        references=["<q1@poczta.example.pl>", "<x@eu-central-1.amazonses.com>"],
        root="<t-TK-1.abc@reply.sklep.pl>",
        automatic=True,
    )
    assert headers == {
        "In-Reply-To": "<q2@poczta.example.pl>",
        "References": "<t-TK-1.abc@reply.sklep.pl> <q1@poczta.example.pl> "
        "<x@eu-central-1.amazonses.com> <q2@poczta.example.pl>",
        "Auto-Submitted": "auto-replied",
    }


def test_a_persons_answer_is_not_auto_submitted_and_non_ascii_ids_are_left_out():
    headers = reply_headers(
        in_reply_to="<zażółć@example.pl>", references=["<ok@example.pl>"], root=None, automatic=False
    )
    assert headers == {"References": "<ok@example.pl>"}


def test_a_long_chain_keeps_the_thread_id_and_the_newest_within_the_ses_limit():
    chain = [f"<message-{n:03d}-{'x' * 40}@poczta.example.pl>" for n in range(60)]
    headers = reply_headers(
        in_reply_to=chain[-1], references=chain[:-1], root="<t-TK-1.abc@r.pl>", automatic=True
    )
    references = headers["References"].split()
    assert len(headers["References"]) <= 900 < len(" ".join(chain))
    assert references[0] == "<t-TK-1.abc@r.pl>" and references[-1] == chain[-1]
    assert references[1:] == chain[-(len(references) - 1) :]


# --- the mailbox key ----------------------------------------------------------------------------------


def test_the_mailbox_key_is_a_hash_of_the_mailbox_as_same_mailbox_compares_it():
    expected = hashlib.sha256(b"anna@example.pl").hexdigest()[:32]
    assert mailbox_key("Anna+sklep@Example.PL") == mailbox_key(" anna@example.pl ") == expected
    assert mailbox_key("anna.k@example.pl") != expected


# --- which parcel, which answer -----------------------------------------------------------------------


def parcel(status: ShipmentStatus | None, hours_ago: float = 1, **more) -> ShipmentState:
    fields = {"order_number": "1001", "carrier": "inpost", "tracking_number": "602677439331630337653846"}
    last = NOW - timedelta(hours=hours_ago) if status else None
    return ShipmentState(**(fields | {"status": status, "last_event_at": last} | more))


def test_the_answer_speaks_of_the_outbound_parcel_with_the_newest_news():
    older = parcel(ShipmentStatus.DELIVERED, hours_ago=30, tracking_number="A")
    newer = parcel(ShipmentStatus.IN_TRANSIT, hours_ago=2, tracking_number="B")
    going_back = parcel(ShipmentStatus.IN_TRANSIT, hours_ago=1, tracking_number="C", is_return=True)
    assert rules.outgoing_parcel([older, going_back, newer]) is newer
    assert rules.outgoing_parcel([going_back]) is None
    assert rules.outgoing_parcel([parcel(None, tracking_number="D")]).tracking_number == "D"


def message(text: str, subject: str = "Gdzie jest moja paczka?") -> CustomerMessage:
    return CustomerMessage(
        key="ses:x",
        channel=TicketChannel.EMAIL,
        received_at=NOW,
        sender="anna@example.pl",
        subject=subject,
        text=text,
        new_text=text,
    )


OK = SafetyAssessment(Disposition.ACCEPT, trusted=True, automatic=())


def decision_for(
    text: str, status: ShipmentStatus | None, sender: str = "anna@example.pl"
) -> InboundDecision:
    from zwrotnica.domain.inbound import OrderFacts

    return decide(
        safety=OK,
        classification=classify("", text, False),
        received_at=NOW,
        candidate_given=True,
        order=OrderFacts("1001", "anna@example.pl", status),
        sender=sender,
    )


def answer(
    decision: InboundDecision, state: ShipmentState | None, form_url: str | None = "https://s.pl/returns"
):
    text = "Dzień dobry, gdzie jest moja paczka? Zamówienie 1001"
    return rules.answer(
        decision,
        message(text),
        parcel=state,
        shop_name="Sklep",
        now=NOW,
        policy=default_policy(),
        status_url="https://s.pl/status",
        form_url=form_url,
    )


def test_a_parcel_question_gets_the_parcel_answer_sent_to_the_orders_address():
    state = parcel(ShipmentStatus.IN_TRANSIT)
    found = answer(decision_for("Dzień dobry, gdzie jest moja paczka? Zamówienie 1001", state.status), state)
    assert (found.template, found.to_order) == ("inbound_parcel", True)
    assert found.content.subject == "Re: Gdzie jest moja paczka?"
    assert "paczka z zamówienia nr 1001 jest w drodze" in found.content.text
    assert "Przewidywane doręczenie: we wtorek, 8 grudnia (szacunkowo)." in found.content.text


def test_a_complaint_gets_the_form_and_without_a_form_link_the_acknowledgement():
    complaint = decision_for("Czajnik z zamówienia 1001 przestał działać. Proszę o wymianę.", None)
    assert complaint.action is Action.ANSWER_FORM and complaint.category is TicketCategory.COMPLAINT
    with_form = answer(complaint, None)
    assert (with_form.template, with_form.to_order) == ("inbound_return_form", True)
    assert "https://s.pl/returns" in with_form.content.text
    without = answer(complaint, None, form_url=None)
    assert (without.template, without.to_order) == ("inbound_acknowledgement", False)
    assert "zarejestrowaliśmy jako reklamację" in without.content.text


def test_a_stranger_is_answered_at_their_own_address_with_nothing_of_the_order():
    stranger = decision_for("Gdzie jest paczka z zamówienia 1001?", ShipmentStatus.IN_TRANSIT, "obcy@x.pl")
    found = answer(stranger, None)
    assert (found.template, found.to_order) == ("inbound_reveal_nothing", False)
    assert "1001" not in found.content.text


def test_automatic_mail_and_a_dropped_message_get_no_answer():
    record = InboundDecision(
        Action.RECORD,
        Intent.OTHER,
        TicketCategory.OTHER,
        TicketPriority.NORMAL,
        None,
        TicketStatus.NEW,
        None,
        (),
    )
    assert answer(record, None) is None
    assert answer(record.__class__(**(record.__dict__ | {"action": Action.DROP})), None) is None


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ([], False),
        (
            [
                {"kind": "opened"},
                {"kind": "automatic_answer", "detail": "inbound_parcel"},
                {"kind": "status"},
            ],
            True,
        ),
        ([{"kind": "automatic_answer", "detail": "inbound_return_form"}], True),
        ([{"kind": "automatic_answer", "detail": "inbound_acknowledgement"}], False),
        ([{"kind": "automatic_answer", "detail": "inbound_parcel"}, {"kind": "customer_message"}], False),
        ([{"kind": "automatic_answer", "detail": "inbound_parcel"}, {"kind": "agent_reply"}], False),
    ],
)
def test_only_an_automatic_answer_that_could_settle_it_earns_the_next_message_an_acknowledgement(
    history, expected
):
    assert rules.answered_automatically({"history": history}) is expected


@pytest.mark.parametrize(
    ("counters", "expected"),
    [
        ({}, RateDecision.OK),
        ({"mails": 5, "answers": 2, "h09": 2}, RateDecision.OK),
        ({"mails": 5, "answers": 3, "h09": 3}, RateDecision.NO_ANSWER),
        ({"mails": 5, "answers": 3, "h08": 3}, RateDecision.OK),  # that hour is over
        ({"mails": 20, "answers": 10, "h08": 1}, RateDecision.NO_ANSWER),
        ({"mails": 100}, RateDecision.QUARANTINE),
    ],
)
def test_the_senders_counts_of_the_day_and_hour_decide_the_rate(counters, expected):
    day, hour = rules.day_and_hour(NOW)
    assert (day, hour) == ("20261207", 9)  # the Warsaw day and hour
    assert rules.rate(counters, hour) is expected


# --- every e-mail we send -----------------------------------------------------------------------------


def outgoing(**more) -> OutboxMessage:
    fields = {
        "dedup_key": "k",
        "order_number": "1001",
        "channel": Channel.EMAIL,
        "template": "t",
        "recipient": "anna@example.pl",
        "text": "x",
        "created_at": NOW,
    }
    return OutboxMessage(**(fields | more))


class _Settings:
    inbound_address = "pomoc@reply.sklep.pl"
    own_domains = OWN


def test_an_order_message_names_the_orders_thread_and_every_message_carries_the_loop_header(monkeypatch):
    from zwrotnica.notify import sender

    monkeypatch.setattr("zwrotnica.secrets.get_secrets", lambda: type("S", (), {"link_signing_key": KEY})())
    reply_to, headers = sender.threading(outgoing(), _Settings())
    order = ThreadRef(ThreadKind.ORDER, "1001")
    assert reply_to == f"pomoc+{reply_tag(KEY, order)}@reply.sklep.pl"
    assert headers == {"References": thread_message_id(KEY, order, "reply.sklep.pl"), "X-Zwrotnica": "1"}
    # a number a local part cannot carry: no tag, the loop header all the same
    assert sender.threading(outgoing(order_number="ZAM/2026/1"), _Settings()) == (None, {"X-Zwrotnica": "1"})
    # a message that names its own thread keeps it
    mine = outgoing(reply_to="pomoc+t-x@reply.sklep.pl", headers={"References": "<r@x>"})
    assert sender.threading(mine, _Settings()) == (
        "pomoc+t-x@reply.sklep.pl",
        {"References": "<r@x>", "X-Zwrotnica": "1"},
    )


def test_without_receiving_set_up_there_is_no_reply_to():
    from zwrotnica.notify import sender

    class Off:
        inbound_address = ""
        own_domains = frozenset()

    assert sender.threading(outgoing(), Off()) == (None, {"X-Zwrotnica": "1"})
