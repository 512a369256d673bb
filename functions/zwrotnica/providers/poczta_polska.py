"""Poczta Polska tracking, the SOAP "Sledzenie" service (couriers.md 5.2 A), many numbers per call.

Chosen over the REST USS 2.0 service: it needs no login round trip for a token, its batch call and
every status are documented on Poczta Polska's page (system-sledzenia-wsdl-soap), and its default public
account (`sledzeniepp` / `PPSA`) works for a first test. For volume Poczta Polska asks for a dedicated
account. Shapes (namespaces `http://sledzenie.pocztapolska.pl` for operations, `.../xsd` for data; sources
in tests/events/poczta_polska/):

- WS-Security UsernameToken (PasswordText) in the header.
- `sprawdzPrzesylki(numer*)` -> `return` (Komunikat) `{przesylki{przesylka*}, status}`; Komunikat status
  0 ok, -1 too many numbers, -2 no permission for many, -99 other. Per parcel `{numer, status,
  danePrzesylki{zdarzenia{zdarzenie*}, zakonczonoObsluge}}`, status 0 found, 1 several items share the
  number, 2 no events in the period, -1 no such item (only items with an event in the last 30 days),
  -2 invalid number, -99 other.
- `zdarzenie{czas "YYYY-MM-DD HH:MM" (Warsaw), jednostka{nazwa}, kod, konczace, nazwa,
  przyczyna{kod, nazwa}}`.
- `maksymalnaLiczbaPrzesylek()` -> the batch limit; `sprawdzPrzesylke(numer)` -> one Przesylka, used
  when the account may not ask about many (Komunikat -2).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element

from zwrotnica.domain.shipment_status import ShipmentStatus, map_poczta_polska
from zwrotnica.models.tracking import TrackingEvent
from zwrotnica.providers import soap
from zwrotnica.providers.carrier_events import ParcelTrack, make_event, ordered, valid_number
from zwrotnica.providers.errors import ProviderError

if TYPE_CHECKING:
    import httpx

URL = "https://tt.poczta-polska.pl/Sledzenie/services/Sledzenie"
NS = "http://sledzenie.pocztapolska.pl"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
USERNAME_PROFILE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
DEFAULT_BATCH = 20  # until maksymalnaLiczbaPrzesylek says otherwise for the account
FOUND = ("0", "1")  # 1: several items share the number; the data is still the number's


class Sledzenie:
    carrier = "poczta_polska"

    def __init__(
        self,
        login: str,
        password: str,
        url: str = URL,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 15.0,
        batch_size: int = DEFAULT_BATCH,
    ) -> None:
        self._auth = (login, password)
        self._url = url
        self.batch_size = batch_size
        self._http = soap.client(transport, timeout)

    def max_batch(self) -> int:
        """`maksymalnaLiczbaPrzesylek`: how many numbers one `sprawdzPrzesylki` may carry."""
        operation = "maksymalnaLiczbaPrzesylek"
        value = soap.text(self._call(soap.element(None, operation, ns=NS), operation), "return")
        if not value.isdigit():
            raise soap.malformed("poczta_polska", "no batch limit")
        return int(value)

    def track(self, numbers: Sequence[str]) -> dict[str, ParcelTrack]:
        """Every number, `batch_size` per call; one by one when the account may not ask about many."""
        out = {n: ParcelTrack(n, found=False) for n in numbers if not valid_number(n)}
        valid = [n for n in dict.fromkeys(numbers) if valid_number(n)]
        for start in range(0, len(valid), max(1, self.batch_size)):
            chunk = valid[start : start + max(1, self.batch_size)]
            out.update(self._many(chunk) if len(chunk) > 1 else {chunk[0]: self._one(chunk[0])})
        return out

    def _many(self, numbers: list[str]) -> dict[str, ParcelTrack]:
        request = soap.element(None, "sprawdzPrzesylki", ns=NS)
        for number in numbers:
            soap.element(request, "numer", number, ns=NS)
        result = self._call(request, "sprawdzPrzesylki").find("{*}return")
        status = soap.text(result, "status")
        if status == "-2":  # this account may ask about one number at a time
            return {number: self._one(number) for number in numbers}
        if status == "-1":
            raise ProviderError("poczta_polska: too many numbers", retryable=False, code="too_many")
        if status not in ("0", ""):
            raise ProviderError(f"poczta_polska: status {status}", retryable=True, status=200, code=status)
        tracks = {}
        for parcel in soap.children(result.find("{*}przesylki") if result is not None else None, "przesylka"):
            track = _parcel(parcel)
            if track.tracking_number in numbers:
                tracks[track.tracking_number] = track
        return {n: tracks.get(n, ParcelTrack(n, found=False)) for n in numbers}

    def _one(self, number: str) -> ParcelTrack:
        request = soap.element(None, "sprawdzPrzesylke", ns=NS)
        soap.element(request, "numer", number, ns=NS)
        parcel = self._call(request, "sprawdzPrzesylke").find("{*}return")
        if parcel is None:
            raise soap.malformed("poczta_polska", "no return")
        track = _parcel(parcel)
        return track if track.tracking_number == number else ParcelTrack(number, found=False)

    def _call(self, request: Element, operation: str) -> Element:
        message = soap.envelope(request, self._security())
        body = soap.call(self._http, "poczta_polska", self._url, message, f"urn:{operation}")
        return soap.response(body, "poczta_polska", operation)

    def _security(self) -> Element:
        security = soap.element(None, "Security", ns=WSSE)
        token = soap.element(security, "UsernameToken", ns=WSSE)
        soap.element(token, "Username", self._auth[0], ns=WSSE)
        secret = soap.element(token, "Password", self._auth[1], ns=WSSE)
        secret.set("Type", f"{USERNAME_PROFILE}#PasswordText")
        return security


def _parcel(parcel: Element) -> ParcelTrack:
    number = soap.text(parcel, "numer")
    data = parcel.find("{*}danePrzesylki")
    if soap.text(parcel, "status") not in FOUND or data is None or not valid_number(number):
        return ParcelTrack(number, found=False)
    rows = soap.children(data.find("{*}zdarzenia"), "zdarzenie")
    events, skipped = ordered([_event(number, row) for row in rows])
    finished = soap.text(data, "zakonczonoObsluge").lower() == "true"
    return ParcelTrack(number, found=True, events=events, finished=finished, skipped=skipped)


def _event(number: str, row: Element) -> TrackingEvent | None:
    code = soap.text(row, "kod")
    status = map_poczta_polska(code)
    unit = soap.text(row.find("{*}jednostka"), "nazwa")
    reason = soap.text(row.find("{*}przyczyna"), "kod")
    raw = {"kod": code, "czas": soap.text(row, "czas"), "konczace": soap.text(row, "konczace")}
    if reason:
        raw["przyczyna"] = reason
    return make_event(
        "poczta_polska",
        number,
        status,
        code,
        soap.warsaw_time(soap.text(row, "czas")),
        {k: v for k, v in raw.items() if v},
        raw_text=soap.text(row, "nazwa"),
        # A post office holding the parcel (avizo) is a public place: the customer's pickup point.
        point_name=unit if status is ShipmentStatus.READY_FOR_PICKUP else None,
    )
