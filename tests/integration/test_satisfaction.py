"""CSAT (issue 16), on moto: solving a ticket a person answered sends one survey with five signed one-click
links; a click records the score, a second click on another score changes it, a reused link changes
nothing, tampered and expired links are refused, a low score opens a follow-up for the team, a comment
is kept; never a second survey. And in Chromium: the page a rating opens, and its comment form."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from order_status.app import lambda_handler as orders
from tests import usecases
from tests.factories import api_event
from tests.integration.inbound_mail import ANNA, mail, receive
from zwrotnica.domain import links
from zwrotnica.store import tickets as ticket_store

pytestmark = pytest.mark.integration
KEY = "dev-link-signing-key-0123456789abcdef"


def solved_conversation(ses, context) -> tuple[str, dict[int, str]]:
    """A customer's question, the team's answer, solved: (ticket id, score -> link in the survey)."""
    asked = receive(mail("Czy macie tę kurtkę w rozmiarze M?", subject="Kurtka"), context)
    now = datetime.now(UTC)
    usecases.reply(asked["ticket_id"], "Tak, mamy.", now)
    usecases.solve(asked["ticket_id"], now + timedelta(minutes=1))
    (survey,) = [r for r in ses.requests if "csat" in str(r)]
    found = re.findall(r"(\d) – [^:\n]+: (https://\S+)", survey["Content"]["Simple"]["Body"]["Text"]["Data"])
    return asked["ticket_id"], {int(score): url for score, url in found}


def click(url: str, context, **change: str) -> dict:
    parts = urlsplit(url)
    path = parts.path[parts.path.index("/csat/") :]  # the links point at PUBLIC_BASE_URL (…/api)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | change
    event = api_event(
        "GET", path, query="&".join(f"{k}={v}" for k, v in query.items()), headers={"accept": "text/html"}
    )
    return orders(event, context)


def test_solving_a_persons_ticket_sends_one_survey_with_five_signed_links(ses, context):
    ticket_id, survey = solved_conversation(ses, context)
    assert sorted(survey) == [1, 2, 3, 4, 5]
    email = next(r for r in ses.requests if "csat" in str(r))
    assert email["Destination"]["ToAddresses"] == [ANNA]
    assert email["Content"]["Simple"]["Subject"]["Data"] == "Re: Kurtka"
    token = parse_qs(urlsplit(survey[4]).query)["t"][0]
    assert links.token_valid(KEY, f"csat:{ticket_id}", token, datetime.now(UTC))
    # reopened and solved again: never a second survey
    usecases.pending(ticket_id, "customer", datetime.now(UTC) + timedelta(minutes=2))
    usecases.solve(ticket_id, datetime.now(UTC) + timedelta(minutes=3))
    assert len([r for r in ses.requests if "csat" in str(r)]) == 1


def test_a_click_rates_a_second_click_changes_it_and_a_reused_link_changes_nothing(ses, context):
    ticket_id, survey = solved_conversation(ses, context)
    first = click(survey[4], context)
    assert (
        first["statusCode"] == 200 and "Zapisaliśmy Twoją ocenę" in first["body"] and "4/5" in first["body"]
    )
    assert ticket_store.get(ticket_id)["csat_score"] == 4
    assert click(survey[4], context)["statusCode"] == 409  # the same link again
    assert click(survey[5], context)["statusCode"] == 200
    ticket = ticket_store.get(ticket_id)
    assert (ticket["csat_score"], ticket["csat_clicks"]) == (5, 2)


def test_tampered_and_expired_links_are_refused(ses, context):
    ticket_id, survey = solved_conversation(ses, context)
    token = parse_qs(urlsplit(survey[5]).query)["t"][0]
    expires, signature = token.split(".")
    forged = click(survey[5], context, t=f"{int(expires) + 86400}.{signature}")
    other_ticket = click(survey[5].replace(ticket_id, "TK-0000000000"), context)
    old = links.make_token(
        KEY, f"csat:{ticket_id}", datetime.now(UTC) - timedelta(days=40), timedelta(days=30)
    )
    expired = click(survey[5], context, t=old)
    assert (forged["statusCode"], other_ticket["statusCode"], expired["statusCode"]) == (403, 403, 410)
    assert "csat_score" not in ticket_store.get(ticket_id)


def test_a_low_score_opens_a_follow_up_for_the_team_once(ses, context):
    ticket_id, survey = solved_conversation(ses, context)
    click(survey[2], context)
    click(survey[1], context)
    follow_up = ticket_store.get(ticket_store.ticket_id_for(f"csat-low:{ticket_id}"))
    assert follow_up["priority"] == "high" and follow_up["subject"].startswith("Niska ocena obsługi (2/5)")
    assert follow_up["contact"]["email"] == ANNA


def test_a_comment_is_kept_with_the_score(ses, context):
    ticket_id, survey = solved_conversation(ses, context)
    click(survey[3], context)
    token = parse_qs(urlsplit(survey[3]).query)["t"][0]
    body = f"s=3&t={token}&comment=Odpowied%C5%BA+przysz%C5%82a+po+dw%C3%B3ch+dniach."
    form = {"content-type": "application/x-www-form-urlencoded"}
    posted = orders(api_event("POST", f"/csat/{ticket_id}", body=body, headers=form), context)
    assert posted["statusCode"] == 200 and "zapisaliśmy Twój komentarz" in posted["body"]
    assert ticket_store.get(ticket_id)["csat_comment"] == "Odpowiedź przyszła po dwóch dniach."


def test_a_comment_sent_before_any_click_records_its_score_once_and_a_low_one_opens_the_follow_up(
    ses, context
):
    ticket_id, survey = solved_conversation(ses, context)
    token = parse_qs(urlsplit(survey[2]).query)["t"][0]
    form = {"content-type": "application/x-www-form-urlencoded"}
    body = f"s=2&t={token}&comment=Za+d%C5%82ugo."
    for _ in range(2):  # a repeated POST records nothing twice and is never a 5xx
        posted = orders(api_event("POST", f"/csat/{ticket_id}", body=body, headers=form), context)
        assert posted["statusCode"] == 200, posted["body"]
    rated = ticket_store.get(ticket_id)
    assert (rated["csat_score"], rated["csat_comment"]) == (2, "Za długo.")
    follow_up = ticket_store.get(ticket_store.ticket_id_for(f"csat-low:{ticket_id}"))
    assert follow_up["subject"].startswith("Niska ocena obsługi (2/5)")
    click(survey[5], context)  # a click afterwards changes the score as always
    assert ticket_store.get(ticket_id)["csat_score"] == 5


def test_the_csat_page_in_a_browser(ses, context, browser):
    from tests.integration import browser as browser_setup

    ticket_id, survey = solved_conversation(ses, context)
    with browser_setup.serving() as site:
        page = browser.new_page()
        url = site + survey[5][survey[5].index("/csat/") :]
        page.goto(url)
        assert page.get_by_role("heading", name="Dziękujemy za ocenę!").is_visible()
        assert "5/5" in page.locator("main").inner_text()
        page.get_by_label("Chcesz coś dodać? (nieobowiązkowo)").fill("Szybko i konkretnie, dziękuję!")
        page.get_by_role("button", name="Wyślij komentarz").click()
        assert "zapisaliśmy Twój komentarz" in page.get_by_role("status").inner_text()
        serious = [v for v in browser_setup.axe_violations(page) if v["impact"] in browser_setup.SERIOUS]
        assert serious == []
        page.goto(url)  # the same link again: recorded before, said so
        assert "już zapisaliśmy" in unescape(page.content())
    assert ticket_store.get(ticket_id)["csat_comment"] == "Szybko i konkretnie, dziękuję!"


# --- NPS after delivery, only with marketing consent ---------------------------------------------------


def delivered_order(context, carriers, number: str, consent: bool, parcels: tuple[str, ...]) -> None:
    from tests.integration.status_scenarios import _order, push_inpost

    meta = [
        {"key": "_paczkomat_id", "value": "KRA010"},
        {"key": "_marketing_consent", "value": "yes" if consent else "no"},
    ]
    _order(context, number, tracking=[("InPost", p) for p in parcels], meta_data=meta)
    for parcel in parcels:
        push_inpost(context, carriers, parcel, "delivered", datetime.now(UTC) - timedelta(hours=1))


def sweep(after: timedelta) -> None:
    """The sweeper's command step `after` from now (the deferred survey falls due after 7 days)."""
    from zwrotnica.context import Context
    from zwrotnica.dispatch import bus

    bus.retry_due(Context.build(datetime.now(UTC) + after, "https://sklep.example.com/api"), 20)


def nps_requests(ses) -> list[dict]:
    return [r for r in ses.requests if "polecisz" in r["Content"]["Simple"]["Subject"]["Data"]]


def test_nps_goes_once_per_order_after_delivery_with_consent_and_a_click_is_counted(ses, carriers, context):
    from tests.integration.status_scenarios import PARCEL_A, PARCEL_B
    from zwrotnica.domain.weeks import week_key
    from zwrotnica.flows import report

    delivered_order(context, carriers, "2001", consent=True, parcels=(PARCEL_A, PARCEL_B))
    sweep(timedelta(days=1))
    assert nps_requests(ses) == []  # not before 7 days
    sweep(timedelta(days=8))
    (survey,) = nps_requests(ses)  # two parcels delivered, one survey
    assert survey["Destination"]["ToAddresses"] == [ANNA]
    found = dict(
        re.findall(r"(?m)^(\d+): (https://\S+)$", survey["Content"]["Simple"]["Body"]["Text"]["Data"])
    )
    assert sorted(int(k) for k in found) == list(range(11))
    # Marketing: like every marketing e-mail, the one-click unsubscribe in its text and its headers
    headers = {h["Name"]: h["Value"] for h in survey["Content"]["Simple"].get("Headers", [])}
    unsubscribe = headers["List-Unsubscribe"].strip("<>")
    assert "/orders/2001/unsubscribe?t=" in unsubscribe
    assert unsubscribe in survey["Content"]["Simple"]["Body"]["Text"]["Data"]
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = found["9"][found["9"].index("/nps/") :]  # the link points at PUBLIC_BASE_URL (…/api)
    event = api_event("GET", urlsplit(path).path, query=urlsplit(path).query, headers={"accept": "text/html"})
    assert orders(event, context)["statusCode"] == 200
    assert orders(event, context)["statusCode"] == 409  # the same link again
    week = report.build_weekly(week_key(datetime.now(UTC)), datetime.now(UTC))
    assert (week.nps.responses, week.nps.promoters, week.nps.score) == (1, 1, 100.0)


def test_no_nps_without_marketing_consent(ses, carriers, context):
    from tests.integration.status_scenarios import PARCEL_A

    delivered_order(context, carriers, "2002", consent=False, parcels=(PARCEL_A,))
    sweep(timedelta(days=8))
    assert nps_requests(ses) == []


def test_no_nps_once_the_marketing_consent_is_withdrawn(ses, carriers, context):
    from tests.integration.status_scenarios import PARCEL_A
    from zwrotnica.context import Context
    from zwrotnica.dispatch import bus
    from zwrotnica.flows import consent

    delivered_order(context, carriers, "2003", consent=True, parcels=(PARCEL_A,))
    ctx = Context.build(datetime.now(UTC), "https://sklep.example.com/api")
    bus.run(lambda fresh: consent.withdraw_marketing("2003", ctx, fresh), ctx)  # the one-click unsubscribe
    sweep(timedelta(days=8))
    assert nps_requests(ses) == []
