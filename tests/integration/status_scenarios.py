"""Orders in the states the status page must read right, made through the real handlers (the shop's
WooCommerce webhook, InPost and AfterShip pushes, the return form's flow) against moto; only what no
webhook of ours sets yet is written to the table directly, in the shape the flows write.

ShipX's tracking read and InPost's points API are httpx.MockTransports answering in their documented
shapes (couriers.md 2.4; the Point object of the points API)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from courier_webhook.app import lambda_handler as couriers
from order_status.app import lambda_handler as orders
from tests.factories import (
    aftership_body,
    aftership_webhook,
    delivered,
    inpost_webhook,
    load_event,
    shipx_tracking,
    woo_order,
    woo_webhook,
)
from zwrotnica.models.common import iso
from zwrotnica.providers import inpost, inpost_points, shipx_returns
from zwrotnica.providers.shipx_returns import ShipXReturns as ShipXReturnsClient  # unpatched
from zwrotnica.store.table import client, to_item

ANNA = "anna.kowalska@example.com"
PARCEL_A = "602677439331630337653846"
PARCEL_B = "602677439331630337653999"
DPD_PARCEL = "13245098765432"

# `GET /v1/points/KRA010`: a Point object as the points API answers (docs "Points (Parcel Locker,
# ParcelPoint)"; the field set of michalbiarda/shipx-php-sdk:src/Model/Point.php).
POINT_KRA010: dict[str, Any] = load_event("inpost_points/point_KRA010.json")


SHIPX_ORGANIZATION = "123456"
SHIPX_RETURN_RECEIVER: dict[str, Any] = {  # the shop, receiving returns (setting SHIPX_RETURN_RECEIVER)
    "company_name": "Sklep Przykładowy",
    "email": "zwroty@sklep.example.com",
    "phone": "600700800",
    "address": {"street": "Magazynowa", "building_number": "1", "city": "Kraków", "post_code": "30-001"},
}


class Carriers:
    """ShipX's tracking read (knows what InPost pushed), its return shipments (couriers.md 2.7-2.8:
    created with `is_return`, confirmed at once, a label PDF and a tracking number) and the points API
    (knows KRA010)."""

    def __init__(self) -> None:
        self.statuses: dict[str, list[str]] = {}
        self.point_calls: list[str] = []
        self.points_down = False
        self.returns_made: list[str] = []  # the references (our RMAs) of the return shipments made

    @staticmethod
    def return_number(shipment_id: int) -> str:
        return f"62011122233344455566{shipment_id:04d}"

    def shipx(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if not path.startswith("/v1/tracking/"):
            return self.return_shipments(request)
        number = path.rsplit("/", 1)[-1]
        if number not in self.statuses:
            return httpx.Response(404, json={"status": 404, "error": "resource_not_found"})
        return httpx.Response(200, json=shipx_tracking(number, self.statuses[number]))

    def return_shipments(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "POST" and path == f"/v1/organizations/{SHIPX_ORGANIZATION}/shipments":
            doc = json.loads(request.content)
            assert doc["is_return"] is True and doc["receiver"] == SHIPX_RETURN_RECEIVER
            self.returns_made.append(doc["reference"])
            answer = {"id": len(self.returns_made), "status": "created", "reference": doc["reference"]}
            return httpx.Response(201, json=answer)
        shipment_id = int(path.split("/")[3])
        number = self.return_number(shipment_id)
        if path.endswith("/label"):
            return httpx.Response(200, content=b"%PDF-1.4 " + number.encode())
        return httpx.Response(200, json={"id": shipment_id, "status": "confirmed", "tracking_number": number})

    def points(self, request: httpx.Request) -> httpx.Response:
        name = request.url.path.rsplit("/", 1)[-1]
        self.point_calls.append(name)
        if self.points_down:
            raise httpx.ConnectTimeout("points API down", request=request)
        if request.url.path != f"/v1/points/{name}" or name != "KRA010":
            return httpx.Response(404, json={"status": 404, "error": "resource_not_found", "message": "x"})
        return httpx.Response(200, json=POINT_KRA010)

    def install(self) -> None:
        inpost.use_transport(httpx.MockTransport(self.shipx))
        inpost_points.use_transport(httpx.MockTransport(self.points))

    @staticmethod
    def uninstall() -> None:
        inpost.use_transport(None)
        inpost_points.use_transport(None)

    def take_returns(self, monkeypatch: Any) -> None:
        """Return shipments through this fake, with ShipX configured for them (settings and client)."""
        from zwrotnica.settings import get_settings

        transport = httpx.MockTransport(self.shipx)

        class ShipXReturns(ShipXReturnsClient):
            def __init__(self, base_url: str, token: str, organization_id: str, *_: Any) -> None:
                super().__init__(base_url, token, organization_id, transport)

        monkeypatch.setattr(shipx_returns, "ShipXReturns", ShipXReturns)
        monkeypatch.setenv("SHIPX_ORGANIZATION_ID", SHIPX_ORGANIZATION)
        monkeypatch.setenv("SHIPX_RETURN_RECEIVER", json.dumps(SHIPX_RETURN_RECEIVER, ensure_ascii=False))
        get_settings.cache_clear()


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S +0000")


def _order(context, number: str, *, tracking: list[tuple[str, str]] = (), courier: bool = False, **changes):
    order = woo_order(number, **changes)
    if courier:  # a courier delivery: no Paczkomat
        order["meta_data"] = [m for m in order["meta_data"] if m["key"] != "_paczkomat_id"]
        order["shipping_lines"] = [
            copy.deepcopy(order["shipping_lines"][0])
            | {"method_id": "flat_rate", "method_title": "Kurier DPD"}
        ]
    if tracking:
        items = [{"tracking_provider": p, "tracking_number": n} for p, n in tracking]
        order["meta_data"] = [*order["meta_data"], {"key": "_wc_shipment_tracking_items", "value": items}]
    assert orders(woo_webhook(order), context)["statusCode"] == 200


def _set(number: str, sk: str, **values: Any) -> None:
    names = {f"#{k}": k for k in values}
    client().update_item(
        TableName="ZwrotnicaTable",
        Key=to_item({"pk": f"ORDER#{number}", "sk": sk}),
        UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in values),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=to_item({f":{k}": v for k, v in values.items()}),
    )


def paid(number: str) -> None:
    """What the payment flow records once PayU's notification is verified (payment issue)."""
    _set(number, "ORDER", payment_status="paid")


def push_inpost(context, carriers: Carriers, number: str, status: str, at: datetime) -> None:
    carriers.statuses.setdefault(number, []).append(status)
    answer = couriers(inpost_webhook(status, number=number, at=_ts(at)), context)
    assert answer["statusCode"] == 200, answer["body"]


def paczkomat_waiting(context, carriers: Carriers) -> str:
    now = datetime.now(UTC)
    _order(context, "1001", tracking=[("InPost", PARCEL_A)])
    paid("1001")
    push_inpost(context, carriers, PARCEL_A, "taken_by_courier", now - timedelta(hours=20))
    push_inpost(context, carriers, PARCEL_A, "ready_to_pickup", now - timedelta(hours=2))
    return "1001"


def courier_out_for_delivery(context, carriers: Carriers) -> str:
    _order(context, "1002", tracking=[("DPD", DPD_PARCEL)], courier=True, payment_method="cod")
    doc = aftership_body(
        "delivered.json",
        tracking_number=DPD_PARCEL,
        slug="dpd-poland",
        tag="OutForDelivery",
        subtag="OutForDelivery_001",
        subtag_message="Out for delivery",
        checkpoints=[
            {
                "tag": "OutForDelivery",
                "subtag": "OutForDelivery_001",
                "message": "Parcel out for delivery",
                "city": "Kraków",
                "checkpoint_time": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        ],
    )
    assert couriers(aftership_webhook(doc), context)["statusCode"] == 200
    return "1002"


def delayed(context, carriers: Carriers) -> str:
    now = datetime.now(UTC)
    _order(context, "1003", tracking=[("InPost", PARCEL_A)], courier=True)
    paid("1003")
    push_inpost(context, carriers, PARCEL_A, "taken_by_courier", now - timedelta(days=2))
    push_inpost(context, carriers, PARCEL_A, "delay_in_delivery", now - timedelta(hours=5))
    # An AfterShip-style estimate (the flow stores `latest_estimated_delivery` so: test_courier_webhook).
    _set(
        "1003", f"SHIPMENT#inpost#{PARCEL_A}", expected_delivery=(now + timedelta(days=2)).date().isoformat()
    )
    return "1003"


def two_parcels(context, carriers: Carriers) -> str:
    now = datetime.now(UTC)
    _order(context, "1004", tracking=[("InPost", PARCEL_A), ("InPost", PARCEL_B)])
    paid("1004")
    push_inpost(context, carriers, PARCEL_A, "taken_by_courier", now - timedelta(days=1))
    push_inpost(context, carriers, PARCEL_A, "ready_to_pickup", now - timedelta(hours=3))
    push_inpost(context, carriers, PARCEL_B, "taken_by_courier", now - timedelta(hours=6))
    return "1004"


def return_in_progress(context, carriers: Carriers) -> str:
    from tests import usecases
    from zwrotnica.flows import returns
    from zwrotnica.models.returns import ReturnSubmission

    _order(context, "1005")
    paid("1005")
    delivered("1005", days_ago=3)
    submission = ReturnSubmission(
        order_number="1005",
        email=ANNA,
        items={"CZAPKA-WEL": 1},
        kind="withdrawal",
        reason="wrong_size",
        return_method="paczkomat",
        submission_key="scenario-return-1005",
    )
    usecases.run(lambda ctx, fresh: returns.submit(submission, ctx, None, fresh))
    return "1005"


def refunded(context, carriers: Carriers) -> str:
    _order(context, "1006", status="refunded", modified="2026-11-21T10:00:00")
    _set("1006", "ORDER", payment_status="refunded", refunded_at=iso(datetime.now(UTC)))
    return "1006"


SCENARIOS = {
    "paczkomat-waiting": paczkomat_waiting,
    "courier-out-for-delivery": courier_out_for_delivery,
    "delayed": delayed,
    "two-parcels": two_parcels,
    "return-in-progress": return_in_progress,
    "refunded": refunded,
}
