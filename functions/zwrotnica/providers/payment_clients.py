"""The payment providers' API clients, one factory each: the seam tests replace with an
httpx.MockTransport (never the network). httpx is imported only when a client is made."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from zwrotnica.secrets import get_secrets
from zwrotnica.settings import get_settings

if TYPE_CHECKING:
    from zwrotnica.providers.payu import PayUClient
    from zwrotnica.providers.przelewy24 import Przelewy24Client


def p24_client() -> Przelewy24Client:
    from zwrotnica.providers.przelewy24 import Przelewy24Client

    s = get_secrets()
    return Przelewy24Client(
        get_settings().p24_base_url, s.p24_merchant_id, s.p24_pos_id, s.p24_api_key, s.p24_crc
    )


def payu_client() -> PayUClient:
    s = get_secrets()
    return _payu(get_settings().payu_base_url, s.payu_client_id, s.payu_client_secret, s.payu_pos_id)


@lru_cache(maxsize=1)
def _payu(base_url: str, client_id: str, client_secret: str, pos_id: str) -> PayUClient:
    from zwrotnica.providers.payu import PayUClient

    return PayUClient(base_url, client_id, client_secret, pos_id)  # one per container: keeps its token
