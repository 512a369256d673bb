"""Script and HTML injection, checked where it would run: Debian's Chromium (Playwright, started as in
test_browser_return_form) renders the status page, the return form pages and every customer e-mail as
sent to moto SES, with hostile text in every field a customer, the shop webhook or the team controls.

The pages carry a strict CSP, which would hide an escaping bug from a "did it run?" check, so each page
is also checked for what escaping must guarantee whatever the CSP: no injected element or event
attribute, no javascript: link, and the hostile text shown as text."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from order_status.app import lambda_handler as orders
from tests import usecases
from tests.factories import delivered, woo_order, woo_webhook
from tests.integration.browser import serving
from zwrotnica.models.case import CaseStatus
from zwrotnica.models.ticket import TicketCategory, TicketChannel, TicketRequest

pytestmark = pytest.mark.integration

SCRIPT = "<script>window.__xss=1</script>"
IMG = '"><img src=x onerror="window.__xss=1">'
TITLE = '</title><svg onload="window.__xss=1">'
JS_URL = "javascript:window.__xss=1//"
ALERT = "'><img src=x onerror=alert(1)>"
TEXTAREA = "</textarea><script>window.__xss=1</script>"
PAYLOADS = (SCRIPT, IMG, TITLE, JS_URL, ALERT, TEXTAREA)
ANNA = "anna.kowalska@example.com"

INERT = """() => ({
    xss: typeof window.__xss,
    elements: document.querySelectorAll('script, svg, img, iframe, object, embed, textarea textarea').length,
    handlers: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes])
        .filter(a => a.name.startsWith('on')).map(a => a.name),
    links: [...document.querySelectorAll('a[href], form[action]')]
        .map(e => e.getAttribute('href') || e.getAttribute('action'))
        .filter(u => /^\\s*(javascript|data|vbscript):/i.test(u)),
})"""


@pytest.fixture
def site(stack, monkeypatch) -> Iterator[str]:
    # The shop's own name goes into every e-mail's <title> and signature: hostile too.
    monkeypatch.setenv("SHOP_NAME", f"Sklep {TITLE}")
    from zwrotnica.settings import get_settings

    get_settings.cache_clear()
    with serving() as base:
        yield base
    get_settings.cache_clear()


@pytest.fixture
def page(browser):
    page = browser.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    yield page
    page.close()


def assert_inert(page) -> None:
    page.wait_for_load_state("load")
    page.wait_for_timeout(50)  # an <img onerror> fires after load
    found = page.evaluate(INERT)
    assert found == {"xss": "undefined", "elements": 0, "handlers": [], "links": []}
    assert page.dialogs == []


def hostile_order(context) -> None:
    """Every free-text field of a WooCommerce order carries a payload; the order is delivered."""
    order = woo_order("1001")
    for part in ("billing", "shipping"):
        order[part] = {
            **order[part],
            "first_name": TITLE,
            "last_name": IMG,
            "address_1": SCRIPT,
            "address_2": ALERT,
            "city": JS_URL,
        }
    order["line_items"][0]["name"] = f"Kurtka {IMG}"
    order["line_items"][1]["name"] = f"Czapka {SCRIPT}{TITLE}"
    assert orders(woo_webhook(order), context)["statusCode"] == 200
    delivered("1001", days_ago=40)


def test_status_page_with_a_hostile_order(site, page, context):
    hostile_order(context)
    page.goto(f"{site}/orders/1001/status?email={quote(ANNA)}")
    assert page.get_by_role("heading", level=1).inner_text() == "Zamówienie nr 1001"
    assert_inert(page)
    # The same HTML without the CSP header: escaping alone must keep it inert.
    page.set_content(page.content())
    assert_inert(page)
    for query in (f"email={quote(IMG)}", f"phone={quote(SCRIPT)}", f"email={quote(ANNA)}&t={quote(TITLE)}"):
        page.goto(f"{site}/orders/1001/status?{query}")
        assert_inert(page)
        assert "Zamówienie nr 1001" not in page.content()


def test_return_form_pages_show_hostile_text_as_text(site, page, context, sent):
    hostile_order(context)
    # Lookup errors re-display what was typed, in the inputs.
    page.goto(f"{site}/returns?order={quote(IMG)}")
    assert_inert(page)
    page.get_by_label("Numer zamówienia").fill(IMG)
    page.get_by_label("Adres e-mail").fill(SCRIPT)
    page.get_by_label("albo numer telefonu").fill(ALERT)
    page.get_by_role("button", name="Dalej").click()
    assert_inert(page)
    assert page.get_by_label("Numer zamówienia").input_value() == IMG
    assert page.get_by_label("Adres e-mail").input_value() == SCRIPT
    assert "Podaj numer telefonu z zamówienia" in page.get_by_role("alert").first.inner_text()
    page.get_by_label("Numer zamówienia").fill("1001")
    page.get_by_label("Adres e-mail").fill(ANNA)
    page.get_by_label("albo numer telefonu").fill("")
    page.get_by_role("button", name="Dalej").click()
    # The details page: product names (from the shop) are labels, shown as text.
    assert_inert(page)
    labels = page.locator("label").all_inner_texts()
    assert f"Kurtka {IMG} (możesz odesłać: 1 szt.)" in labels
    assert f"Czapka {SCRIPT}{TITLE} (możesz odesłać: 2 szt.)" in labels
    # A complaint with a hostile description and no demand: re-displayed with the error.
    page.locator('input[name="qty_KURTKA-ZIM-M"]').fill("1")
    description = " ".join(PAYLOADS)
    page.get_by_label("Opisz wadę").fill(description)
    page.get_by_role("button", name="Wyślij zgłoszenie").click()
    assert_inert(page)
    assert "Wybierz, czego żądasz." in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Opisz wadę").input_value() == description
    page.get_by_label("naprawa").check()
    page.get_by_role("button", name="Wyślij zgłoszenie").click()
    assert_inert(page)
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading.startswith("Otrzymaliśmy Twoją reklamację nr ZW-")
    rma = heading.split()[-1]
    # The team rejects it with a hostile reason, and answers a ticket with hostile text.
    now = datetime.now(UTC)
    assert usecases.move(rma, CaseStatus.DELIVERED_TO_SHOP, now, site)
    usecases.decide(rma, {"verdict": "reject", "reason": f"Powód: {SCRIPT} {IMG} {JS_URL}"}, now, site)
    ticket_id, _ = usecases.open_ticket(
        TicketRequest(
            order_number="1001",
            channel=TicketChannel.FORM,
            category=TicketCategory.COMPLAINT,
            subject=f"Pytanie {TITLE}",
            note="z formularza",
            source_ref="test:xss",
            at=now,
        )
    )
    reply = f"Dzień dobry {IMG},\n\n{SCRIPT}\n\n{TITLE} {JS_URL} {ALERT}"
    assert usecases.reply(ticket_id, reply, now).emailed
    # Every e-mail the customer got, as SES received it, rendered in Chromium.
    mails = [m for m in sent.emails if m.destinations == {"ToAddresses": [ANNA]}]
    subjects = [m.subject for m in mails]
    assert any(s.startswith("Otrzymaliśmy Twoje zamówienie") for s in subjects)
    assert f"Otrzymaliśmy Twoją reklamację nr {rma}" in subjects
    assert f"Reklamacja nr {rma} nie została uznana" in subjects  # the kind's own sentence
    assert any(s.startswith("Odpowiedź w sprawie zamówienia nr 1001") for s in subjects)
    for mail in mails:
        assert mail.body.lstrip().lower().startswith("<!doctype html>"), mail.subject
        page.set_content(mail.body)
        assert_inert(page)
        assert page.title() == mail.subject
        assert f"Sklep {TITLE}" in page.inner_text("body")
    texts = {m.subject: m.body for m in mails}
    page.set_content(next(b for s, b in texts.items() if s.startswith("Odpowiedź w sprawie")))
    body = page.inner_text("body")
    for payload in (f"Dzień dobry {IMG},", SCRIPT, f"{TITLE} {JS_URL} {ALERT}"):
        assert payload in body
    page.set_content(next(b for s, b in texts.items() if "nie została uznana" in s))
    assert f"Powód: {SCRIPT} {IMG} {JS_URL}" in page.inner_text("body")
