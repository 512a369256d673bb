"""`make demo`: one realistic order's life against the running local stack, correctly signed, and a DPD
parcel moving through its states from the emulated DPD queue (infra/local/dpd.py).

Start `make run` first; watch the messages appear at http://127.0.0.1:3000/_dev/outbox.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from infra.local.bootstrap import DEV_SECRETS
from zwrotnica.providers import shoper, standard_webhooks, woocommerce

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "events" / "woocommerce" / "order_created.json"
SHOPER_SAMPLE = ROOT / "tests" / "events" / "shoper" / "order_create.json"
BASELINKER_SAMPLE = ROOT / "tests" / "events" / "baselinker" / "get_orders.json"


def step(title: str) -> None:
    print(f"\n== {title}")


def show(response: httpx.Response) -> Any:
    text = response.text
    try:
        body = response.json()
        text = json.dumps(body, ensure_ascii=False)[:400]
    except ValueError:
        body = None
    print(f"   {response.request.method} {response.request.url.path} -> {response.status_code} {text[:400]}")
    return body


def woo(client: httpx.Client, order: dict[str, Any], topic: str) -> httpx.Response:
    body = json.dumps(order, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json",
        "X-WC-Webhook-Topic": topic,
        "X-WC-Webhook-Resource": "order",
        "X-WC-Webhook-Event": topic.split(".")[1],
        "X-WC-Webhook-Signature": woocommerce.sign(DEV_SECRETS["woocommerce_webhook_secret"], body),
        "X-WC-Webhook-ID": "7",
    }
    return client.post("/webhooks/shop/woocommerce", content=body, headers=headers)


def generic(client: httpx.Client, envelope: dict[str, Any], msg_id: str) -> httpx.Response:
    body = json.dumps(envelope, ensure_ascii=False).encode()
    ts = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": standard_webhooks.sign(
            DEV_SECRETS["standard_webhooks_secrets"][0], msg_id, ts, body
        ),
    }
    return client.post("/webhooks/shop/generic", content=body, headers=headers)


def shoper_order(client: httpx.Client, order: dict[str, Any], event: str) -> httpx.Response:
    """A Shoper webhook as Shoper signs it: X-Webhook-SHA1 = sha1(webhook id:Klucz:body)."""
    body = json.dumps(order, ensure_ascii=False).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Shop-Domain": "sklep-demo.shoparena.pl",
        "X-Webhook-Name": event,
        "X-Webhook-Id": "5",
        "X-Webhook-SHA1": shoper.sign("5", DEV_SECRETS["shoper_webhook_secret"], body),
    }
    return client.post("/webhooks/shop/shoper", content=body, headers=headers)


def payu(client: httpx.Client, number: str, status: str, amount: int) -> httpx.Response:
    """A PayU order notification, signed as PayU signs: HEX(MD5(raw body + POS second key))."""
    order = {
        "orderId": f"DEMO{number}GUEST000P01",
        "extOrderId": number,
        "merchantPosId": DEV_SECRETS["payu_pos_id"],
        "currencyCode": "PLN",
        "totalAmount": str(amount),
        "status": status,
    }
    body = json.dumps({"order": order, "localReceiptDateTime": "2026-11-20T14:06:00.000+01:00"}).encode()
    digest = hashlib.md5(body + DEV_SECRETS["payu_second_key"].encode(), usedforsecurity=False).hexdigest()
    headers = {
        "Content-Type": "application/json;charset=UTF-8",
        "OpenPayu-Signature": f"sender=checkout;signature={digest};algorithm=MD5;content=DOCUMENT",
    }
    return client.post("/webhooks/payments/payu", content=body, headers=headers)


PARCEL = "602677439331630337653846"  # the tracking number of InPost's documented samples


def inpost(client: httpx.Client, status: str, at: str, *, url_token: str | None = None) -> httpx.Response:
    """A ShipX push: unsigned (the secret is the registered URL's token), `event_ts` as ShipX writes it."""
    kind = "shipment_confirmed" if status == "confirmed" else "shipment_status_changed"
    payload = {"shipment_id": 1592329201, "tracking_number": PARCEL} | (
        {} if kind != "shipment_status_changed" else {"status": status}
    )
    body = json.dumps({"event_ts": at, "event": kind, "organization_id": 123456, "payload": payload}).encode()
    path = f"/webhooks/couriers/inpost/{url_token or DEV_SECRETS['inpost_webhook_token']}"
    return client.post(path, content=body, headers={"Content-Type": "application/json"})


def parcel_life(client: httpx.Client, order: dict[str, Any], number: str) -> None:
    """InPost pushes for the order's parcel to Paczkomat KRA010 (the local ShipX read is offline, so each
    push is acted on and marked unconfirmed, as when ShipX is down)."""
    step("InPost saves the webhook URL and checks it with a GET: 200 only with the secret token")
    show(client.get(f"/webhooks/couriers/inpost/{DEV_SECRETS['inpost_webhook_token']}"))
    step(f"InPost confirms the label for {PARCEL} before the shop has named it: received (200), held")
    show(inpost(client, "confirmed", "2026-11-20 15:30:00 +0100"))
    step("The shop adds the tracking number (order.updated): the held event joins, 'spakowane' e-mail")
    tracking = {
        "key": "_wc_shipment_tracking_items",
        "value": [{"tracking_provider": "InPost", "tracking_number": PARCEL}],
    }
    shipped = order | {
        "status": "completed",
        "date_modified_gmt": "2026-11-20T14:40:00",
        "meta_data": [*order.get("meta_data", []), tracking],
    }
    show(woo(client, shipped, "order.updated"))
    step("The courier picks it up: a new state, no message (the customer already knows it is on its way)")
    show(inpost(client, "taken_by_courier", "2026-11-20 17:02:00 +0100"))
    step("Ready in Paczkomat KRA010: SMS + e-mail with the point and the pickup deadline (48 h)")
    show(inpost(client, "ready_to_pickup", "2026-11-21 13:11:05 +0100"))
    step(
        "InPost repeats that push, and a late 'out_for_delivery' arrives: no second message, never backwards"
    )
    show(inpost(client, "ready_to_pickup", "2026-11-21 13:11:05 +0100"))
    show(inpost(client, "out_for_delivery", "2026-11-21 07:40:00 +0100"))
    step("Somebody without the token: 401, nothing stored")
    show(inpost(client, "delivered", "2026-11-21 18:00:00 +0100", url_token="guess"))  # noqa: S106
    step("Collected: possession recorded (the 14-day withdrawal clock starts), 'dziękujemy' e-mail")
    show(inpost(client, "delivered", "2026-11-21 18:20:00 +0100"))


def baselinker_order(client: httpx.Client) -> None:
    """An Allegro order in a BaseLinker account: BaseLinker sends nothing, the sweeper reads its order
    journal (getJournalList from the last event id, then getOrders and getOrderPackages), here the local
    stack's emulated one."""
    sample = json.loads(BASELINKER_SAMPLE.read_text(encoding="utf-8"))["orders"][0]
    now = int(time.time())
    order = sample | {
        "order_id": 8000001,
        "email": "anna.kowalska@example.com",
        "phone": "600100200",
        "date_add": now,
        "date_confirmed": now,
        "date_in_status": now,
        "delivery_package_nr": "602677439331630330001001",  # its own parcel, not the WooCommerce order's
    }
    step("An Allegro order lands in BaseLinker (no webhook: it waits in BaseLinker's order journal)")
    show(client.post("/_dev/baselinker/orders", json={"order": order}))
    step("The sweeper reads the journal (every 5 minutes; now, for the demo): the order, one e-mail")
    show(client.post("/_dev/sweep"))
    step("Another sweep at once: the journal is not due again yet, and its cursor reads nothing twice")
    show(client.post("/_dev/sweep"))
    show(client.get("/orders/8000001/status", params={"email": "anna.kowalska@example.com"}))


DPD_PARCEL = "1000635967411U"  # the waybill of tests/events/dpd/customer_events_life.xml


def dpd(client: httpx.Client, code: str, description: str, minutes_ago: int, reference: str) -> None:
    """An event joins the (emulated) DPDInfoServices queue of the shop's channel, as DPD records it."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    at = datetime.now(ZoneInfo("Europe/Warsaw")) - timedelta(minutes=minutes_ago)
    event = {
        "waybill": DPD_PARCEL,
        "businessCode": code,
        "description": description,
        "eventTime": at.strftime("%Y-%m-%dT%H:%M:%S"),  # no offset: Warsaw time, as DPD writes it
        "depot": "1322",
        "packageReference": reference,
    }
    client.post("/_dev/dpd/events", json=event)
    print(f"   DPD queue  <- {code} {description}")


def sweep(client: httpx.Client) -> None:
    """The sweeper's run (every 5 minutes on AWS), now: DPD's queue drained, events committed, then acked."""
    result = client.post("/_dev/sweep", timeout=120).json()
    print(
        f"   sweep: {result.get('carrier_calls', 0)} DPD call(s), {result.get('carrier_events', 0)} event(s) "
        f"committed; queue: {result['dpd_waiting']} waiting, {result['dpd_acknowledged']} acknowledged"
    )


def dpd_parcel_life(client: httpx.Client, order: dict[str, Any], number: str) -> None:
    """A DPD parcel without AfterShip: DPD pushes nothing, the sweeper drains DPDInfoServices' queue."""
    step(f"Order {number} ships with DPD: the shop names waybill {DPD_PARCEL} (Shipment Tracking 'DPD.PL')")
    tracking = {"key": "_wc_shipment_tracking_items", "value": [
        {"tracking_provider": "DPD.PL", "tracking_number": DPD_PARCEL}]}  # fmt: skip
    show(woo(client, order | {"number": number, "meta_data": [tracking]}, "order.created"))
    step("DPD registers and collects the parcel; the next sweep drains the queue: 'spakowane' e-mail")
    dpd(client, "030103", "Zarejestrowano dane przesyłki", 300, number)
    dpd(client, "040101", "Przesyłka odebrana przez kuriera", 240, number)
    sweep(client)
    step("Out for delivery, then the courier finds nobody at home: SMS, then an apology and a ticket")
    dpd(client, "170101", "Wydanie przesyłki do doręczenia", 120, number)
    dpd(client, "200201", "Odbiorca nieobecny", 60, number)
    sweep(client)
    step("The next sweep finds the queue empty: one call, nothing sent twice")
    sweep(client)
    step("Out again and delivered: 'dotarło' e-mail, the withdrawal clock starts")
    dpd(client, "170101", "Wydanie przesyłki do doręczenia", 30, number)
    dpd(client, "190101", "Przesyłka doręczona", 5, number)
    sweep(client)
    show(client.get(f"/orders/{number}/status", params={"email": "anna.kowalska@example.com"}))
    print(f'   every event DPD brought: make cli ARGS="--local events list --order {number}"')


def main() -> int:
    base = os.environ.get("ZWROTNICA_URL", f"http://127.0.0.1:{os.environ.get('PORT', '3000')}")
    client = httpx.Client(base_url=base, timeout=10)
    try:
        client.get("/_dev/outbox.json")
    except httpx.ConnectError:
        print(f"Nothing answers at {base}. Start the stack first: make run", file=sys.stderr)
        return 1
    number = (
        "ZW1001"  # fixed, so the commands `make run` prints work; a second run shows the retries absorbed
    )
    order = json.loads(SAMPLE.read_text(encoding="utf-8")) | {"number": number}

    step("WooCommerce saves the webhook and pings it (unsigned form body)")
    show(
        client.post(
            "/webhooks/shop/woocommerce",
            content=b"webhook_id=7",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    )
    step(f"The customer orders: WooCommerce sends order.created for {number}")
    show(woo(client, order, "order.created"))
    step("WooCommerce retries the same delivery: a no-op, no second e-mail")
    show(woo(client, order, "order.created"))
    step("A tampered copy (total changed after signing) is refused")
    body = json.dumps(order | {"total": "1.00"}).encode()
    tampered = client.post(
        "/webhooks/shop/woocommerce",
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-WC-Webhook-Topic": "order.created",
            "X-WC-Webhook-Signature": woocommerce.sign("wrong", body),
        },
    )
    show(tampered)
    step("The shop completes the order an hour later (order.updated)")
    show(
        woo(
            client,
            order | {"status": "completed", "date_modified_gmt": "2026-11-20T14:03:12"},
            "order.updated",
        )
    )
    step("A late, older update arrives out of order: ignored, the newer state stays")
    show(
        woo(
            client, order | {"status": "on-hold", "date_modified_gmt": "2026-11-20T13:30:00"}, "order.updated"
        )
    )
    step("Another platform (Standard Webhooks-signed generic JSON)")
    generic_number = "SH2001"
    envelope = {
        "type": "order.created",
        "timestamp": "2026-11-21T09:00:01Z",
        "data": {
            "number": generic_number,
            "status": "processing",
            "customer_name": "Jan Nowak",
            "email": "jan.nowak@example.com",
            "phone": "+48600100300",
            "delivery": {
                "method": "courier",
                "city": "Warszawa",
                "postcode": "00-001",
                "shipping_cost": 1499,
            },
            "items": [{"sku": "BUT-42", "name": "Buty trekkingowe", "qty": 2, "unit_price": 34900}],
            "total": 71299,
            "payment_method": "cod",
            "created_at": "2026-11-21T09:00:00Z",
            "modified_at": "2026-11-21T09:00:00Z",
        },
    }
    show(generic(client, envelope, f"msg_{generic_number}"))
    shoper_number = "ZAM/2026/52020"
    step(f"A Shoper shop's native webhook (X-Webhook-SHA1): order {shoper_number}, a slash in its number")
    sample = json.loads(SHOPER_SAMPLE.read_text(encoding="utf-8")) | {"order_id": shoper_number}
    show(shoper_order(client, sample, "order.create"))
    step("Shoper: the order is marked completed (order.status)")
    done = sample | {"status_date": "2026-09-30 10:00:00", "status": {"type": "3", "name": "Zrealizowane"}}
    show(shoper_order(client, done, "order.status"))
    baselinker_order(client)
    step(f'PayU notifies COMPLETED for {number} (261,00 zł): paid, "payment received" e-mail')
    show(payu(client, number, "COMPLETED", 26100))
    step("PayU retries the notification, then a late PENDING arrives: both change nothing")
    show(payu(client, number, "COMPLETED", 26100))
    show(payu(client, number, "PENDING", 26100))
    parcel_life(client, order, number)
    dpd_parcel_life(client, order, "ZW1002")
    step("The customer returns the hat within 14 days (return form, JSON): a case, a slip, two e-mails")
    show(
        client.post(
            "/returns",
            json={
                "order_number": number,
                "email": "anna.kowalska@example.com",
                "items": {"CZAPKA-WEL": 1},
                "kind": "withdrawal",
                "reason": "wrong_size",
                "return_method": "paczkomat",
                "submission_key": f"demo-{number}-return",
            },
        )
    )
    print(f"   (the same in a browser: {base}/returns)")
    step("The customer checks the status with the order's e-mail (JSON)")
    show(client.get(f"/orders/{number}/status", params={"email": "anna.kowalska@example.com"}))
    step("...and somebody guessing with a wrong e-mail gets the same answer as for a missing order")
    show(client.get(f"/orders/{number}/status", params={"email": "zgaduje@example.com"}))
    show(client.get("/orders/NOPE999/status", params={"email": "anna.kowalska@example.com"}))
    step("What the system sent (newest first)")
    for message in client.get("/_dev/outbox.json").json()[:8]:
        print(
            f"   {message['channel']:5} {message['status']:7} {message['order_number']:8} "
            f"{message.get('subject') or message['text'][:60]}"
        )
    print(
        f"\nOpen {base}/_dev/outbox to read them, or the status page in a browser:\n"
        f"   {base}/orders/{number}/status?email=anna.kowalska%40example.com"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
