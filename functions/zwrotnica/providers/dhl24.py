"""DHL Parcel Polska DHL24 WebAPI2 `getTrackAndTraceInfo` (SOAP, couriers.md 4.2), one shipment per call.

Request (https://dhl24.com.pl/webapi2/doc/info.html?id=getTrackAndTraceInfo; the service's schema has
`elementFormDefault="qualified"`, target namespace `https://dhl24.com.pl/webapi2/provider/service.html?ws=1`):
`getTrackAndTraceInfo{authData{username, password}, shipmentId}`. Answer:
`getTrackAndTraceInfoResponse/getTrackAndTraceInfoResult{shipmentId, receivedBy, events{item*}}`, each item
a ShipmentEvent `{status, description, terminal, timestamp "YYYY-MM-DD HH:MM:SS" (Warsaw)}`.
`receivedBy` names the person who took the parcel: personal data, never kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from zwrotnica.domain.shipment_status import map_dhl
from zwrotnica.models.tracking import TrackingEvent
from zwrotnica.providers import soap
from zwrotnica.providers.carrier_events import ParcelTrack, make_event, ordered, per_number, valid_number

if TYPE_CHECKING:
    import httpx

URL = "https://dhl24.com.pl/webapi2/provider/service.html?ws=1"  # sandbox: sandbox.dhl24.com.pl, own keys
NS = "https://dhl24.com.pl/webapi2/provider/service.html?ws=1"


class Dhl24:
    carrier = "dhl"
    batch_size = 1

    def __init__(
        self,
        username: str,
        password: str,
        url: str = URL,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._auth = (username, password)
        self._url = url
        self._http = soap.client(transport, timeout)

    def track(self, numbers: Sequence[str]) -> dict[str, ParcelTrack]:
        """One call per number; a refused number is not found, an outage stops the batch."""
        return per_number(self.history, numbers)

    def history(self, shipment_id: str) -> ParcelTrack:
        if not valid_number(shipment_id):
            return ParcelTrack(shipment_id, found=False)
        request = soap.element(None, "getTrackAndTraceInfo", ns=NS)
        auth = soap.element(request, "authData", ns=NS)
        soap.element(auth, "username", self._auth[0], ns=NS)
        soap.element(auth, "password", self._auth[1], ns=NS)
        soap.element(request, "shipmentId", shipment_id, ns=NS)
        body = soap.call(
            self._http,
            "dhl",
            self._url,
            soap.envelope(request),
            f"{NS}#getTrackAndTraceInfo",
            server_faults_retry=False,
        )
        result = soap.response(body, "dhl", "getTrackAndTraceInfo").find("{*}getTrackAndTraceInfoResult")
        if result is None:
            raise soap.malformed("dhl", "no getTrackAndTraceInfoResult")
        items = soap.children(result.find("{*}events"), "item")
        events, skipped = ordered([_event(shipment_id, item) for item in items])
        return ParcelTrack(shipment_id, found=bool(items), events=events, skipped=skipped)


def _event(number: str, item: Element) -> TrackingEvent | None:
    code = soap.text(item, "status")
    raw = {"status": code, "timestamp": soap.text(item, "timestamp"), "terminal": soap.text(item, "terminal")}
    return make_event(
        "dhl",
        number,
        map_dhl(code),
        code,
        soap.warsaw_time(soap.text(item, "timestamp")),
        {k: v for k, v in raw.items() if v},
        raw_text=soap.text(item, "description"),
    )
