"""Carrier tracking clients (DPD, DHL24, Poczta Polska, ORLEN Paczka) against httpx.MockTransport answering
with the documented envelopes in tests/events/{dpd,dhl24,poczta_polska,orlen}/ (each file cites its source).

Expected statuses are written out from couriers.md's tables, times converted by hand (March: CET, UTC+1;
May-October: CEST, UTC+2), never read back from the clients.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from defusedxml.ElementTree import fromstring

from zwrotnica.domain.shipment_status import ShipmentStatus, carrier_id
from zwrotnica.providers import carrier_tracking, dhl24, dpd, orlen, poczta_polska
from zwrotnica.providers.errors import AuthFailed, ProviderError
from zwrotnica.secrets import Secrets

S = ShipmentStatus
EVENTS = Path(__file__).parents[1] / "events"


def fixture(name: str) -> bytes:
    return (EVENTS / name).read_bytes()


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class Carrier:
    """A mock carrier endpoint: records every request, answers from `answer(request)`."""

    def __init__(self, answer: Callable[[httpx.Request], httpx.Response]) -> None:
        self.requests: list[httpx.Request] = []
        self._answer = answer

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._answer(request)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def body(self, index: int = -1) -> ET.Element:
        return fromstring(self.requests[index].content)


def xml(name: str, status: int = 200) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(status, content=fixture(name), headers={"Content-Type": "text/xml"})


def life(events) -> list[tuple[str, S]]:
    return [(e.raw_code, e.status) for e in events]


SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"


# --- DPD DPDInfoServices ---------------------------------------------------------------------------------

DPD_NS = "{http://events.dpdinfoservices.dpd.com.pl/}"


def dpd_client(carrier: Carrier) -> dpd.DpdInfoServices:
    return dpd.DpdInfoServices("login-1", "s3cret&<pw>", "1495", transport=carrier.transport)


def test_dpd_fetch_sends_the_documented_envelope():
    carrier = Carrier(xml("dpd/customer_events_empty.xml"))
    dpd_client(carrier).fetch(limit=50)
    request = carrier.requests[0]
    assert str(request.url) == dpd.URL
    assert request.headers["SOAPAction"] == '""'
    assert request.headers["Content-Type"].startswith("text/xml")
    operation = carrier.body().find(f"{SOAP}Body/{DPD_NS}getEventsForCustomerV4")
    assert operation is not None
    # Children are unqualified (JAX-WS @WebParam targetNamespace="").
    assert [c.tag for c in operation] == ["limit", "language", "authDataV1"]
    assert (operation.findtext("limit"), operation.findtext("language")) == ("50", "PL")
    auth = operation.find("authDataV1")
    assert [(c.tag, c.text) for c in auth] == [
        ("channel", "1495"),
        ("login", "login-1"),
        ("password", "s3cret&<pw>"),
    ]
    assert b"s3cret&amp;&lt;pw&gt;" in request.content  # escaped, never raw


def test_dpd_queue_batch_carries_a_whole_life_with_a_failed_delivery_and_a_return():
    batch = dpd_client(Carrier(xml("dpd/customer_events_life.xml"))).fetch()
    assert batch.confirm_id == "b7e2c1a4-0f3d-4c8e-9a51-2d6f7e8a9b01"
    assert (batch.received, batch.skipped, batch.needs_ack) == (10, 0, True)
    parcel = [e for e in batch.events if e.tracking_number == "1000635967411U"]
    assert life(parcel) == [
        ("030103", S.LABEL_CREATED),
        ("040101", S.IN_TRANSIT),
        ("050101", S.IN_TRANSIT),
        ("170101", S.OUT_FOR_DELIVERY),
        ("170304", S.UNKNOWN),  # notification sent: no state change
        ("200201", S.DELIVERY_FAILED),  # receiver absent
        ("170101", S.OUT_FOR_DELIVERY),
        ("200401", S.DELIVERY_FAILED),  # refused
        ("230403", S.RETURNING_TO_SENDER),
    ]
    first, depot = parcel[0], parcel[2]
    assert (first.source, first.carrier) == ("dpd_api", "dpd")
    assert first.occurred_at == utc("2026-03-02T08:12:00")  # Warsaw CET, no offset in eventTime
    assert depot.occurred_at == utc("2026-03-03T01:15:44.120000")
    assert first.raw_text == "Zarejestrowano dane przesyłki"
    assert first.raw["id"] == "880001" and first.raw["packageReference"] == "ORDER-1001"
    delivered = [e for e in batch.events if e.tracking_number == "1000635967412U"]
    assert life(delivered) == [("190101", S.DELIVERED)]
    assert delivered[0].occurred_at == utc("2026-07-14T10:31:00")  # CEST
    assert all("Kowalski" not in e.model_dump_json() for e in batch.events)  # eventDataList dropped


def test_dpd_empty_queue_is_nothing_to_acknowledge():
    batch = dpd_client(Carrier(xml("dpd/customer_events_empty.xml"))).fetch()
    assert (batch.confirm_id, batch.events, batch.received, batch.needs_ack) == ("", (), 0, False)


def test_dpd_acknowledge_sends_the_confirm_id_and_reads_the_boolean():
    carrier = Carrier(xml("dpd/mark_processed.xml"))
    assert dpd_client(carrier).acknowledge("b7e2c1a4") is True
    operation = carrier.body().find(f"{SOAP}Body/{DPD_NS}markEventsAsProcessedV1")
    assert operation.findtext("confirmId") == "b7e2c1a4"
    assert operation.find("authDataV1/login").text == "login-1"
    with pytest.raises(ValueError):
        dpd_client(carrier).acknowledge("")
    assert len(carrier.requests) == 1


def test_dpd_acknowledge_false_when_dpd_says_false():
    answer = fixture("dpd/mark_processed.xml").replace(b">true<", b">false<")
    carrier = Carrier(lambda request: httpx.Response(200, content=answer))
    assert dpd_client(carrier).acknowledge("b7e2c1a4") is False


def test_dpd_waybill_history_is_oldest_first_without_the_receivers_name():
    carrier = Carrier(xml("dpd/waybill_events.xml"))
    track = dpd_client(carrier).track(["0000012345678"])["0000012345678"]
    assert track.found
    assert life(track.events) == [
        ("040101", S.IN_TRANSIT),
        ("170101", S.OUT_FOR_DELIVERY),
        ("190101", S.DELIVERED),
    ]
    assert track.events[-1].occurred_at == utc("2026-05-17T10:15:30.123000")
    assert track.events[-1].raw["depotName"] == "KATOWICE 2"
    assert "Kowalski" not in track.events[-1].model_dump_json()
    operation = carrier.body().find(f"{SOAP}Body/{DPD_NS}getEventsForWaybillV1")
    assert (operation.findtext("waybill"), operation.findtext("eventsSelectType")) == ("0000012345678", "ALL")


@pytest.mark.parametrize("status", [200, 500])
def test_dpd_access_denied_is_an_auth_failure_on_any_status(status):
    with pytest.raises(AuthFailed) as refused:
        dpd_client(Carrier(xml("dpd/fault_access_denied.xml", status))).fetch()
    assert refused.value.retryable is False
    assert "webserwis" not in str(refused.value)  # the fault text stays out of the message


def test_dpd_service_exception_on_the_queue_is_retryable_but_a_refused_waybill_is_not_found():
    with pytest.raises(ProviderError) as failed:
        dpd_client(Carrier(xml("dpd/fault_exception.xml", 500))).fetch()
    assert (failed.value.retryable, failed.value.status, failed.value.code) == (True, 500, "Server")
    tracks = dpd_client(Carrier(xml("dpd/fault_exception.xml", 500))).track(["0000012345678"])
    assert tracks["0000012345678"].found is False


# --- DHL24 WebAPI2 -----------------------------------------------------------------------------------------

DHL_NS = "{https://dhl24.com.pl/webapi2/provider/service.html?ws=1}"


def dhl_client(carrier: Carrier) -> dhl24.Dhl24:
    return dhl24.Dhl24("webapi-key", "webapi-pass", transport=carrier.transport)


def test_dhl_sends_qualified_auth_data_and_the_shipment_id():
    carrier = Carrier(xml("dhl24/track_life.xml"))
    dhl_client(carrier).track(["24333892874"])
    request = carrier.requests[0]
    assert str(request.url) == dhl24.URL
    assert request.headers["SOAPAction"] == f'"{dhl24.NS}#getTrackAndTraceInfo"'
    operation = carrier.body().find(f"{SOAP}Body/{DHL_NS}getTrackAndTraceInfo")
    assert operation.find(f"{DHL_NS}authData/{DHL_NS}username").text == "webapi-key"
    assert operation.find(f"{DHL_NS}authData/{DHL_NS}password").text == "webapi-pass"
    assert operation.find(f"{DHL_NS}shipmentId").text == "24333892874"


def test_dhl_whole_life_with_a_failed_attempt_a_refusal_and_the_return():
    track = dhl_client(Carrier(xml("dhl24/track_life.xml"))).track(["24333892874"])["24333892874"]
    assert track.found and track.skipped == 0
    assert life(track.events) == [
        ("EDWP", S.LABEL_CREATED),
        ("DWP", S.IN_TRANSIT),
        ("SORT", S.IN_TRANSIT),
        ("LK", S.OUT_FOR_DELIVERY),
        ("AWI", S.DELIVERY_FAILED),
        ("LK", S.OUT_FOR_DELIVERY),
        ("OP", S.DELIVERY_FAILED),
        ("ZWR", S.RETURNING_TO_SENDER),
        ("ZWN", S.RETURNED),
    ]
    assert track.events[0].occurred_at == utc("2026-03-09T09:02:11")  # local CET
    assert (track.events[1].source, track.events[1].raw["terminal"]) == ("dhl_api", "KAT")
    assert track.events[4].raw_text == "Nieudana próba doręczenia - odbiorca nieobecny"


def test_dhl_documented_example_and_no_receivers_name():
    track = dhl_client(Carrier(xml("dhl24/track_delivered.xml"))).track(["11122223333"])["11122223333"]
    assert life(track.events) == [("CN", S.IN_TRANSIT), ("DOR", S.DELIVERED)]
    assert track.events[0].occurred_at == utc("2012-10-12T05:40:31")  # CEST
    assert all("Kowalski" not in e.model_dump_json() for e in track.events)


def test_dhl_refused_login_stops_the_batch_as_an_auth_failure():
    carrier = Carrier(xml("dhl24/fault_auth.xml", 500))
    with pytest.raises(AuthFailed):
        dhl_client(carrier).track(["24333892874", "11122223333"])
    assert len(carrier.requests) == 1


def test_dhl_unknown_number_is_not_found_and_the_batch_goes_on():
    def answer(request: httpx.Request) -> httpx.Response:
        asked = fromstring(request.content).find(f".//{DHL_NS}shipmentId").text
        name = "dhl24/fault_unknown_shipment.xml" if asked == "99999999999" else "dhl24/track_life.xml"
        return xml(name, 500 if asked == "99999999999" else 200)(request)

    tracks = dhl_client(Carrier(answer)).track(["99999999999", "24333892874"])
    assert tracks["99999999999"].found is False
    assert tracks["24333892874"].found and len(tracks["24333892874"].events) == 9


def test_dhl_outage_stops_the_batch_retryably():
    carrier = Carrier(lambda request: httpx.Response(503, text="Service Unavailable"))
    with pytest.raises(ProviderError) as down:
        dhl_client(carrier).track(["24333892874", "11122223333"])
    assert (down.value.retryable, down.value.status, len(carrier.requests)) == (True, 503, 1)


def test_dhl_numbers_our_model_refuses_are_not_sent():
    carrier = Carrier(xml("dhl24/track_life.xml"))
    tracks = dhl_client(carrier).track(["24 33", "<x/>"])
    assert [t.found for t in tracks.values()] == [False, False]
    assert carrier.requests == []


# --- Poczta Polska Sledzenie ---------------------------------------------------------------------------

PP_NS = "{http://sledzenie.pocztapolska.pl}"
WSSE = "{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd}"
PP_NUMBERS = ["PX0123456789PL", "00359007738912345678", "ABC-1"]


def pp_client(carrier: Carrier, batch_size: int = 20) -> poczta_polska.Sledzenie:
    return poczta_polska.Sledzenie("sledzeniepp", "PPSA", transport=carrier.transport, batch_size=batch_size)


def test_poczta_polska_batch_request_with_ws_security():
    carrier = Carrier(xml("poczta_polska/sprawdz_przesylki.xml"))
    pp_client(carrier).track(PP_NUMBERS)
    request = carrier.requests[0]
    assert (str(request.url), request.headers["SOAPAction"]) == (poczta_polska.URL, '"urn:sprawdzPrzesylki"')
    token = carrier.body().find(f"{SOAP}Header/{WSSE}Security/{WSSE}UsernameToken")
    assert token.find(f"{WSSE}Username").text == "sledzeniepp"
    password = token.find(f"{WSSE}Password")
    assert password.text == "PPSA" and password.get("Type").endswith("#PasswordText")
    operation = carrier.body().find(f"{SOAP}Body/{PP_NS}sprawdzPrzesylki")
    assert [n.text for n in operation.findall(f"{PP_NS}numer")] == PP_NUMBERS


def test_poczta_polska_whole_life_to_the_return_and_the_numbers_it_does_not_know():
    tracks = pp_client(Carrier(xml("poczta_polska/sprawdz_przesylki.xml"))).track(PP_NUMBERS)
    parcel = tracks["PX0123456789PL"]
    assert parcel.found and parcel.finished
    assert life(parcel.events) == [
        ("P_REJ_KN1", S.LABEL_CREATED),
        ("P_NAD", S.IN_TRANSIT),
        ("P_WZL", S.IN_TRANSIT),
        ("P_WD", S.OUT_FOR_DELIVERY),
        ("P_ND", S.DELIVERY_FAILED),
        ("P_A", S.READY_FOR_PICKUP),  # avizo: waiting at the post office
        ("P_ZZPZ", S.DELIVERY_FAILED),  # not collected in time
        ("P_NDZ", S.RETURNING_TO_SENDER),
        ("P_ZDUN", S.RETURNED),
    ]
    assert parcel.events[0].occurred_at == utc("2026-03-02T10:59:00")
    avizo = parcel.events[5]
    assert (avizo.point_name, avizo.source) == ("UP Warszawa 12", "poczta_polska_api")
    assert parcel.events[4].raw["przyczyna"] == "NZ"
    assert parcel.events[1].point_name is None  # only a pickup point is named
    assert tracks["00359007738912345678"].found is False  # -1: no event in the last 30 days
    assert tracks["ABC-1"].found is False  # -2: invalid number


def by_operation(request: httpx.Request) -> httpx.Response:
    many = request.headers["SOAPAction"] == '"urn:sprawdzPrzesylki"'
    name = "poczta_polska/sprawdz_przesylki.xml" if many else "poczta_polska/sprawdz_przesylke.xml"
    return xml(name)(request)


def test_poczta_polska_splits_numbers_into_batches():
    carrier = Carrier(by_operation)
    tracks = pp_client(carrier, batch_size=2).track(PP_NUMBERS)
    sent = [[n.text for n in carrier.body(i).iter(f"{PP_NS}numer")] for i in range(len(carrier.requests))]
    assert sent == [PP_NUMBERS[:2], PP_NUMBERS[2:]]
    assert carrier.requests[1].headers["SOAPAction"] == '"urn:sprawdzPrzesylke"'  # a batch of one
    assert tracks["PX0123456789PL"].found
    assert tracks["ABC-1"].found is False  # the single answer named another number


def test_poczta_polska_account_without_batch_permission_asks_one_by_one():
    def answer(request: httpx.Request) -> httpx.Response:
        many = request.headers["SOAPAction"] == '"urn:sprawdzPrzesylki"'
        name = "poczta_polska/komunikat_no_batch.xml" if many else "poczta_polska/sprawdz_przesylke.xml"
        return xml(name)(request)

    carrier = Carrier(answer)
    tracks = pp_client(carrier).track(["00659007734210498542", "00659007734210498543"])
    assert len(carrier.requests) == 3  # the refused batch, then one call per number
    assert life(tracks["00659007734210498542"].events) == [("P_REJ_KN1", S.LABEL_CREATED)]
    assert tracks["00659007734210498542"].events[0].occurred_at == utc("2024-06-06T09:59:00")
    assert tracks["00659007734210498543"].found is False  # the answer named another number


def test_poczta_polska_too_many_numbers_is_final():
    answer = fixture("poczta_polska/komunikat_no_batch.xml").replace(b">-2<", b">-1<")
    with pytest.raises(ProviderError) as refused:
        pp_client(Carrier(lambda request: httpx.Response(200, content=answer))).track(PP_NUMBERS)
    assert (refused.value.retryable, refused.value.code) == (False, "too_many")


def test_poczta_polska_batch_limit_and_refused_login():
    assert pp_client(Carrier(xml("poczta_polska/maksymalna_liczba.xml"))).max_batch() == 25
    with pytest.raises(AuthFailed) as refused:
        pp_client(Carrier(xml("poczta_polska/fault_security.xml", 500))).track(PP_NUMBERS)
    assert refused.value.code == "FailedAuthentication"


# --- ORLEN Paczka ------------------------------------------------------------------------------------------

ORLEN_NS = "{https://91.242.220.103/WebServicePwR}"


def orlen_client(carrier: Carrier, batch_size: int = orlen.MAX_BATCH) -> orlen.OrlenPaczka:
    return orlen.OrlenPaczka("P123", "partner-key", transport=carrier.transport, batch_size=batch_size)


def test_orlen_request_lists_the_pack_codes_with_partner_credentials():
    carrier = Carrier(xml("orlen/history_life.xml"))
    orlen_client(carrier).track(["2100012345678", "2100055566677"])
    request = carrier.requests[0]
    assert str(request.url) == orlen.URL
    assert request.headers["SOAPAction"] == f'"{orlen.NS}/GiveMePackStatusFullHistoryList"'
    operation = carrier.body().find(f"{SOAP}Body/{ORLEN_NS}GiveMePackStatusFullHistoryList")
    codes = [s.text for s in operation.findall(f"{ORLEN_NS}PackCodes/{ORLEN_NS}string")]
    assert codes == ["2100012345678", "2100055566677"]
    assert operation.find(f"{ORLEN_NS}PartnerID").text == "P123"
    assert operation.find(f"{ORLEN_NS}PartnerKey").text == "partner-key"


def test_orlen_whole_life_to_collected_by_the_sender_without_the_archiving_row():
    tracks = orlen_client(Carrier(xml("orlen/history_life.xml"))).track(
        ["2100012345678", "2100055566677", "2100000000000"]
    )
    parcel = tracks["2100012345678"]
    assert life(parcel.events) == [
        ("200", S.LABEL_CREATED),
        ("210", S.IN_TRANSIT),
        ("400", S.IN_TRANSIT),
        ("680", S.OUT_FOR_DELIVERY),
        ("690", S.READY_FOR_PICKUP),
        ("700", S.DELIVERY_FAILED),
        ("709", S.RETURNING_TO_SENDER),
        ("790", S.RETURNING_TO_SENDER),
        ("1000", S.RETURNED),  # Attribute 2_POWROT: collected by the sender
    ]
    assert parcel.events[0].occurred_at == utc("2026-10-07T13:18:49.923774")
    assert (parcel.events[-1].raw["Attribute"], parcel.events[-1].source) == ("2_POWROT", "orlen_api")
    assert life(tracks["2100055566677"].events) == [("200", S.LABEL_CREATED), ("240", S.IN_TRANSIT)]
    assert tracks["2100000000000"].found is False


def test_orlen_dataset_answer_is_read_the_same():
    track = orlen_client(Carrier(xml("orlen/history_dataset.xml"))).track(["2100077788899"])["2100077788899"]
    assert life(track.events) == [("690", S.READY_FOR_PICKUP), ("1000", S.DELIVERED)]


def test_orlen_splits_numbers_into_batches():
    carrier = Carrier(xml("orlen/history_life.xml"))
    orlen_client(carrier, batch_size=2).track(["2100012345678", "2100055566677", "2100000000000"])
    assert len(carrier.requests) == 2


def test_orlen_refused_partner_is_an_auth_failure_and_a_server_fault_is_retryable():
    with pytest.raises(AuthFailed) as refused:
        orlen_client(Carrier(xml("orlen/err_partner.xml"))).track(["2100012345678"])
    assert refused.value.code == "001"
    with pytest.raises(ProviderError) as failed:
        orlen_client(Carrier(xml("orlen/fault_server.xml", 500))).track(["2100012345678"])
    assert (failed.value.retryable, failed.value.status) == (True, 500)


# --- Configuration and the cold path -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "carrier"),
    [
        # WooCommerce Shipment Tracking `tracking_provider` (shop-platforms.md 7.7)
        ("DPD.PL", "dpd"),
        ("Poczta Polska", "poczta_polska"),
        # Furgonetka `courierService` / `_furgonetkaService`, Apaczka `apm_supplier` (7.3, 7.4)
        ("dpd", "dpd"),
        ("DHL", "dhl"),
        ("poczta", "poczta_polska"),
        ("RUCH", "orlen"),
        ("orlen", "orlen"),
        # names shop owners type into a custom provider
        ("DHL Parcel", "dhl"),
        ("Pocztex", "poczta_polska"),
        ("Envelo", "poczta_polska"),
        ("ORLEN Paczka", "orlen"),
        ("Paczka w Ruchu", "orlen"),
    ],
)
def test_the_carrier_a_shop_writes_is_the_id_the_clients_poll(written, carrier):
    assert carrier_id(written) == carrier
    assert carrier in carrier_tracking.POLLED + carrier_tracking.QUEUED


def test_every_client_speaks_for_a_polled_or_queued_carrier():
    clients = {dpd.DpdInfoServices: "dpd", dhl24.Dhl24: "dhl", poczta_polska.Sledzenie: "poczta_polska"}
    clients[orlen.OrlenPaczka] = "orlen"
    assert {cls.carrier for cls in clients} == set(carrier_tracking.POLLED + carrier_tracking.QUEUED)
    assert all(cls.carrier == carrier for cls, carrier in clients.items())


def test_only_carriers_with_credentials_are_polled():
    assert carrier_tracking.configured(Secrets(link_signing_key="k" * 32)) == {}
    secrets = Secrets(
        link_signing_key="k" * 32,
        dhl24_username="u",
        dhl24_password="p",
        orlen_partner_id="1",
        orlen_partner_key="",  # half configured: not polled
        poczta_polska_login="sledzeniepp",
        poczta_polska_password="PPSA",
    )
    trackers = carrier_tracking.configured(secrets)
    assert sorted(trackers) == ["dhl", "poczta_polska"]
    assert {name: t.carrier for name, t in trackers.items()} == {
        "dhl": "dhl",
        "poczta_polska": "poczta_polska",
    }


def test_importing_the_clients_does_not_import_httpx():
    code = (
        "import sys; from zwrotnica.providers import carrier_tracking, dhl24, dpd, orlen, poczta_polska; "
        "sys.exit('httpx' in sys.modules)"
    )
    root = Path(__file__).parents[2]
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed snippet
        [sys.executable, "-c", code], cwd=root, env={"PYTHONPATH": "functions"}, check=False
    )
    assert done.returncode == 0
