"""Carriers we ask ourselves (couriers.md sections 3-6): one interface for the poller, whatever the API.

- `Tracker.track(numbers)` -> `{number: ParcelTrack}` for DHL24, Poczta Polska, ORLEN Paczka and DPD's
  per-waybill history; `batch_size` numbers per call (1 where the API takes one number).
- DPD's event queue (`dpd.DpdInfoServices.fetch` / `.acknowledge`) is drained, not polled per parcel.

Every event is a canonical `TrackingEvent` (status through the carrier's table in `carrier_codes`, raw
code kept) with `source = "{carrier}_api"`, so the flow can tell a read from the carrier's own API from a
push. Errors: AuthFailed (credentials refused: alarm), a retryable ProviderError (the carrier is down or
slow: back off), a final ProviderError (this request was refused; other parcels are unaffected).

`configured(secrets)` builds only the carriers whose credentials are in the secret: no credentials, no
polling. httpx is imported when a client is built, never at module import. What the clients share
(ParcelTrack, Tracker, make_event) is in providers.carrier_events, which they import: not this registry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zwrotnica.domain.polling import POLLED, QUEUED
from zwrotnica.providers.carrier_events import ParcelTrack, Tracker, make_event, ordered, per_number

if TYPE_CHECKING:
    import httpx

    from zwrotnica.secrets import Secrets

__all__ = [
    "POLLED",
    "QUEUED",
    "ParcelTrack",
    "Tracker",
    "configured",
    "make_event",
    "ordered",
    "per_number",
    "use_transport",
    "with_credentials",
]


def with_credentials(secrets: Secrets) -> frozenset[str]:
    """Carrier ids whose credentials are in the secret (no client is built: cheap on every order)."""
    have = {
        "dpd": secrets.dpd_info_login and secrets.dpd_info_password,
        "dhl": secrets.dhl24_username and secrets.dhl24_password,
        "poczta_polska": secrets.poczta_polska_login and secrets.poczta_polska_password,
        "orlen": secrets.orlen_partner_id and secrets.orlen_partner_key,
    }
    return frozenset(carrier for carrier, given in have.items() if given)


_transport: httpx.BaseTransport | None = None


def use_transport(transport: httpx.BaseTransport | None) -> None:
    """Route every carrier client `configured` builds through `transport` (the local stack answers DPD's
    queue here; tests use httpx.MockTransport). None: the real network."""
    global _transport
    _transport = transport


def configured(secrets: Secrets, transport: httpx.BaseTransport | None = None) -> dict[str, Tracker]:
    """The per-parcel trackers whose credentials are set, by carrier id (DPD's waybill read included)."""
    from zwrotnica.providers import dhl24, dpd, orlen, poczta_polska

    transport = transport or _transport
    have = with_credentials(secrets)
    out: dict[str, Tracker] = {}
    if "dpd" in have:
        out["dpd"] = dpd.DpdInfoServices(
            secrets.dpd_info_login, secrets.dpd_info_password, secrets.dpd_info_channel, transport=transport
        )
    if "dhl" in have:
        out["dhl"] = dhl24.Dhl24(secrets.dhl24_username, secrets.dhl24_password, transport=transport)
    if "poczta_polska" in have:
        out["poczta_polska"] = poczta_polska.Sledzenie(
            secrets.poczta_polska_login, secrets.poczta_polska_password, transport=transport
        )
    if "orlen" in have:
        out["orlen"] = orlen.OrlenPaczka(
            secrets.orlen_partner_id, secrets.orlen_partner_key, transport=transport
        )
    return out
