"""DPD Polska DPDInfoServices (SOAP, couriers.md 3.2): the account's event queue and one waybill's history.

Operations and shapes from the service's WSDL as generated into public clients (JAX-WS interface
`DPDInfoServicesObjEvents`, target namespace `http://events.dpdinfoservices.dpd.com.pl/`, children
unqualified; sources in tests/events/dpd/):

- `getEventsForCustomerV4(limit, language, authDataV1{channel, login, password})` -> `return`
  (customerEventsResponseV2) `{confirmId, eventsList*}`: the next batch of new events of every parcel
  of the channel. The batch stays in the queue until `markEventsAsProcessedV1(confirmId, authDataV1)`
  -> boolean acknowledges it, so the caller acknowledges only after it committed the events: a crash in
  between delivers the batch again and the flow's deduplication absorbs it.
- `getEventsForWaybillV1(waybill, eventsSelectType ALL|ONLY_LAST, language, authDataV1)` -> `return`
  (customerEventsResponseV3) `{confirmId, eventsList*}`: one parcel's history.

Events: `businessCode` (6 digits, `map_dpd`), `description`, `eventTime` (no offset: Warsaw time),
`waybill`, `depot`, `depotName`, `country`, `objectId`, `packageReference` (the sender's reference),
V2 adds `id` and `operationType`. `eventDataList` (e.g. `receiverName`) is personal data and never kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from zwrotnica.domain.shipment_status import map_dpd
from zwrotnica.models.tracking import TrackingEvent
from zwrotnica.providers import soap
from zwrotnica.providers.carrier_events import ParcelTrack, make_event, ordered, per_number, valid_number

if TYPE_CHECKING:
    import httpx

URL = "https://dpdinfoservices.dpd.com.pl/DPDInfoServicesObjEventsService/DPDInfoServicesObjEvents"
NS = "http://events.dpdinfoservices.dpd.com.pl/"
LANGUAGE = "PL"
# The business spec's volume limits (section 7) were not readable; public clients ask for 10-100.
DEFAULT_LIMIT = 100
KEEP = (
    "id",
    "waybill",
    "businessCode",
    "eventTime",
    "depot",
    "depotName",
    "country",
    "objectId",
    "operationType",
)


@dataclass(frozen=True)
class DpdBatch:
    """One batch from the queue. Acknowledge `confirm_id` only after `events` are committed."""

    confirm_id: str
    events: tuple[TrackingEvent, ...]
    received: int  # rows in the answer, readable or not: fewer than the limit means the queue is drained
    skipped: int = 0  # rows without a waybill, a code or a readable time

    @property
    def needs_ack(self) -> bool:
        return bool(self.confirm_id) and self.received > 0


class DpdInfoServices:
    """DPDInfoServices for one channel. `transport` is the seam tests fill with httpx.MockTransport."""

    carrier = "dpd"
    batch_size = 1  # getEventsForWaybillV1 takes one waybill

    def __init__(
        self,
        login: str,
        password: str,
        channel: str = "",
        url: str = URL,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 15.0,
    ) -> None:
        self._auth = (channel, login, password)
        self._url = url
        self._http = soap.client(transport, timeout)

    def fetch(self, limit: int = DEFAULT_LIMIT) -> DpdBatch:
        """The next batch of the queue (the same one again until it is acknowledged)."""
        request = soap.element(None, "getEventsForCustomerV4", ns=NS)
        soap.element(request, "limit", max(1, int(limit)))
        soap.element(request, "language", LANGUAGE)
        self._auth_data(request)
        result = self._call(request, "getEventsForCustomerV4")
        rows = soap.children(result, "eventsList")
        events = [_event(row) for row in rows]
        kept, skipped = ordered(events)
        return DpdBatch(soap.text(result, "confirmId"), kept, len(rows), skipped)

    def acknowledge(self, confirm_id: str) -> bool:
        """`markEventsAsProcessedV1`: True when DPD confirms the batch is off the queue."""
        if not confirm_id:
            raise ValueError("nothing to acknowledge: empty confirmId")
        request = soap.element(None, "markEventsAsProcessedV1", ns=NS)
        soap.element(request, "confirmId", confirm_id)
        self._auth_data(request)
        return (self._call(request, "markEventsAsProcessedV1").text or "").strip().lower() == "true"

    def history(self, waybill: str, only_last: bool = False) -> ParcelTrack:
        """`getEventsForWaybillV1`: one parcel's events, oldest first."""
        if not valid_number(waybill):
            return ParcelTrack(waybill, found=False)
        request = soap.element(None, "getEventsForWaybillV1", ns=NS)
        soap.element(request, "waybill", waybill)
        soap.element(request, "eventsSelectType", "ONLY_LAST" if only_last else "ALL")
        soap.element(request, "language", LANGUAGE)
        self._auth_data(request)
        rows = soap.children(self._call(request, "getEventsForWaybillV1", False), "eventsList")
        events, skipped = ordered([_event(row, waybill) for row in rows])
        return ParcelTrack(waybill, found=bool(rows), events=events, skipped=skipped)

    def track(self, numbers: Sequence[str]) -> dict[str, ParcelTrack]:
        """One call per waybill; a refused waybill is not found, an outage stops the batch."""
        return per_number(self.history, numbers)

    def _auth_data(self, request: Element) -> None:
        auth = soap.element(request, "authDataV1")
        for name, value in zip(("channel", "login", "password"), self._auth, strict=True):
            soap.element(auth, name, value)

    def _call(self, request: Element, operation: str, server_faults_retry: bool = True) -> Element:
        """The operation's `return` element (unqualified, as JAX-WS writes it); empty when absent."""
        message = soap.envelope(request)
        body = soap.call(self._http, "dpd", self._url, message, "", server_faults_retry=server_faults_retry)
        found = soap.response(body, "dpd", operation).find("{*}return")
        # An empty queue may answer without `return`: read it as a batch of nothing.
        return found if found is not None else Element("return")


def _event(row: Element, waybill: str | None = None) -> TrackingEvent | None:
    number = soap.text(row, "waybill") or waybill or ""
    code = soap.text(row, "businessCode")
    if not valid_number(number):
        return None
    raw = {k: soap.text(row, k) for k in KEEP if soap.text(row, k)}
    reference = soap.text(row, "packageReference")
    if reference:
        raw["packageReference"] = reference[:64]  # the sender's own reference (our order number, often)
    return make_event(
        "dpd",
        number,
        map_dpd(code),
        code,
        soap.warsaw_time(soap.text(row, "eventTime")),
        raw,
        raw_text=soap.text(row, "description"),
    )
