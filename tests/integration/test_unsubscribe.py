"""Marketing consent withdrawn as easily as it was given, end to end on moto: every marketing e-mail
carries the signed one-click link and the RFC 8058 headers; the link's page and its one-click POST
withdraw the consent; no marketing message goes out after it, for this order or another of the address.
Also cash on delivery: what to prepare, and the delivered parcel paying the order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from courier_webhook.app import lambda_handler as couriers
from order_status.app import lambda_handler as orders
from tests.factories import api_event, tracking_webhook, woo_order_shipped, woo_webhook
from zwrotnica.context import Context
from zwrotnica.dispatch import bus
from zwrotnica.notify import sender
from zwrotnica.store import orders as order_store
from zwrotnica.store import outbox as outbox_store
from zwrotnica.store import shipments as shipment_store

pytestmark = pytest.mark.integration
DHL = "00340434161094042557"
SECOND_DHL = "00340434161094042564"
OTHER_DHL = "00340434161094042571"


@pytest.fixture
def marketing(stack, monkeypatch) -> Iterator[list[dict]]:
    """Review requests and goodwill codes on; every SendEmail request as our code hands it to SES v2
    (moto keeps no headers of a simple message: botocore's own parameter hook sees them)."""
    from zwrotnica.settings import get_settings

    monkeypatch.setenv("REVIEW_URL", "https://sklep.example.com/opinie")
    monkeypatch.setenv("GOODWILL_CODE", "PRZEPRASZAMY10")
    get_settings.cache_clear()
    requests: list[dict] = []

    def record(params, **_):
        requests.append(params)

    events = sender.ses_client().meta.events
    events.register("provide-client-params.sesv2.SendEmail", record)
    yield requests
    events.unregister("provide-client-params.sesv2.SendEmail", record)
    get_settings.cache_clear()


def shipped_order(
    context, number: str, parcel: str, *, consent: str = "yes", second: str | None = None, **changes
) -> None:
    order = woo_order_shipped(number, parcel, "DHL", **changes)
    if second:  # a second parcel of the same order
        tracking = next(m for m in order["meta_data"] if m["key"] == "_wc_shipment_tracking_items")
        tracking["value"].append({"tracking_provider": "DHL", "tracking_number": second})
    order["meta_data"] = [m for m in order["meta_data"] if m["key"] != "_marketing_consent"]
    order["meta_data"].append({"key": "_marketing_consent", "value": consent})
    assert orders(woo_webhook(order), context)["statusCode"] == 200


def parcel_event(context, parcel: str, status: str, raw_code: str, when: datetime, n: int) -> None:
    data = {"carrier": "dhl", "tracking_number": parcel, "status": status, "raw_code": raw_code}
    data["occurred_at"] = when.isoformat()
    answer = couriers(tracking_webhook(data, msg_id=f"trk_{parcel}_{n}"), context)
    assert answer["statusCode"] == 200, answer["body"]


def marketing_in(number: str) -> list:
    return [m for m in outbox_store.list_for_order(number) if m.kind == "marketing"]


def headers_of(request: dict) -> dict[str, str]:
    return {h["Name"]: h["Value"] for h in request["Content"]["Simple"].get("Headers", [])}


def link_request(method: str, url: str, **kwargs) -> dict:
    parts = urlsplit(url)
    return api_event(method, parts.path.removeprefix("/api"), query=parts.query, **kwargs)


def test_one_click_unsubscribe_end_to_end(marketing, context, sent):
    now = datetime.now(UTC)
    shipped_order(context, "3003", DHL, second=SECOND_DHL)
    # A delay: the apology (transactional) and a goodwill code (marketing), both sent at once.
    parcel_event(context, DHL, "DELAYED", "delay", now - timedelta(hours=2), 1)
    [goodwill] = marketing_in("3003")
    assert goodwill.template == "goodwill_code" and goodwill.status == "sent"
    url = goodwill.unsubscribe_url
    assert url.startswith("https://sklep.example.com/api/orders/3003/unsubscribe?t=") and url in goodwill.text

    # Headers (RFC 2369, RFC 8058) on the marketing e-mail, and on no transactional one.
    [code_request] = [r for r in marketing if "kod rabatowy" in r["Content"]["Simple"]["Subject"]["Data"]]
    assert headers_of(code_request) == {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    others = [r for r in marketing if r is not code_request]
    assert others and all("Headers" not in r["Content"]["Simple"] for r in others)

    # Delivered: a review request waits three days.
    parcel_event(context, DHL, "DELIVERED", "DLV", now - timedelta(hours=1), 2)
    [review] = [m for m in marketing_in("3003") if m.template == "review_request"]
    assert review.status == "pending"

    # A browser opens the link: a page with one button, and nothing changes yet (scanners follow links).
    page = orders(link_request("GET", url, headers={"accept": "text/html"}), context)
    assert page["statusCode"] == 200 and 'method="post"' in page["body"]
    assert "Wypisz mnie z informacji handlowych" in page["body"]
    assert "marketing_withdrawn_at" not in order_store.load_view("3003").order
    forged = url.replace("t=", "t=1999999999.")
    assert orders(link_request("GET", forged, headers={"accept": "text/html"}), context)["statusCode"] == 404
    not_this_order = url.replace("/orders/3003/", "/orders/3004/")
    assert orders(link_request("POST", not_this_order), context)["statusCode"] == 404

    # The mail client's one-click: a POST of List-Unsubscribe=One-Click, no cookie, no page.
    one_click = link_request(
        "POST",
        url,
        body="List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    answer = orders(one_click, context)
    assert answer["statusCode"] == 200 and "unsubscribed" in answer["body"]
    view = order_store.load_view("3003")
    assert view.order["marketing_withdrawn_at"]
    assert shipment_store.get("3003", "dhl", DHL)["marketing_withdrawn_at"]
    assert any(t["kind"] == "marketing_consent_withdrawn" for t in view.timeline)
    assert [m.status for m in marketing_in("3003") if m.template == "review_request"] == ["withdrawn"]
    assert orders(one_click, context)["statusCode"] == 200  # a second click: fine, nothing more

    # No marketing after it: the order's second parcel, delayed and delivered, brings the transactional
    # messages only ...
    parcel_event(context, SECOND_DHL, "DELAYED", "delay", now, 3)
    parcel_event(context, SECOND_DHL, "DELIVERED", "DLV", now + timedelta(minutes=1), 4)
    notices = [m.template for m in outbox_store.list_for_order("3003") if SECOND_DHL in m.dedup_key]
    assert "shipment_problem" in notices and "shipment_delivered" in notices
    assert sorted(m.template for m in marketing_in("3003")) == ["goodwill_code", "review_request"]
    # ... and another order of the same address, with its own consent given before, is written but never
    # sent: the sender checks the address's withdrawal.
    shipped_order(context, "3004", OTHER_DHL)
    parcel_event(context, OTHER_DHL, "DELIVERED", "DLV", now, 5)
    [other_review] = marketing_in("3004")
    before = len(sent.emails)
    result, _ = bus.retry_messages(Context.build(now + timedelta(days=4)), 25)
    assert result.withdrawn == 1 and len(sent.emails) == before
    assert [m.status for m in marketing_in("3004")] == ["withdrawn"]
    assert other_review.template == "review_request"


def test_the_confirmation_page_posts_to_the_same_signed_link(marketing, context):
    shipped_order(context, "3005", DHL)
    parcel_event(context, DHL, "DELAYED", "delay", datetime.now(UTC), 1)
    [goodwill] = marketing_in("3005")
    page = orders(link_request("GET", goodwill.unsubscribe_url, headers={"accept": "text/html"}), context)
    token = urlsplit(goodwill.unsubscribe_url).query
    assert f'action="?{token}"' in page["body"]
    done = orders(
        link_request(
            "POST",
            goodwill.unsubscribe_url,
            body="List-Unsubscribe=One-Click",
            headers={"accept": "text/html", "content-type": "application/x-www-form-urlencoded"},
        ),
        context,
    )
    assert done["statusCode"] == 200 and "Wypisaliśmy Cię z informacji handlowych" in done["body"]


def test_cash_on_delivery_says_what_to_prepare_and_the_delivered_parcel_pays_the_order(stack, context, sent):
    now = datetime.now(UTC)
    shipped_order(context, "3006", DHL, consent="no", payment_method="cod")
    assert order_store.load_view("3006").order["payment_status"] == "cod"
    parcel_event(context, DHL, "IN_TRANSIT", "TRN", now - timedelta(hours=3), 1)
    shipped = next(e for e in sent.emails if e.subject == "Zamówienie nr 3006 jest w drodze")
    assert "Płatność przy odbiorze: przygotuj 261,00\u00a0zł." in shipped.body
    parcel_event(context, DHL, "DELIVERED", "DLV", now - timedelta(hours=1), 2)
    parcel_event(context, DHL, "DELIVERED", "DLV2", now, 3)  # another delivered scan: paid once
    order = order_store.load_view("3006")
    assert (order.order["payment_status"], order.order["payment_provider"]) == ("paid", "cod")
    assert order.order["paid_amount"] == 26100
    lines = [t for t in order.timeline if t["kind"] == "payment_collected_on_delivery"]
    assert len(lines) == 1 and lines[0]["text_pl"] == (
        "Płatność przy odbiorze (261,00\u00a0zł) pobrana przy doręczeniu paczki."
    )
