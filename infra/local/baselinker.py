"""The local stack's BaseLinker: connector.php answered on this machine as api.baselinker.com documents it
(one POST endpoint, the token in `X-BLToken`, form fields `method` and `parameters`, errors as HTTP 200
with `"status": "ERROR"`), with an order journal that `make demo` fills through
`POST /_dev/baselinker/orders`. The sweeper reads it like the real one; nothing leaves this machine."""

from __future__ import annotations

import json
import threading
import time
from typing import Any
from urllib.parse import parse_qs

import httpx

LOCAL_TOKEN = "local-baselinker-token"  # noqa: S105 (a local stand-in, never a real credential)
API_URL = "https://api.baselinker.com/connector.php"
CREATED, PACKAGE_CREATED = 1, 9  # getJournalList log types


class LocalBaseLinker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.orders: dict[int, dict[str, Any]] = {}
        self.packages: dict[int, list[dict[str, Any]]] = {}
        self.logs: list[dict[str, Any]] = []

    def add(self, order: dict[str, Any], packages: list[dict[str, Any]] | None = None) -> int:
        """An order as getOrders returns it (its order_id kept, or the next one), journalled as created
        now, and its parcels as created with it."""
        with self._lock:
            now = int(time.time())
            order_id = int(order.get("order_id") or 8_000_001 + len(self.orders))
            self.orders[order_id] = order | {"order_id": order_id}
            self._log(order_id, CREATED, now)
            if packages:
                self.packages[order_id] = packages
                self._log(order_id, PACKAGE_CREATED, now)
            return order_id

    def _log(self, order_id: int, log_type: int, at: int) -> None:
        self.logs.append(
            {"id": 1 + len(self.logs), "order_id": order_id, "log_type": log_type, "object_id": 0, "date": at}
        )

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.headers.get("X-BLToken") != LOCAL_TOKEN:
            return _answer(
                {"status": "ERROR", "error_code": "ERROR_AUTH_TOKEN", "error_message": "Invalid token"}
            )
        form = parse_qs(request.content.decode())
        method = (form.get("method") or [""])[0]
        params = json.loads((form.get("parameters") or ["{}"])[0])
        with self._lock:
            if method == "getJournalList":
                types = set(params.get("logs_types") or [])
                logs = [
                    log
                    for log in self.logs
                    if log["id"] > int(params.get("last_log_id") or 0)
                    and (not types or log["log_type"] in types)
                ]
                return _answer({"status": "SUCCESS", "logs": logs})
            if method == "getOrders":
                if "order_id" in params:
                    found = [self.orders[params["order_id"]]] if params["order_id"] in self.orders else []
                else:
                    since = int(params.get("date_confirmed_from") or 0)
                    found = sorted(
                        (o for o in self.orders.values() if int(o.get("date_confirmed") or 0) >= since),
                        key=lambda o: int(o.get("date_confirmed") or 0),
                    )[:100]
                return _answer({"status": "SUCCESS", "orders": found})
            if method == "getOrderPackages":
                return _answer(
                    {"status": "SUCCESS", "packages": self.packages.get(params.get("order_id"), [])}
                )
        return _answer(
            {"status": "ERROR", "error_code": "ERROR_BAD_METHOD", "error_message": "Unknown method"}
        )


def _answer(body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json=body)


def install() -> LocalBaseLinker:
    """The sweeper's BaseLinker client answered by the local journal (like run.p24_sandbox)."""
    from zwrotnica.providers import feed_clients
    from zwrotnica.providers.baselinker import BaseLinkerClient

    emulator = LocalBaseLinker()
    transport = httpx.MockTransport(emulator)
    feed_clients.baselinker_client = lambda: BaseLinkerClient(LOCAL_TOKEN, transport, url=API_URL)
    return emulator
