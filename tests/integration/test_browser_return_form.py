"""The return form in a real browser: Debian's Chromium driven by Playwright, against the real handlers
served by the local gateway (in this process, on loopback, with moto behind them)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from order_status.app import lambda_handler as orders
from tests.factories import delivered, woo_order, woo_webhook
from tests.integration.browser import serving

pytestmark = pytest.mark.integration
SHOTS = Path(__file__).parents[2] / "docs" / "screenshots"


@pytest.fixture
def site(stack) -> Iterator[str]:
    with serving() as base:
        yield base


def order_delivered(context, days_ago: int) -> None:
    assert orders(woo_webhook(woo_order("1001")), context)["statusCode"] == 200
    delivered("1001", days_ago)


def shot(page, name: str) -> None:
    if os.environ.get("SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / name), full_page=True)


def find_order(page, site: str) -> None:
    page.goto(f"{site}/returns")
    page.get_by_label("Numer zamówienia").fill("1001")
    page.get_by_label("Adres e-mail").fill("anna.kowalska@example.com")
    page.get_by_role("button", name="Dalej").click()


def test_customer_withdraws_in_the_browser_and_the_label_email_goes_out(site, browser, context, sent):
    order_delivered(context, days_ago=3)
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    find_order(page, site)
    page.get_by_label("Czapka wełniana (możesz odesłać: 2 szt.)").fill("1")
    page.get_by_label("Odstąpienie od umowy (zwrot bez podania przyczyny, 14 dni)").check()
    page.get_by_label("Powód").select_option(label="zły rozmiar")
    shot(page, "return-form.png")
    page.get_by_role("button", name="Wyślij zgłoszenie").click()
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text().startswith("Otrzymaliśmy Twoje zgłoszenie zwrotu nr ZW-")
    assert "Zwrócimy Ci 22,50" in page.content()
    shot(page, "return-confirmation.png")
    rma = heading.inner_text().split()[-1]
    label_mail = next(
        e for e in sent.emails if e.subject == f"Zgłoszenie nr {rma}: instrukcja odesłania paczki"
    )
    assert f"/labels/{rma}?t=" in label_mail.body  # our own signed link, not an S3 one (issue 12)


def test_past_the_window_the_browser_offers_a_complaint(site, browser, context, sent):
    order_delivered(context, days_ago=40)
    page = browser.new_page()
    find_order(page, site)
    assert "Termin na odstąpienie od umowy minął" in page.content()
    assert page.get_by_label("Reklamacja (towar jest wadliwy lub niezgodny z umową)").is_checked()
    page.get_by_label("Kurtka zimowa damska, rozmiar M (możesz odesłać: 1 szt.)").fill("1")
    page.get_by_label("Opisz wadę").fill("Zamek się rozpiął po tygodniu.")
    page.get_by_label("naprawa").check()
    page.get_by_role("button", name="Wyślij zgłoszenie").click()
    assert "Odpowiemy na reklamację najpóźniej" in page.content()


def test_errors_are_announced_and_tied_to_their_fields(site, browser, context):
    order_delivered(context, days_ago=3)
    page = browser.new_page()
    find_order(page, site)
    page.get_by_role("button", name="Wyślij zgłoszenie").click()
    summary = page.get_by_role("alert")
    assert "Wybierz co najmniej jeden produkt." in summary.inner_text()
