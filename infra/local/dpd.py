"""DPD's event queue on this machine, for `make run` and `make demo`: DPDInfoServices answered locally.

The local stack routes every carrier client through `answer` (providers.carrier_tracking.use_transport), as
it answers Przelewy24's verify: nothing leaves the machine. DPD's two queue operations are answered in
their documented shapes (the WSDL's `getEventsForCustomerV4Response` / `markEventsAsProcessedV1Response`,
as in tests/events/dpd/): the next batch of queued events with a `confirmId`, the same batch again until it
is acknowledged. The demo queues events with `POST /_dev/dpd/events` (JSON: waybill, businessCode,
description, eventTime in Warsaw time, packageReference). Any other carrier call answers 503, as when the
carrier is down.
"""

from __future__ import annotations

import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

import httpx

HOST = "dpdinfoservices.dpd.com.pl"
CREDENTIALS = {
    "dpd_info_login": "dev-dpd-login",
    "dpd_info_password": "dev-dpd-password",
    "dpd_info_channel": "1",
}
FIELDS = ("businessCode", "country", "depot", "description", "eventTime", "id", "objectId", "operationType")
ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body>'
    '<ns2:{operation}Response xmlns:ns2="http://events.dpdinfoservices.dpd.com.pl/">{result}'
    "</ns2:{operation}Response></S:Body></S:Envelope>"
)


@dataclass
class DpdQueue:
    """The channel's queue: events wait until the batch holding them is acknowledged."""

    events: list[dict[str, str]] = field(default_factory=list)
    batch: tuple[str, list[dict[str, str]]] | None = None
    acknowledged: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, event: dict[str, Any]) -> dict[str, str]:
        keep = {
            k: str(event[k]) for k in (*FIELDS, "waybill", "packageReference") if event.get(k) is not None
        }
        keep.setdefault("id", str(uuid.uuid4().int % 10**9))
        keep.setdefault("country", "PL")
        keep.setdefault("operationType", "I")
        with self.lock:
            self.events.append(keep)
        return keep

    def waiting(self) -> int:
        with self.lock:
            return len(self.events)

    def answer(self, request: httpx.Request) -> httpx.Response:
        if request.url.host != HOST:
            return httpx.Response(503, text="offline: only DPD's queue is answered locally")
        body = request.content.decode("utf-8")
        with self.lock:
            if "markEventsAsProcessedV1" in body:
                return _xml("markEventsAsProcessedV1", f"<return>{str(self._ack(body)).lower()}</return>")
            if "getEventsForCustomerV4" in body:
                return _xml(
                    "getEventsForCustomerV4", self._batch(int(re.search(r"<limit>(\d+)<", body).group(1)))
                )
        return httpx.Response(500, text="operation not emulated")

    def _batch(self, limit: int) -> str:
        if self.batch is None and self.events:
            self.batch = (str(uuid.uuid4()), self.events[:limit])
        if self.batch is None:
            return "<return/>"
        rows = "".join(
            "<eventsList>"
            + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in sorted(e.items()))
            + "</eventsList>"
            for e in self.batch[1]
        )
        return f"<return><confirmId>{self.batch[0]}</confirmId>{rows}</return>"

    def _ack(self, body: str) -> bool:
        confirm = re.search(r"<confirmId>([^<]+)<", body)
        if self.batch is None or confirm is None or confirm.group(1) != self.batch[0]:
            return False
        done = {id(e) for e in self.batch[1]}
        self.events = [e for e in self.events if id(e) not in done]
        self.acknowledged += len(done)
        self.batch = None
        return True


def _xml(operation: str, result: str) -> httpx.Response:
    text = ENVELOPE.format(operation=operation, result=result)
    return httpx.Response(200, content=text.encode("utf-8"), headers={"Content-Type": "text/xml"})


QUEUE = DpdQueue()


def install(secret_name: str) -> DpdQueue:
    """DPD's (dev) credentials into the local secret, and every carrier client through the local queue."""
    import json

    import boto3

    from infra.local.bootstrap import DEV_SECRETS
    from zwrotnica.providers import carrier_tracking

    boto3.client("secretsmanager").put_secret_value(
        SecretId=secret_name, SecretString=json.dumps(DEV_SECRETS | CREDENTIALS)
    )
    carrier_tracking.use_transport(httpx.MockTransport(QUEUE.answer))
    return QUEUE
