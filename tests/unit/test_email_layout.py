"""Every e-mail template has an HTML and a text part, and the HTML passes a basic e-mail-client lint: no
script, no external CSS or fonts, images with alt and fixed size, nothing wider than 600 px, every link
absolute and named, and a text part that says the same (every paragraph and every link of the HTML)."""

from __future__ import annotations

import inspect
import re
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import pytest

from tests.factories import load_event
from zwrotnica.domain.report import build
from zwrotnica.domain.shipment_status import ShipmentStatus
from zwrotnica.messages import (
    case_templates,
    email_layout,
    payment_templates,
    report_templates,
    shipping_templates,
    survey_templates,
    team_templates,
    templates,
    ticket_templates,
)
from zwrotnica.models.brand import Brand, FooterLink, contrast
from zwrotnica.models.case import CaseKind, CaseStatus, ComplaintDemand
from zwrotnica.models.order import ShopOrder
from zwrotnica.providers import woocommerce

STATUS = "https://sklep.example.com/api/orders/1001/status?t=1893456000.abc"
TRACK = "https://inpost.pl/sledzenie-przesylek?number=602677439331630337653846"
CTX = shipping_templates.ShippingContext(
    order_number="1001",
    carrier="inpost",
    tracking_number="602677439331630337653846",
    shop_name="Sklep",
    tracking_url=TRACK,
    status_url=STATUS,
    paczkomat=True,
    point_id="KRA010",
    point_address="Kapelanka 14, 30-347 Kraków",
    pickup_deadline=datetime(2026, 12, 4, 12, 11, tzinfo=UTC),
)


def order() -> ShopOrder:
    fields = woocommerce.to_order_fields(load_event("woocommerce/order_created.json"))
    return ShopOrder.model_validate(fields | {"platform": "woocommerce"})


UNSUB = "https://sklep.example.com/api/orders/1001/unsubscribe?t=1.x"


def emails() -> dict[str, templates.Email]:
    """One rendering of every template (each shipping notice, each case state)."""
    out = {
        "order_received": templates.order_received(order(), STATUS, "Sklep"),
        "payment_received": payment_templates.payment_received("1001", 26100, "PLN", "payu", STATUS, "Sklep"),
        "payment_failed": payment_templates.payment_failed("1001", "przelewy24", STATUS, "Sklep"),
        "refund_sent": payment_templates.refund_sent("1001", 2250, "PLN", "payu", STATUS, "Sklep"),
        "ticket_reply": ticket_templates.ticket_reply(
            ticket_id="TK-1",
            order_number="1001",
            text="Akapit pierwszy.\n\nAkapit drugi.",
            shop_name="Sklep",
            status_url=STATUS,
        ),
        "team_login": team_templates.login_link(
            url="https://sklep.example.com/api/team/login?n=abc&t=1.x", minutes=15, shop_name="Sklep"
        ),
        "team_ticket": team_templates.ticket_notification(
            brief=team_templates.TicketBrief(
                ticket_id="TK-1",
                subject="Faktura",
                category="other",
                priority="normal",
                channel="email",
                contact="Anna Kowalska <anna@example.pl>",
                order_lines=["Zamówienie 1001"],
                legal_deadline=None,
                answered_automatically=None,
            ),
            new=True,
            text="Proszę o fakturę.",
            attachments=["faktura.pdf"],
            reasons=["low_confidence"],
        ),
        "team_reply_undelivered": team_templates.reply_undelivered(
            ticket_id="TK-1", subject="Czy kurtka jest wodoodporna?", reason="not_mobile"
        ),
        "csat_request": survey_templates.csat_request(
            ticket_id="TK-1",
            subject="Faktura",
            shop_name="Sklep",
            links={n: f"https://sklep.example.com/api/csat/TK-1?s={n}&t=1.x" for n in range(1, 6)},
        ),
        "nps_request": survey_templates.nps_request(
            order_number="1001",
            shop_name="Sklep",
            links={n: f"https://sklep.example.com/api/nps/1001?s={n}&t=1.x" for n in range(11)},
            unsubscribe_url=UNSUB,
        ),
        "review_request": shipping_templates.review_request(CTX, "https://sklep.example.com/opinie", UNSUB),
        "goodwill": shipping_templates.goodwill(CTX, "PRZEPRASZAMY10", UNSUB),
        "case_submitted": case_templates.case_submitted(
            rma="ZW-2026-000001",
            kind=CaseKind.WITHDRAWAL,
            pieces=1,
            refund=2250,
            refund_due=date(2026, 12, 13),
            send_back_by=date(2026, 12, 14),
            answer_due=None,
            status_url=STATUS,
            shop_name="Sklep",
            label_url="https://labels.example.com/ZW-2026-000001.pdf",
        ),
    }
    for trigger in (
        "shipped",
        "out_for_delivery",
        "ready_for_pickup",
        "pickup_reminder",
        "delivered",
        "silent",
    ):
        note = shipping_templates.notice(trigger, ShipmentStatus.IN_TRANSIT, CTX)
        out[f"shipment_{trigger}"] = shipping_templates.email(note, CTX)
    for status in shipping_templates.PROBLEMS:
        note = shipping_templates.notice("problem", status, CTX)
        out[f"shipment_problem_{status.value}"] = shipping_templates.email(note, CTX)
    case = {"rma": "ZW-2026-000001", "status_url": STATUS, "shop_name": "Sklep"}
    out["withdrawal_accepted_with_deduction"] = case_templates.withdrawal_accepted_with_deduction(
        **case, refund=26100, deduction=5000, reason="Ślady noszenia.", refund_due=date(2026, 12, 24)
    )
    for remedy in ComplaintDemand:
        out[f"complaint_accepted_{remedy.value}"] = case_templates.complaint_accepted(
            **case, remedy=remedy, amount=5000, refund_due=date(2026, 12, 24)
        )
    out["complaint_rejected"] = case_templates.complaint_rejected(
        **case, reasons="Wada powstała z winy kupującego."
    )
    out["complaint_goods_requested"] = case_templates.complaint_goods_requested(
        **case, answer_due=date(2026, 12, 14), label_url="https://labels.example.com/ZW-2026-000001.pdf"
    )
    out["complaint_deemed_accepted"] = case_templates.complaint_deemed_accepted(
        **case, answer_due=date(2026, 12, 14), demand=ComplaintDemand.REPAIR
    )
    for status in CaseStatus:
        out[f"case_{status.value}"] = case_templates.case_moved(
            rma="ZW-2026-000001",
            status=status,
            status_url=STATUS,
            shop_name="Sklep",
            reason="Ślady użytkowania.",
            refund=2250,
            label_url="https://labels.example.com/ZW-2026-000001.pdf",
        )
    return out


class Lint(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.paragraphs: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.title = ""
        self._stack: list[str] = []
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        self._stack.append(tag)
        if tag in ("p", "a", "title"):
            self._text = []
        if tag == "br":
            self._text.append("\n")
        if tag in ("script", "link", "iframe", "object", "embed", "form", "base"):
            self.problems.append(f"<{tag}>")
        if tag == "img" and (not a.get("alt") or not a.get("width") or not a.get("height")):
            self.problems.append("an image without alt text or fixed size")
        width = a.get("width", "")
        if width.isdigit() and int(width) > email_layout.WIDTH:
            self.problems.append(f"<{tag} width={width}>")
        for px in re.findall(r"(?:^|;)\s*(?:max-)?width:\s*(\d+)px", a.get("style", "")):
            if int(px) > email_layout.WIDTH:
                self.problems.append(f"<{tag}> {px}px wide")
        if re.search(r"position:|url\(|@import|expression\(", a.get("style", "")):
            self.problems.append(f"<{tag}> style uses what clients drop")
        if any(k.startswith("on") for k in a):
            self.problems.append(f"<{tag}> event handler")

    def handle_endtag(self, tag: str) -> None:
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()
        text = "".join(self._text).strip()
        if tag == "p" and text:
            self.paragraphs.append(text)
        if tag == "a":
            href = next((a.get("href", "") for t, a in reversed(self.tags) if t == "a"), "")
            self.links.append((text, href))
        if tag == "title":
            self.title = text

    def handle_data(self, data: str) -> None:
        self._text.append(data)
        if self._stack and self._stack[-1] == "style" and re.search(r"@import|url\(|@font-face", data):
            self.problems.append("external CSS or fonts in <style>")


def lint(html: str) -> Lint:
    parser = Lint()
    parser.feed(html)
    return parser


@pytest.fixture(params=sorted(emails()))
def mail(request) -> tuple[str, templates.Email]:
    return request.param, emails()[request.param]


def test_every_template_has_an_html_and_a_text_part_that_pass_the_lint(mail):
    name, email = mail
    assert email.text.strip() and email.html.lstrip().lower().startswith("<!doctype html>"), name
    found = lint(email.html)
    assert found.problems == [], (name, found.problems)
    assert found.title == email.subject
    assert '<html lang="pl">' in email.html
    for label, href in found.links:
        assert label, (name, href)
        assert re.match(r"^(https://|mailto:)", href), (name, href)
    tables = [a for t, a in found.tags if t == "table"]
    assert tables and all(a.get("role") == "presentation" for a in tables)


def test_the_text_part_says_what_the_html_says(mail):
    name, email = mail
    found = lint(email.html)
    for paragraph in found.paragraphs:
        assert paragraph in email.text, (name, paragraph)
    for _label, href in found.links:
        if not href.startswith("mailto:"):
            assert href in email.text, (name, href)
    assert "Sklep" in email.text.rsplit("--", 1)[-1]  # the footer's details too


def test_every_template_module_function_that_makes_an_email_is_linted():
    modules = (
        templates,
        case_templates,
        payment_templates,
        shipping_templates,
        ticket_templates,
        team_templates,
        survey_templates,
    )
    makers = {
        f"{m.__name__}.{name}"
        for m in modules
        for name, fn in inspect.getmembers(m, inspect.isfunction)
        if fn.__module__ == m.__name__
        and inspect.signature(fn).return_annotation in ("Email", templates.Email)
    }
    covered = {
        "zwrotnica.messages.templates.order_received",
        "zwrotnica.messages.templates.email_from_blocks",
        "zwrotnica.messages.payment_templates.payment_received",
        "zwrotnica.messages.payment_templates.payment_failed",
        "zwrotnica.messages.payment_templates.refund_sent",
        "zwrotnica.messages.ticket_templates.ticket_reply",
        "zwrotnica.messages.team_templates.login_link",
        "zwrotnica.messages.team_templates.ticket_notification",
        "zwrotnica.messages.team_templates.reply_undelivered",
        "zwrotnica.messages.survey_templates.csat_request",
        "zwrotnica.messages.survey_templates.nps_request",
        "zwrotnica.messages.shipping_templates.review_request",
        "zwrotnica.messages.shipping_templates.goodwill",
        "zwrotnica.messages.shipping_templates.email",
        "zwrotnica.messages.case_templates.case_submitted",
        "zwrotnica.messages.case_templates.case_moved",
        "zwrotnica.messages.case_templates.withdrawal_accepted_with_deduction",
        "zwrotnica.messages.case_templates.complaint_accepted",
        "zwrotnica.messages.case_templates.complaint_rejected",
        "zwrotnica.messages.case_templates.complaint_goods_requested",
        "zwrotnica.messages.case_templates.complaint_deemed_accepted",
    }
    assert makers <= covered, makers - covered


def test_the_status_link_is_the_button_whatever_comes_first():
    html = shipping_templates.email(
        shipping_templates.notice("shipped", ShipmentStatus.IN_TRANSIT, CTX), CTX
    ).html
    button = re.search(r'<td bgcolor="[^"]+"[^>]*><a href="([^"]+)"', html).group(1)
    assert button.replace("&amp;", "&") == STATUS


def test_the_weekly_report_goes_through_the_same_frame_and_lint():
    now = datetime(2026, 11, 30, 7, tzinfo=UTC)
    report = build("2026-W48", now - timedelta(days=7), now, [], [], [], [])
    mail = report_templates.render(report, "Sklep")
    found = lint(mail.html)
    assert found.problems == [] and found.title == mail.subject
    assert 'class="zw-card"' in mail.html


def test_branding_reaches_the_layout_escaped_with_readable_colours():
    brand = Brand(
        name='Sklep "Pod <Lipą>"',
        logo_url="https://cdn.sklep.example.com/logo.png",
        accent="#ffd400",  # a light yellow: white text would not read on it
        support_email="pomoc@sklep.example.com",
        support_phone="+48 12 345 67 89",
        footer_links=(FooterLink(label="Regulamin", url="https://sklep.example.com/regulamin"),),
    )
    html = email_layout.html("Temat", ["Treść wiadomości dla klienta.", ("Status zamówienia", STATUS)], brand)
    found = lint(html)
    assert found.problems == []
    assert 'alt="Sklep &quot;Pod &lt;Lipą&gt;&quot;"' in html
    bg, text = brand.button
    assert contrast(bg, text) >= 4.5 and contrast(brand.link, "#ffffff") >= 4.5
    assert "https://sklep.example.com/regulamin" in html and "+48 12 345 67 89" in html
    assert "Regulamin: https://sklep.example.com/regulamin" in email_layout.text_footer(brand)


def test_a_broken_branding_value_falls_back_to_its_default_alone():
    brand = Brand.from_config(
        {
            "name": "Sklep Ola",
            "accent": "red; background:url(x)",
            "logo_url": "javascript:alert(1)",
            "footer_links": '[{"label": "Regulamin", "url": "http://bez-tls.example.com"}]',
            "support_phone": "+48 600 100 200",
        }
    )
    assert (brand.name, brand.support_phone) == ("Sklep Ola", "+48 600 100 200")
    assert (brand.accent, brand.logo_url, brand.footer_links) == ("#0b57d0", "", ())
