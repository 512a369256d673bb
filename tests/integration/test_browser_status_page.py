"""The customer's status page in a real browser (Debian's Chromium via Playwright, as the other browser
tests), for the states a shopper meets, at a phone's width (390 px) and a desktop's (1280 px).
`make screenshots` writes each into docs/screenshots/status-<state>-<width>.png."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from infra.local.bootstrap import DEV_SECRETS
from tests.integration.browser import serving
from tests.integration.status_scenarios import ANNA, SCENARIOS
from zwrotnica.domain import links
from zwrotnica.providers import inpost_points

pytestmark = pytest.mark.integration
SHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
WIDTHS = {"390": {"width": 390, "height": 844}, "1280": {"width": 1280, "height": 900}}


@pytest.fixture
def site(stack, carriers) -> Iterator[str]:
    with serving() as base:
        yield base


def open_status(browser, site: str, number: str, width: str):
    page = browser.new_page(viewport=WIDTHS[width])
    response = page.goto(f"{site}/orders/{number}/status?email={quote(ANNA)}")
    assert response is not None and response.status == 200
    return page


def shot(page, name: str) -> None:
    if os.environ.get("SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name), full_page=True)


def now_text(page) -> str:
    return page.locator("section.now .what").inner_text()


def current_steps(page) -> list[str]:
    return [t.split(" (")[0] for t in page.locator('[aria-current="step"]').all_text_contents()]


@pytest.mark.parametrize("width", WIDTHS)
def test_paczkomat_parcel_waiting(browser, site, context, carriers, width):
    number = SCENARIOS["paczkomat-waiting"](context, carriers)
    page = open_status(browser, site, number, width)
    assert page.get_by_role("heading", level=1).inner_text() == "Zamówienie nr 1001"
    assert now_text(page).startswith("Odbierz paczkę z Paczkomatu KRA010 do ")
    parcel = page.locator("section.parcel")
    assert "Kod odbioru InPost wysłał Ci SMS-em i e-mailem" in parcel.inner_text()
    assert current_steps(page) == ["W Paczkomacie"]
    # The point from the points API: name, address and hours (and a second page view asks nobody).
    assert "Paczkomat KRA010" in parcel.inner_text()
    assert "Kapelanka 14, 30-347 Kraków" in parcel.inner_text()
    assert "Całą dobę, 7 dni w tygodniu" in parcel.inner_text()
    assert "Przy sklepie Żabka, obok wejścia" in parcel.inner_text()
    # The 24-digit number wraps between groups of four, never inside one; copying it gives one number.
    groups = parcel.locator(".tn span").all_inner_texts()
    assert groups == ["6026", "7743", "9331", "6303", "3765", "3846"]
    assert (
        page.get_by_role("link", name="Śledź u przewoźnika")
        .get_attribute("href")
        .endswith("602677439331630337653846")
    )
    returns = page.get_by_role("link", name="Zwróć lub zareklamuj towar").get_attribute("href")
    assert returns.startswith("https://sklep.example.com/api/returns?order=1001&t=")
    assert page.get_by_role("link", name="Napisz do nas").get_attribute("href").startswith("mailto:")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    shot(page, f"status-paczkomat-waiting-{width}.png")


def test_the_point_comes_from_the_cache_and_a_failing_api_never_breaks_the_page(
    browser, site, context, carriers
):
    number = SCENARIOS["paczkomat-waiting"](context, carriers)
    page = open_status(browser, site, number, "390")
    page.reload()
    assert carriers.point_calls == ["KRA010"]  # one call per container and day, not per page
    carriers.points_down = True  # the points API goes down...
    inpost_points.use_transport(httpx.MockTransport(carriers.points))  # ...in a new container (no cache)
    page.reload()
    parcel = page.locator("section.parcel").inner_text()
    assert "Odbierz paczkę z Paczkomatu KRA010" in parcel  # the page, without the opening hours
    assert "Godziny otwarcia" not in parcel
    assert "ul. Zielona 5, 30-001 Kraków" in parcel  # the address ShipX's tracking read gave


@pytest.mark.parametrize("width", WIDTHS)
def test_courier_parcel_out_for_delivery_cash_on_delivery(browser, site, context, carriers, width):
    number = SCENARIOS["courier-out-for-delivery"](context, carriers)
    page = open_status(browser, site, number, width)
    assert "Kurier DPD doręczy paczkę dziś – bądź pod adresem dostawy i przygotuj 261,00" in now_text(page)
    assert current_steps(page) == ["U kuriera"]
    steps = page.locator("section.parcel .steps li").all_text_contents()
    assert [s.split(" (")[0] for s in steps] == ["Zamówione", "Wysłane", "W drodze", "U kuriera", "Doręczone"]
    assert "Paczkomat" not in page.locator("section.parcel").inner_text()
    shot(page, f"status-courier-out-for-delivery-{width}.png")


@pytest.mark.parametrize("width", WIDTHS)
def test_delayed_parcel(browser, site, context, carriers, width):
    number = SCENARIOS["delayed"](context, carriers)
    page = open_status(browser, site, number, width)
    assert "Przewoźnik (InPost) zgłosił opóźnienie – pilnujemy sprawy" in now_text(page)
    problem = page.locator(".steps li.problem")
    assert problem.count() == 1 and "W drodze" in problem.inner_text()
    assert "problem na tym etapie" in problem.inner_text()  # said, not only shown in red
    expected = (datetime.now(UTC) + timedelta(days=2)).date()
    # "Przewidywana dostawa" then "wtorek, 1 grudnia 2026 r." (the weekday, the day, the month)
    assert re.search(
        rf"Przewidywana dostawa\n\w+, {expected.day} ", page.locator("section.parcel").inner_text()
    )
    shot(page, f"status-delayed-{width}.png")


@pytest.mark.parametrize("width", WIDTHS)
def test_two_parcels_shown_together_the_pressing_one_first(browser, site, context, carriers, width):
    number = SCENARIOS["two-parcels"](context, carriers)
    page = open_status(browser, site, number, width)
    titles = page.locator("section.parcel h2").all_inner_texts()
    assert titles == ["Paczka 1 z 2 · InPost", "Paczka 2 z 2 · InPost"]
    assert current_steps(page) == ["W Paczkomacie", "W drodze"]
    assert "Odbierz paczkę z Paczkomatu KRA010" in now_text(page)  # waiting beats travelling
    shot(page, f"status-two-parcels-{width}.png")


@pytest.mark.parametrize("width", WIDTHS)
def test_return_in_progress_with_its_legal_dates(browser, site, context, carriers, width):
    number = SCENARIOS["return-in-progress"](context, carriers)
    page = open_status(browser, site, number, width)
    assert now_text(page).startswith("Odeślij towar do ")  # what the customer must do now
    case = page.locator("section.case")
    assert case.locator("h2").inner_text().startswith("Zwrot (odstąpienie od umowy) ZW-")
    text = case.inner_text()
    assert "Odeślij towar do " in text and "etykietę zwrotną wysłaliśmy e-mailem" in text
    assert "Odeślij towar do" in text and "Zwrot pieniędzy" in text and "najpóźniej" in text
    assert [s.split(" (")[0] for s in case.locator('[aria-current="step"]').all_text_contents()] == [
        "Zgłoszone"
    ]
    shot(page, f"status-return-in-progress-{width}.png")


@pytest.mark.parametrize("width", WIDTHS)
def test_refunded_order_reads_right(browser, site, context, carriers, width):
    number = SCENARIOS["refunded"](context, carriers)
    page = open_status(browser, site, number, width)
    assert "Zwróciliśmy pieniądze za zamówienie (261,00" in now_text(page)
    assert "Zwrócona w całości" in page.locator(".meta").inner_text()
    assert page.locator(".steps li.problem").count() == 1
    assert page.get_by_role("link", name="Zwróć lub zareklamuj towar").count() == 0
    shot(page, f"status-refunded-{width}.png")


def test_works_without_javascript_and_loads_nothing_from_elsewhere(browser, site, context, carriers):
    number = SCENARIOS["paczkomat-waiting"](context, carriers)
    browser_context = browser.new_context(java_script_enabled=False)
    page = browser_context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    token = links.make_token(DEV_SECRETS["link_signing_key"], number, datetime.now(UTC), timedelta(1))
    page.goto(f"{site}/orders/{number}/status?t={token}")
    assert "Odbierz paczkę z Paczkomatu KRA010" in page.inner_text("main")
    assert all(url.startswith(site) for url in requests), requests
    browser_context.close()


def test_the_html_page_makes_the_same_dynamodb_round_trips_as_the_json_answer(stack, context, carriers):
    from order_status.app import lambda_handler as orders
    from tests.factories import api_event
    from tests.integration.test_hostile_customer_input import DynamoCalls
    from zwrotnica.store.table import client

    number = SCENARIOS["paczkomat-waiting"](context, carriers)
    token = links.make_token(DEV_SECRETS["link_signing_key"], number, datetime.now(UTC), timedelta(1))
    seen = {}
    for accept in ("application/json", "text/html", "text/html"):  # the second page: the point is cached
        calls = DynamoCalls()
        client().meta.events.register("before-call.dynamodb.*", calls)
        event = api_event("GET", f"/orders/{number}/status", query=f"t={token}", headers={"accept": accept})
        assert orders(event, context)["statusCode"] == 200
        client().meta.events.unregister("before-call.dynamodb.*", calls)
        seen.setdefault(accept, []).append(dict(calls.ops))
    assert seen == {"application/json": [{"Query": 1}], "text/html": [{"Query": 1}, {"Query": 1}]}
    assert carriers.point_calls == ["KRA010"]
