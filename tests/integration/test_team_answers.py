"""The team's side of a conversation (issue 16), on moto: a ready answer with every variable filled from
the order and its parcel, internal notes that never reach the customer, and the reply clocks: stopped by a
public team reply, not by our automatic answers, paused while we wait on the customer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests import usecases
from tests.integration.inbound_mail import ANNA, mail, receive, shop_order
from tests.integration.status_scenarios import PARCEL_A
from zwrotnica.domain import sla
from zwrotnica.domain.sla_policy import default_policy
from zwrotnica.flows import tickets
from zwrotnica.models.ticket import TicketCategory, TicketChannel, TicketEvent, TicketPriority
from zwrotnica.store import tickets as ticket_store


def clocks(ticket_id: str, as_of: datetime) -> dict[str, Any]:
    ticket = ticket_store.get(ticket_id)
    policy = default_policy()
    targets = policy.targets_for(
        TicketChannel(ticket["channel"]),
        TicketCategory(ticket["category"]),
        TicketPriority(ticket["priority"]),
    )
    history = [TicketEvent.model_validate(e) for e in ticket["history"]]
    found = sla.clocks(history, targets, policy.calendars(targets), policy.escalation, as_of)
    return {c.metric: ("paused" if c.paused else "running" if c.running else "stopped") for c in found}


def test_a_ready_answer_fills_every_variable_from_the_order_and_its_parcel(ses, carriers, context):
    shop_order(context, carriers, "1001", parcel=PARCEL_A)
    asked = receive(mail("Proszę o fakturę VAT do zamówienia 1001."), context)
    assert asked["action"] == "acknowledge"
    now = datetime.now(UTC)
    result = usecases.reply(asked["ticket_id"], "Dziękujemy za cierpliwość.", now, template="opoznienie")
    assert result.emailed and ses.to() == [ANNA]
    text = ses.text()
    assert text.startswith("Dzień dobry,\n\nprzepraszamy za opóźnienie paczki z zamówienia nr 1001.")
    assert f"({'InPost'}): przesyłka nr {PARCEL_A} jest w drodze" in text
    assert f"https://inpost.pl/sledzenie-przesylek?number={PARCEL_A}" in text
    assert "Dziękujemy za cierpliwość." in text and "{" not in text
    assert ticket_store.get(asked["ticket_id"])["history"][-1]["detail"] == "opoznienie"


def test_a_template_the_ticket_cannot_fill_is_refused_and_nothing_is_sent(ses, carriers, context):
    from zwrotnica.messages.reply_templates import MissingFacts

    asked = receive(mail("Czy macie tę kurtkę w rozmiarze M?", subject="Kurtka"), context)  # no order
    sent = len(ses.requests)
    with pytest.raises(MissingFacts):
        usecases.run(
            lambda ctx, fresh: tickets.reply(asked["ticket_id"], "", ctx, fresh, template="opoznienie")
        )
    assert len(ses.requests) == sent
    assert [e["kind"] for e in ticket_store.get(asked["ticket_id"])["history"]][-1] != "agent_reply"


def test_internal_notes_never_reach_the_customer(ses, carriers, context):
    asked = receive(mail("Czy macie tę kurtkę w rozmiarze M?", subject="Kurtka"), context)
    sent = len(ses.requests)
    usecases.run(
        lambda ctx, fresh: tickets.note(asked["ticket_id"], "Klientka stała, sprawdzić magazyn.", ctx, fresh)
    )
    ticket = ticket_store.get(asked["ticket_id"])
    assert ticket["notes"][-1]["text"] == "Klientka stała, sprawdzić magazyn." and len(ses.requests) == sent
    assert clocks(asked["ticket_id"], datetime.now(UTC))["first_reply"] == "running"  # a note is no reply


def test_reply_clocks_stop_on_a_team_reply_never_on_an_automatic_answer_and_pause_while_we_wait(
    ses, carriers, context
):
    shop_order(context, carriers, "1001", parcel=PARCEL_A)
    asked = receive(mail("Proszę o fakturę VAT do zamówienia 1001."), context)
    ticket_id, now = asked["ticket_id"], datetime.now(UTC)
    # our acknowledgement went out: the first-reply clock still runs
    assert [e["kind"] for e in ticket_store.get(ticket_id)["history"]] == ["opened", "automatic_answer"]
    assert clocks(ticket_id, now)["first_reply"] == "running"
    usecases.reply(ticket_id, "Fakturę wyślemy jutro.", now + timedelta(minutes=5))
    assert clocks(ticket_id, now + timedelta(minutes=6))["first_reply"] == "stopped"
    usecases.pending(ticket_id, "customer", now + timedelta(minutes=7))
    state = clocks(ticket_id, now + timedelta(hours=3))
    assert state["next_reply"] != "running" and state["first_reply"] == "stopped"
    # the customer writes again: the next-reply clock runs from that message
    tag = ses.requests[-1]["ReplyToAddresses"][0]
    again = mail("A na firmę?", subject="Re: Faktura", to=tag, message_id="<q7@poczta.example.pl>")
    receive(again, context, message_id="0107019a-team-0007", at=now + timedelta(hours=2))
    assert clocks(ticket_id, now + timedelta(hours=3))["next_reply"] == "running"
    usecases.reply(ticket_id, "Tak, podaj NIP.", now + timedelta(hours=3))
    assert clocks(ticket_id, now + timedelta(hours=4))["next_reply"] == "stopped"


TEAM = "zespol@sklep.example"
OLA = "ola@sklep.example"


@pytest.fixture
def team(ses, monkeypatch):
    from zwrotnica.settings import get_settings

    monkeypatch.setenv("TEAM_EMAIL", TEAM)
    monkeypatch.setenv("TEAM_ALLOWED_EMAILS", f"{OLA}, @magazyn.example")
    get_settings.cache_clear()
    yield ses
    get_settings.cache_clear()


def notification(team, ticket_id: str) -> int:
    """The position of the team's notification about the ticket among the SendEmail requests."""
    return max(
        i
        for i, r in enumerate(team.requests)
        if r["Destination"]["ToAddresses"] == [TEAM]
        and ticket_id in r["Content"]["Simple"]["Subject"]["Data"]
    )


def team_reply(team, ticket_id: str, text: str, sender: str = OLA) -> bytes:
    n = notification(team, ticket_id)
    quoted = "\n".join(f"> {line}" for line in team.text(n).splitlines()[:5])
    body = f"{text}\n\nW dniu 7.12.2026 o 09:05, Sklep pisze:\n{quoted}"
    to = team.requests[n]["ReplyToAddresses"][0]
    message_id = f"<team-{len(text)}-{sender.split('@')[0]}@sklep.example>"
    return mail(body, subject="Re: " + team.subject(n), sender_address=sender, to=to, message_id=message_id)


def test_a_ticket_that_needs_a_person_is_e_mailed_to_the_team_with_its_context(team, carriers, context):
    shop_order(context, carriers, "1001", parcel=PARCEL_A)
    answered = receive(mail("Gdzie jest moja paczka? Zamówienie 1001"), context)
    assert TEAM not in {a for r in team.requests for a in r["Destination"]["ToAddresses"]}  # answered: nobody
    asked = receive(
        mail("Proszę o fakturę VAT do zamówienia 1001.", message_id="<f@p.example.pl>"),
        context,
        message_id="0107019a-team-0001",
    )
    assert asked["ticket_id"] == answered["ticket_id"]  # the order's open conversation
    n = notification(team, asked["ticket_id"])
    text, headers = team.text(n), team.headers(n)
    assert team.subject(n).startswith(f"[{asked['ticket_id']}] Nowa wiadomość klienta:")
    assert f"Klient: Anna Kowalska <{ANNA}>" in text and "> Proszę o fakturę VAT do zamówienia 1001." in text
    assert "Zamówienie 1001:" in text and f"Przesyłka InPost {PARCEL_A}: IN_TRANSIT" in text
    assert headers["Auto-Submitted"] == "auto-generated" and "#notatka" in text
    assert team.requests[n]["ReplyToAddresses"][0].startswith("pomoc+n-" + asked["ticket_id"] + ".")


def test_a_team_members_e_mail_reply_reaches_the_customer_on_their_thread(team, carriers, context):
    asked = receive(mail("Czy macie tę kurtkę w rozmiarze M?", subject="Kurtka"), context)
    result = receive(
        team_reply(team, asked["ticket_id"], "Tak, mamy – wysyłamy jeszcze dziś."),
        context,
        message_id="0107019a-team-0002",
    )
    assert result["action"] == "team_reply"
    assert team.to() == [ANNA] and team.subject() == "Re: Kurtka"
    text = team.text()
    assert (
        "Tak, mamy – wysyłamy jeszcze dziś." in text
        and "pisze:" not in text
        and "Nowe zgłoszenie" not in text
    )
    assert (
        team.headers()["In-Reply-To"] == "<q1@poczta.example.pl>" and "Auto-Submitted" not in team.headers()
    )
    ticket = ticket_store.get(asked["ticket_id"])
    assert ticket["history"][-1]["kind"] == "agent_reply" and ticket["status"] == "open"


def test_a_reply_from_an_address_not_on_the_list_is_refused(team, carriers, context):
    asked = receive(mail("Czy macie tę kurtkę w rozmiarze M?", subject="Kurtka"), context)
    sent = len(team.requests)
    result = receive(
        team_reply(team, asked["ticket_id"], "Nie mamy.", sender="obcy@example.net"),
        context,
        message_id="0107019a-team-0003",
    )
    assert result["action"] == "team_reply_refused" and "not_allowed" in result["reasons"]
    assert len(team.requests) == sent
    assert "agent_reply" not in [e["kind"] for e in ticket_store.get(asked["ticket_id"])["history"]]


def test_a_note_by_e_mail_stays_internal(team, carriers, context):
    asked = receive(mail("Czy macie tę kurtkę w rozmiarze M?", subject="Kurtka"), context)
    sent = len(team.requests)
    result = receive(
        team_reply(team, asked["ticket_id"], "#notatka sprawdzić dostawę w czwartek"),
        context,
        message_id="0107019a-team-0004",
    )
    assert result["action"] == "team_note" and len(team.requests) == sent
    assert ticket_store.get(asked["ticket_id"])["notes"][-1]["text"] == "sprawdzić dostawę w czwartek"


def test_a_vip_customers_question_gets_a_higher_priority(ses, carriers, context):
    for n in range(5):  # VIP_MIN_ORDERS = 5
        shop_order(context, carriers, f"30{n}")
    vip = receive(mail("Proszę o fakturę VAT do zamówienia 304."), context)
    assert ticket_store.get(vip["ticket_id"])["priority"] == "high"
    other = receive(
        mail("Proszę o fakturę VAT do zamówienia 399.", sender_address="nowa@example.com"),
        context,
        message_id="0107019a-team-vip2",
    )
    assert ticket_store.get(other["ticket_id"])["priority"] == "normal"


def test_a_chat_customer_with_a_phone_only_gets_the_answer_by_sms(ses, carriers, context, sent, clock):
    # `clock`: 10:00 in Warsaw, outside the SMS quiet hours (messages.policy), whatever time the suite runs
    import json

    from sla_sweeper.app import lambda_handler as sweeper
    from tests.factories import tickets_webhook

    payload = {
        "channel": "chat",
        "message": "Czy kurtka jest wodoodporna?",
        "contact": {"phone": "600 100 200"},
    }
    opened = json.loads(sweeper(tickets_webhook(payload, "msg_sms"), context)["body"])
    answer = usecases.reply(opened["ticket_id"], "Tak, ma membranę 10 000 mm.", clock.at)
    assert answer.emailed and sent.sms == [("+48600100200", "Tak, ma membranę 10 000 mm.")]
    too_long = usecases.reply(opened["ticket_id"], "Długa odpowiedź. " * 40, clock.at)
    assert not too_long.emailed and "too long for an SMS" in too_long.why_not
    assert too_long.not_sent is tickets.NotSent.SMS_TOO_LONG


def test_every_reason_a_reply_reaches_nobody_is_explained_to_the_cli_and_in_polish_to_its_writer():
    from zwrotnica.messages import team_templates

    polish = {team_templates.UNDELIVERED_PL[reason.value] for reason in tickets.NotSent}
    english = {reason.explained for reason in tickets.NotSent}
    assert len(polish) == len(english) == len(tickets.NotSent)  # each reason its own words, both languages


def test_the_cli_lists_the_templates_and_replies_with_one(ses, carriers, context, capsys):
    from infra.cli import main as cli

    assert cli.main(["tickets", "templates"]) == 0
    listed = capsys.readouterr().out
    assert "opoznienie" in listed and "Opóźnienie przesyłki" in listed and "20 templates" in listed
    assert cli.main(["tickets", "templates", "faktura"]) == 0
    assert "Variables: numer_zamowienia" in capsys.readouterr().out
    shop_order(context, carriers, "1001", parcel=PARCEL_A)
    asked = receive(mail("Proszę o fakturę VAT do zamówienia 1001."), context)
    assert cli.main(["tickets", "reply", asked["ticket_id"], "--template", "faktura"]) == 0
    assert "first reply recorded" in capsys.readouterr().out
    assert "fakturę do zamówienia nr 1001 wystawimy" in ses.text()
    assert cli.main(["tickets", "reply", asked["ticket_id"], "--template", "nie_ma"]) == 2
    assert "No template 'nie_ma'" in capsys.readouterr().out


def test_a_team_members_e_mail_reply_that_reaches_nobody_tells_them_why(team, carriers, context):
    """A chat customer left a landline only: the answer is kept on the ticket, and the team member who
    wrote it learns at once that it went nowhere and why (not silence)."""
    import json

    from sla_sweeper.app import lambda_handler as sweeper
    from tests.factories import tickets_webhook

    payload = {
        "channel": "chat",
        "message": "Czy kurtka jest wodoodporna?",
        "contact": {"phone": "22 123 45 67"},
    }
    opened = json.loads(sweeper(tickets_webhook(payload, "msg_landline"), context)["body"])
    ticket_id = opened["ticket_id"]
    result = receive(
        team_reply(team, ticket_id, "Tak, ma membranę 10 000 mm."), context, message_id="0107019a-t-9"
    )
    assert result["action"] == "team_reply"
    ticket = ticket_store.get(ticket_id)
    assert ticket["history"][-1]["kind"] == "agent_reply"  # kept on the ticket
    told = [r for r in team.requests if r["Destination"]["ToAddresses"] == [OLA]]
    assert len(told) == 1
    subject = told[0]["Content"]["Simple"]["Subject"]["Data"]
    text = told[0]["Content"]["Simple"]["Body"]["Text"]["Data"]
    assert subject.startswith(f"[{ticket_id}] Odpowiedź nie została wysłana")
    assert "nie trafiła do klienta" in text and "polski numer komórkowy" in text
    # The same e-mail delivered again by SES changes nothing and tells nobody twice
    receive(team_reply(team, ticket_id, "Tak, ma membranę 10 000 mm."), context, message_id="0107019a-t-9")
    assert len([r for r in team.requests if r["Destination"]["ToAddresses"] == [OLA]]) == 1
