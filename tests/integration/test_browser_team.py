"""The team dashboard in Chromium: asking for a link, signing in with it, the session cookie, the
dashboard's figures; an expired link and a used one are refused; an address off the list gets the same
answer and no e-mail. The link is read from what reached SES (moto), as the team member reads it."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest

from tests import usecases
from tests.integration.status_scenarios import SCENARIOS
from zwrotnica.store import dashboard as dashboard_store

pytestmark = pytest.mark.integration
SHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
TEAM = "ola@sklep.example.com"


@pytest.fixture
def site(team_site) -> str:
    return team_site


def ask_for_link(page, site: str, address: str) -> None:
    page.goto(f"{site}/team")
    page.get_by_label("Adres e-mail").fill(address)
    page.get_by_role("button", name="Wyślij link").click()
    assert "wysłaliśmy na niego link do logowania" in page.get_by_role("status").inner_text()


def link_in(sent, address: str) -> str:
    [mail] = [m for m in sent.emails if m.destinations == {"ToAddresses": [address]}]
    assert mail.subject == "Sklep: link do panelu zespołu"
    return unescape(re.search(r'href="([^"]*/team/login\?[^"]*)"', mail.body).group(1))


def local(link: str, site: str) -> str:
    """The link points at PUBLIC_BASE_URL; the test's server is elsewhere: same path and query."""
    return site + link[link.index("/team/login") :]


def shot(page, name: str) -> None:
    if os.environ.get("SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name), full_page=True)


def test_sign_in_with_the_link_then_the_dashboard_and_a_reused_link_is_refused(
    browser, site, context, carriers, sent
):
    SCENARIOS["delayed"](context, carriers)  # a delivery ticket for logistics
    SCENARIOS["return-in-progress"](context, carriers)  # a withdrawal: refund deadline
    [waiting] = [t for t in dashboard_store.tickets([]) if t.get("category") == "delivery"]
    usecases.pending(waiting["ticket_id"], "courier", datetime.now(UTC))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    ask_for_link(page, site, TEAM)
    shot(page, "team-login.png")
    link = local(link_in(sent, TEAM), site)
    page.goto(link)
    page.get_by_role("button", name="Zaloguj się").click()
    assert page.url.endswith("/team")
    assert page.get_by_role("heading", level=1).inner_text() == "Panel zespołu"
    [cookie] = [c for c in page.context.cookies() if c["name"] == "zw_team"]
    assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"], cookie["path"]) == (
        True,
        True,
        "Strict",
        "/team",
    )
    assert page.evaluate("document.cookie") == ""  # no script can read the session
    text = page.inner_text("main")
    assert "Czekają na przewoźnika: 1" in text and waiting["ticket_id"] in text
    assert "zwrot pieniędzy" in text  # the withdrawal's refund deadline
    assert page.locator(".kpi").count() == 6
    assert page.locator("svg[role=img]").count() == 2
    shot(page, "team-dashboard.png")
    # The same link again, even in a fresh browser: refused.
    other = browser.new_page()
    other.goto(link)
    other.get_by_role("button", name="Zaloguj się").click()
    assert other.get_by_role("heading", level=1).inner_text() == "Ten link już nie działa"
    assert not [c for c in other.context.cookies() if c["name"] == "zw_team"]
    # Signing out drops the cookie.
    page.get_by_role("button", name="Wyloguj").click()
    assert page.get_by_role("button", name="Wyślij link").is_visible()


def test_an_expired_link_is_refused(browser, site, context, sent, monkeypatch):
    page = browser.new_page()
    ask_for_link(page, site, "kuba@magazyn.example.com")  # a listed domain
    link = local(link_in(sent, "kuba@magazyn.example.com"), site)

    import team_dashboard.app as handler

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz) + timedelta(minutes=16)  # the link lives 15 minutes

    monkeypatch.setattr(handler, "datetime", Later)
    response = page.goto(link)
    assert response is not None and response.status == 410
    assert "Link wygasł albo został już użyty." in page.get_by_role("alert").inner_text()
    shot(page, "team-link-refused.png")


def test_an_address_off_the_list_gets_the_same_answer_and_no_email(browser, site, sent):
    page = browser.new_page()
    ask_for_link(page, site, "obcy@example.com")
    assert sent.emails == []
    page.goto(f"{site}/team")
    assert page.get_by_role("button", name="Wyślij link").is_visible()  # no session, no dashboard
