"""InPost ShipX return shipments (couriers.md 2.7-2.8): create with `is_return`, then fetch the label PDF.

Creation is asynchronous (created -> confirmed); a label exists only once confirmed, so `label()` answers
None until then and the caller falls back to our printable slip.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zwrotnica.providers.errors import ProviderError, http_error, json_object, send

if TYPE_CHECKING:  # httpx only when a return label is asked for
    import httpx

TIMEOUT_S, CONNECT_S = 5.0, 2.0


class ShipXReturns:
    def __init__(
        self, base_url: str, token: str, organization_id: str, transport: httpx.BaseTransport | None = None
    ) -> None:
        import httpx

        self.organization_id = organization_id
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            transport=transport,
            timeout=httpx.Timeout(TIMEOUT_S, connect=CONNECT_S),
        )

    def create(
        self, *, rma: str, sender: dict[str, Any], receiver: dict[str, Any], size: str = "small"
    ) -> str:
        """A locker-to-address return shipment; the customer drops it in any Paczkomat. Returns its id."""
        body = {
            "sender": sender,
            "receiver": receiver,
            "parcels": [{"template": size}],
            "custom_attributes": {"sending_method": "parcel_locker"},
            "service": "inpost_locker_standard",
            "reference": rma,
            "is_return": True,
        }
        response = send(
            self._http, "shipx", "POST", f"/v1/organizations/{self.organization_id}/shipments", json=body
        )
        answer = json_object(response)
        if response.status_code not in (200, 201) or not answer or "id" not in answer:
            raise http_error("shipx", response.status_code, str((answer or {}).get("error") or "") or None)
        return str(answer["id"])

    def label(self, shipment_id: str) -> bytes | None:
        """The label PDF, or None while the shipment is not confirmed yet (`invalid_action`)."""
        response = send(
            self._http,
            "shipx",
            "GET",
            f"/v1/shipments/{shipment_id}/label",
            params={"format": "pdf", "type": "normal"},
        )
        if response.status_code == 200 and response.content.startswith(b"%PDF"):
            return response.content
        if response.status_code == 400:
            return None
        raise http_error("shipx", response.status_code)

    def tracking_number(self, shipment_id: str) -> str | None:
        """The parcel's tracking number, assigned once ShipX confirmed the shipment."""
        response = send(self._http, "shipx", "GET", f"/v1/shipments/{shipment_id}")
        answer = json_object(response)
        if response.status_code != 200:
            raise http_error("shipx", response.status_code)
        return str(answer["tracking_number"]) if answer.get("tracking_number") else None


__all__ = ["ProviderError", "ShipXReturns"]
