"""InPost's points API (`GET /v1/points/{name}`): a Paczkomat's or PaczkoPunkt's address and opening hours.

Response shape: a Point object (docs: dokumentacja-inpost.atlassian.net "Points (Parcel Locker,
ParcelPoint)"; michalbiarda/shipx-php-sdk:src/Model/Point.php and src/Method/Point/Read.php [sdk]):
`name`, `type[]`, `status`, `location_description`, `opening_hours` (text, "24/7"), `address`
{line1, line2}, `address_details` {city, post_code, street, building_number, ...}, `location_247`,
`operating_hours_extended` {customer: {monday: [{start, end}], ...} | null} (minutes after midnight).
Production is `https://api.inpost.pl` with the ShipX token (Bearer).

The status page asks through `PointCache`: one answer per point and container for a day, a failure
remembered for 15 minutes, and never an exception: a missing point or a failing API only leaves the point
details off the page. httpx is imported lazily: only a page that shows a point pays for it.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from zwrotnica.models.pickup_point import POINT_NAME, OpeningSpan, PickupPoint

if TYPE_CHECKING:
    import httpx

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FRESH_SECONDS = 24 * 3600  # points change rarely: refreshed at most daily
FAILURE_SECONDS = 15 * 60  # a failing API is asked again after this, not on every page
MAX_POINTS = 2048


def _text(value: Any) -> str | None:
    return str(value).strip() or None if isinstance(value, str | int) else None


def _spans(extended: Any) -> tuple[OpeningSpan, ...]:
    customer = extended.get("customer") if isinstance(extended, dict) else None
    if not isinstance(customer, dict):
        return ()
    spans = []
    for weekday, day in enumerate(DAYS):
        for span in customer.get(day) or []:
            if (
                isinstance(span, dict)
                and isinstance(span.get("start"), int)
                and isinstance(span.get("end"), int)
            ):
                spans.append(OpeningSpan(weekday=weekday, start=span["start"], end=span["end"]))
    return tuple(spans)


def parse_point(body: dict[str, Any]) -> PickupPoint | None:
    """Our model of a Point object; None when it has no usable name."""
    name = body.get("name")
    if not isinstance(name, str) or not re.fullmatch(POINT_NAME, name):
        return None
    address = body.get("address") if isinstance(body.get("address"), dict) else {}
    types = body.get("type") if isinstance(body.get("type"), list) else []
    try:
        return PickupPoint(
            name=name,
            locker=not types or any(str(t).startswith("parcel_locker") for t in types),
            address_line1=_text(address.get("line1")),
            address_line2=_text(address.get("line2")),
            description=_text(body.get("location_description")),
            open_24_7=body.get("location_247") is True or _text(body.get("opening_hours")) == "24/7",
            hours=_spans(body.get("operating_hours_extended")),
            hours_text=_text(body.get("opening_hours")),
        )
    except ValidationError:
        return None


class PointsClient:
    """`transport` is the seam tests fill with httpx.MockTransport."""

    def __init__(self, base_url: str, token: str = "", transport: httpx.BaseTransport | None = None) -> None:
        import httpx

        headers = {"Accept": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers=headers,
            transport=transport,
            timeout=httpx.Timeout(1.5, connect=0.5),  # the customer's page waits for this
        )

    def get(self, name: str) -> PickupPoint | None:
        """The point, or None when InPost does not know it (404). Raises ProviderError on failure."""
        from zwrotnica.providers.errors import http_error, json_object, send

        response = send(self._http, "inpost_points", "GET", f"/v1/points/{name}")
        if response.status_code == 404:
            return None
        body = json_object(response)
        if response.status_code != 200 or not body:
            raise http_error("inpost_points", response.status_code, _text(body.get("error")))
        return parse_point(body)


class PointCache:
    """Points by name, per container. `fetch` may raise anything: the page still renders without it."""

    def __init__(
        self,
        fetch: Callable[[str], PickupPoint | None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._known: OrderedDict[str, tuple[float, PickupPoint | None]] = OrderedDict()

    def get(self, name: str | None) -> PickupPoint | None:
        if not name or not re.fullmatch(POINT_NAME, name):
            return None
        key = name.upper()
        now = self._clock()
        with self._lock:
            held = self._known.get(key)
            if held and held[0] > now:
                self._known.move_to_end(key)
                return held[1]
        try:
            point, until = self._fetch(key), now + FRESH_SECONDS
        except Exception:  # the API is down, slow or odd: no details, ask again later
            point, until = (held[1] if held else None), now + FAILURE_SECONDS
        with self._lock:
            self._known[key] = (until, point)
            self._known.move_to_end(key)
            while len(self._known) > MAX_POINTS:
                self._known.popitem(last=False)
        return point


_transport: httpx.BaseTransport | None = None
_caches: dict[tuple[str, str], PointCache] = {}


def use_transport(transport: httpx.BaseTransport | None) -> None:
    """Route the points API through `transport` (tests: httpx.MockTransport; local stack: a fake)."""
    global _transport
    _transport = transport
    _caches.clear()


def cache(base_url: str, token: str) -> PointCache:
    """The container's cache for this API and token (one client, created on first use)."""
    key = (base_url, token)
    if key not in _caches:
        client: list[PointsClient] = []

        def fetch(name: str) -> PickupPoint | None:
            if not client:
                client.append(PointsClient(base_url, token, transport=_transport))
            return client[0].get(name)

        _caches[key] = PointCache(fetch)
    return _caches[key]
