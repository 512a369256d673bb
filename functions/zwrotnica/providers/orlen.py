"""ORLEN Paczka API (SOAP, couriers.md 6.1) `GiveMePackStatusFullHistoryList`: up to 1000 parcels a call.

Shapes from public clients written against "dokumentacja API_ORLENPaczka v1.26" (sources in
tests/events/orlen/): SOAP 1.1, operation element in namespace `https://91.242.220.103/WebServicePwR`
(the documentation says not to replace it with the host name), `SOAPAction: "{ns}/{operation}"`,
`PartnerID` + `PartnerKey` in every call. The answer's rows are `PackStatus{PackCode, Trans, Trans_Des,
Data, Attribute}`, either directly in the result or inside a .NET DataSet (`diffgr:diffgram/NewDataSet`),
so rows are found by their `Trans` child wherever they are. An error is a row `{Err, ErrDes}`; Err 0
(written "0" or "000") is success.

`Trans` goes through `map_orlen` with the row's `Attribute` (1000 + `...POWROT`: collected by the sender,
RETURNED). Trans 888 ("Archiwizacja") is ORLEN's housekeeping, not a parcel event: dropped. `Data`
carries a `Z`: read as UTC (one community client reads it as Warsaw time: unconfirmed, see the note).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from zwrotnica.domain.shipment_status import map_orlen
from zwrotnica.models.tracking import TrackingEvent
from zwrotnica.providers import soap
from zwrotnica.providers.carrier_events import ParcelTrack, make_event, ordered, valid_number
from zwrotnica.providers.errors import AuthFailed, ProviderError

if TYPE_CHECKING:
    import httpx

URL = "https://api.orlenpaczka.pl/WebServicePwRProd/WebServicePwR.asmx"
TEST_URL = "https://apitest.orlenpaczka.pl/WebServicePwR/WebServicePwR.asmx"
NS = "https://91.242.220.103/WebServicePwR"
MAX_BATCH = 1000
IGNORED = frozenset({"888"})  # archiving
ERR_AUTH = re.compile(r"partner|autoryz|klucz|key|login|has[lł]o|uprawnie", re.IGNORECASE)


class OrlenPaczka:
    carrier = "orlen"

    def __init__(
        self,
        partner_id: str,
        partner_key: str,
        url: str = URL,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        batch_size: int = MAX_BATCH,
    ) -> None:
        self._auth = (partner_id, partner_key)
        self._url = url
        self.batch_size = min(batch_size, MAX_BATCH)
        self._http = soap.client(transport, timeout)

    def track(self, numbers: Sequence[str]) -> dict[str, ParcelTrack]:
        out = {n: ParcelTrack(n, found=False) for n in numbers if not valid_number(n)}
        valid = [n for n in dict.fromkeys(numbers) if valid_number(n)]
        for start in range(0, len(valid), self.batch_size):
            out.update(self._history(valid[start : start + self.batch_size]))
        return out

    def _history(self, numbers: list[str]) -> dict[str, ParcelTrack]:
        operation = "GiveMePackStatusFullHistoryList"
        request = soap.element(None, operation, ns=NS)
        codes = soap.element(request, "PackCodes", ns=NS)
        for number in numbers:
            soap.element(codes, "string", number, ns=NS)
        soap.element(request, "PartnerID", self._auth[0], ns=NS)
        soap.element(request, "PartnerKey", self._auth[1], ns=NS)
        body = soap.call(self._http, "orlen", self._url, soap.envelope(request), f"{NS}/{operation}")
        result = soap.response(body, "orlen", operation)
        rows = [row for row in result.iter() if row.find("{*}Trans") is not None]
        if not rows:
            _raise_err(result)
        by_number: dict[str, list[TrackingEvent | None]] = {}
        for row in rows:
            number = soap.text(row, "PackCode")
            if number in numbers and soap.text(row, "Trans") not in IGNORED:
                by_number.setdefault(number, []).append(_event(number, row))
        tracks = {}
        for number in numbers:
            events, skipped = ordered(by_number.get(number, []))
            tracks[number] = ParcelTrack(number, found=number in by_number, events=events, skipped=skipped)
        return tracks


def _raise_err(result: Element) -> None:
    """An `Err` row other than 0 when the answer has no status rows: the call was refused."""
    for row in result.findall(".//{*}Err/.."):
        code = soap.text(row, "Err")
        if code.lstrip("0"):
            if ERR_AUTH.search(soap.text(row, "ErrDes")):
                raise AuthFailed("orlen: credentials refused", status=200, code=code[:10])
            raise ProviderError(f"orlen: Err {code[:10]}", retryable=False, status=200, code=code[:10])


def _event(number: str, row: Element) -> TrackingEvent | None:
    code = soap.text(row, "Trans")
    attribute = soap.text(row, "Attribute")
    raw = {"Trans": code, "Data": soap.text(row, "Data"), "Attribute": attribute}
    return make_event(
        "orlen",
        number,
        map_orlen(code, attribute),
        code,
        soap.warsaw_time(soap.text(row, "Data")),
        {k: v for k, v in raw.items() if v},
        raw_text=soap.text(row, "Trans_Des"),
    )
