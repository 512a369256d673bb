"""DPD, DHL24, Poczta Polska and ORLEN Paczka as one httpx.MockTransport speaking their documented shapes.

Every answer is built from the fixtures in tests/events/{dpd,dhl24,poczta_polska,orlen}/ (each cites its
source): a carrier's history holds the fixture's events whose time has come on the fake's `clock`, so a
parcel lives its life as the test's time passes. DPD is a queue: events join it as they happen and leave
it only when the batch holding them is acknowledged (`markEventsAsProcessedV1`), as DPDInfoServices does.
A carrier can be `down` (a connect timeout) or `refusing` our credentials (its documented fault).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from defusedxml import ElementTree as defused

from infra.local.bootstrap import DEV_SECRETS

EVENTS = Path(__file__).parents[1] / "events"
WARSAW = ZoneInfo("Europe/Warsaw")
HOSTS = {
    "dpdinfoservices.dpd.com.pl": "dpd",
    "dhl24.com.pl": "dhl",
    "tt.poczta-polska.pl": "poczta_polska",
    "api.orlenpaczka.pl": "orlen",
}
# The parcels of the fixtures (tests/events/*/...life.xml, sprawdz_przesylki.xml)
DHL_PARCEL = "24333892874"
PP_PARCEL = "PX0123456789PL"
ORLEN_PARCEL = "2100012345678"
DPD_PARCEL = "1000635967411U"
CREDENTIALS = {
    "dpd_info_login": "dev-dpd-login",
    "dpd_info_password": "dev-dpd-password",
    "dpd_info_channel": "1495",
    "dhl24_username": "dev-dhl24-user",
    "dhl24_password": "dev-dhl24-key",
    "poczta_polska_login": "sledzeniepp",
    "poczta_polska_password": "PPSA",
    "orlen_partner_id": "dev-orlen-partner",
    "orlen_partner_key": "dev-orlen-key",
}
SOAP_FAULT = {"dpd": "dpd/fault_access_denied.xml", "dhl": "dhl24/fault_auth.xml"}
SOAP_FAULT |= {"poczta_polska": "poczta_polska/fault_security.xml", "orlen": "orlen/err_partner.xml"}
PP = {"ns": "http://sledzenie.pocztapolska.pl", "ax21": "http://ws.sledzenie.pocztapolska.pl/xsd"}
for _prefix, _uri in {
    "soapenv": "http://schemas.xmlsoap.org/soap/envelope/",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    **PP,
}.items():
    ET.register_namespace(_prefix, _uri)


def fixture(name: str) -> str:
    return (EVENTS / name).read_text(encoding="utf-8")


def warsaw(text: str) -> datetime:
    return datetime.fromisoformat(text.replace(" ", "T")).replace(tzinfo=WARSAW).astimezone(UTC)


def _xml(text: str, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=text.encode("utf-8"), headers={"Content-Type": "text/xml"})


def _lines(text: str, tag: str, when: re.Pattern[str], parse, clock: datetime) -> tuple[str, int]:
    """The fixture with only the event lines (those holding `tag`) whose time has come."""
    kept, events = [], 0
    for line in text.splitlines(keepends=True):
        if tag in line:
            found = when.search(line)
            if found is None or parse(found.group(1)) > clock:
                continue
            events += 1
        kept.append(line)
    return "".join(kept), events


class FakeCarriers:
    def __init__(self, clock: datetime) -> None:
        self.clock = clock
        self.down: set[str] = set()
        self.refusing: set[str] = set()
        self.calls: Counter[str] = Counter()
        self.asked: list[tuple[str, tuple[str, ...]]] = []  # (carrier, numbers) per call
        self.acknowledged: list[str] = []
        self._dpd_done: set[str] = set()  # event ids acknowledged
        self._dpd_batch: tuple[str, list[str]] | None = None  # (confirmId, event blocks) not acknowledged
        self._dpd_batches = 0

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        carrier = HOSTS[request.url.host]
        self.calls[carrier] += 1
        if carrier in self.down:
            raise httpx.ConnectTimeout(f"{carrier} down", request=request)
        if carrier in self.refusing:
            return _xml(fixture(SOAP_FAULT[carrier]), 200 if carrier == "orlen" else 500)
        body = request.content.decode("utf-8")
        return getattr(self, f"_{carrier}")(body)

    # --- DHL24: getTrackAndTraceInfo, one shipment per call ---------------------------------------------
    def _dhl(self, body: str) -> httpx.Response:
        number = re.search(r"<(?:\w+:)?shipmentId>([^<]+)<", body).group(1)
        self.asked.append(("dhl", (number,)))
        text, events = _lines(
            fixture("dhl24/track_life.xml"), "<item>", re.compile(r"<timestamp>([^<]+)<"), warsaw, self.clock
        )
        if number != DHL_PARCEL or events == 0:  # DHL24 answers an unknown number with a fault
            return _xml(fixture("dhl24/fault_unknown_shipment.xml"), 500)
        return _xml(text)

    # --- ORLEN Paczka: GiveMePackStatusFullHistoryList, many parcels per call -----------------------------
    def _orlen(self, body: str) -> httpx.Response:
        numbers = tuple(re.findall(r"<(?:\w+:)?string>([^<]+)<", body))
        self.asked.append(("orlen", numbers))
        text, _ = _lines(
            fixture("orlen/history_life.xml"),
            "<PackStatus>",
            re.compile(r"<Data>([^<]+)<"),
            lambda t: datetime.fromisoformat(t[:19] + "+00:00"),
            self.clock,
        )
        kept = [
            line
            for line in text.splitlines(keepends=True)
            if "<PackStatus>" not in line or re.search(r"<PackCode>([^<]+)<", line).group(1) in numbers
        ]
        return _xml("".join(kept))

    # --- Poczta Polska: sprawdzPrzesylke / sprawdzPrzesylki ----------------------------------------------
    def _poczta_polska(self, body: str) -> httpx.Response:
        numbers = tuple(re.findall(r"<(?:\w+:)?numer>([^<]+)<", body))
        self.asked.append(("poczta_polska", numbers))
        tree = defused.fromstring(fixture("poczta_polska/sprawdz_przesylki.xml"))
        response = tree.find(".//ns:sprawdzPrzesylkiResponse", PP)
        parcels = response.find("ns:return/ax21:przesylki", PP)
        known = {p.findtext("ax21:numer", namespaces=PP): p for p in parcels.findall("ax21:przesylka", PP)}
        for parcel in known.values():
            self._pp_reveal(parcel)
        answer = [known.get(n) or self._pp_unknown(n) for n in numbers]
        if re.search(r"<(?:[\w.-]+:)?sprawdzPrzesylki[\s>/]", body):
            for parcel in list(parcels):
                parcels.remove(parcel)
            parcels.extend(answer)
        else:  # sprawdzPrzesylke: the one Przesylka is the `return` itself
            response.tag = f"{{{PP['ns']}}}sprawdzPrzesylkeResponse"
            single = response.find("ns:return", PP)
            for child in list(single):
                single.remove(child)
            single.extend(list(answer[0]))
        return _xml(ET.tostring(tree, encoding="unicode"))

    def _pp_reveal(self, parcel: ET.Element) -> None:
        data = parcel.find("ax21:danePrzesylki", PP)
        events = data.find("ax21:zdarzenia", PP) if data is not None else None
        if events is None:
            return
        rows = events.findall("ax21:zdarzenie", PP)
        for row in rows:
            if warsaw(row.findtext("ax21:czas", namespaces=PP)) > self.clock:
                events.remove(row)
        left = len(events.findall("ax21:zdarzenie", PP))
        data.find("ax21:zakonczonoObsluge", PP).text = "true" if left == len(rows) else "false"
        if left == 0:  # nothing yet: "no events for this number" (status -1)
            parcel.remove(data)
            parcel.find("ax21:status", PP).text = "-1"

    @staticmethod
    def _pp_unknown(number: str) -> ET.Element:
        parcel = ET.Element(f"{{{PP['ax21']}}}przesylka")
        ET.SubElement(parcel, f"{{{PP['ax21']}}}numer").text = number
        ET.SubElement(parcel, f"{{{PP['ax21']}}}status").text = "-1"
        return parcel

    # --- DPD: the account's event queue -------------------------------------------------------------------
    def _dpd(self, body: str) -> httpx.Response:
        if "markEventsAsProcessedV1" in body:
            confirm = re.search(r"<confirmId>([^<]+)<", body).group(1)
            ok = self._dpd_batch is not None and self._dpd_batch[0] == confirm
            if ok:
                self._dpd_done |= {_dpd_id(block) for block in self._dpd_batch[1]}
                self.acknowledged.append(confirm)
                self._dpd_batch = None
            return _xml(fixture("dpd/mark_processed.xml").replace(">true<", ">true<" if ok else ">false<"))
        limit = int(re.search(r"<limit>(\d+)<", body).group(1))
        self.asked.append(("dpd", ()))
        if self._dpd_batch is None:  # unacknowledged events come again, in the same batch
            pending = [b for b in self.dpd_happened() if _dpd_id(b) not in self._dpd_done][:limit]
            if pending:
                self._dpd_batches += 1
                self._dpd_batch = (f"b7e2c1a4-0000-4000-8000-{self._dpd_batches:012d}", pending)
        if self._dpd_batch is None:
            return _xml(fixture("dpd/customer_events_empty.xml"))
        confirm, blocks = self._dpd_batch
        text = fixture("dpd/customer_events_life.xml")
        head = text[: text.index("<confirmId>")]
        tail = text[text.rindex("</eventsList>") + len("</eventsList>") :]
        return _xml(f"{head}<confirmId>{confirm}</confirmId>\n        " + "\n        ".join(blocks) + tail)

    def dpd_happened(self) -> list[str]:
        blocks = re.findall(r"<eventsList>.*?</eventsList>", fixture("dpd/customer_events_life.xml"), re.S)
        return [b for b in blocks if warsaw(re.search(r"<eventTime>([^<]+)<", b).group(1)) <= self.clock]

    @property
    def dpd_queued(self) -> int:
        return len([b for b in self.dpd_happened() if _dpd_id(b) not in self._dpd_done])


def _dpd_id(block: str) -> str:
    return re.search(r"<id>([^<]+)<", block).group(1)


def use_credentials(**values: str) -> None:
    """The stack's secret with these carrier credentials added (the local dev values otherwise)."""
    import json

    import boto3
    from aws_lambda_powertools.utilities import parameters

    from zwrotnica.settings import get_settings

    secret = DEV_SECRETS | values
    boto3.client("secretsmanager").put_secret_value(
        SecretId=get_settings().secrets_name, SecretString=json.dumps(secret)
    )
    parameters.clear_caches()
