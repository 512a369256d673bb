"""Accessibility audit of every customer and team page (and every e-mail as a client renders it): axe-core
(npm package, read from disk) injected into Debian's Chromium, WCAG 2.1 A/AA rules plus axe's best
practices; no serious or critical violation anywhere."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from tests.integration.browser import axe_violations, serious
from tests.integration.status_scenarios import ANNA, SCENARIOS
from tests.integration.test_browser_team import TEAM, link_in, local

pytestmark = pytest.mark.integration


@pytest.fixture
def site(team_site) -> str:
    return team_site


class Audit:
    def __init__(self, browser) -> None:
        self.page = browser.new_page(viewport={"width": 390, "height": 844})
        self.found: dict[str, list[dict]] = {}
        self.pages = 0

    def check(self, name: str) -> None:
        self.pages += 1
        bad = serious(axe_violations(self.page))
        if bad:
            self.found[name] = bad


def test_every_customer_and_team_page_has_no_serious_or_critical_violation(
    browser, site, context, carriers, sent
):
    audit = Audit(browser)
    page = audit.page
    # The status page in every state the browser tests cover.
    for name, make in SCENARIOS.items():
        number = make(context, carriers)
        page.goto(f"{site}/orders/{number}/status?email={quote(ANNA)}")
        audit.check(f"status {name}")
    page.goto(f"{site}/orders/1001/status?email=nie.ta%40example.com")
    audit.check("status: not found")
    # The return form: lookup, its errors, the details, the confirmation.
    page.goto(f"{site}/returns")
    audit.check("return form")
    page.get_by_role("button", name="Dalej").click()
    audit.check("return form: errors")
    page.get_by_label("Numer zamówienia").fill("1005")
    page.get_by_label("Adres e-mail").fill(ANNA)
    page.get_by_role("button", name="Dalej").click()
    audit.check("return form: details")
    page.get_by_role("button", name="Wyślij zgłoszenie").click()
    audit.check("return form: details with errors")
    page.get_by_label("Kurtka zimowa damska, rozmiar M (możesz odesłać: 1 szt.)").fill("1")
    page.get_by_role("button", name="Wyślij zgłoszenie").click()
    audit.check("return form: confirmation")
    # The team's pages.
    page.goto(f"{site}/team")
    audit.check("team: sign-in")
    page.get_by_role("button", name="Wyślij link").click()
    audit.check("team: sign-in with an error")
    page.get_by_label("Adres e-mail").fill(TEAM)
    page.get_by_role("button", name="Wyślij link").click()
    audit.check("team: link sent")
    link = local(link_in(sent, TEAM), site)
    page.goto(link)
    audit.check("team: confirm")
    page.get_by_role("button", name="Zaloguj się").click()
    page.set_viewport_size({"width": 1280, "height": 900})
    audit.check("team: dashboard")
    page.goto(link)
    page.get_by_role("button", name="Zaloguj się").click()
    audit.check("team: link refused")
    # Every e-mail those steps sent, as a client renders its HTML.
    for mail in sent.emails:
        page.set_content(mail.body)
        audit.check(f"e-mail: {mail.subject}")
    assert audit.pages >= 25
    assert audit.found == {}, audit.found


def test_the_dev_outbox_is_accessible_too(browser, site, context, carriers):
    SCENARIOS["paczkomat-waiting"](context, carriers)
    page = browser.new_page()
    page.goto(f"{site}/_dev/outbox?order=1001")
    assert re.search(r"pokazane: \d+", page.inner_text("main"))
    assert page.locator("iframe[sandbox='']").count() >= 2
    assert serious(axe_violations(page)) == []
    texts = page.locator("dd").all_inner_texts()
    assert any(re.fullmatch(r"\d segment(y|ów)?, \d+ znaków, .*", t) for t in texts)  # the SMS
