"""The polled order sources' API clients, one factory each: the seam tests replace with an
httpx.MockTransport (never the network) and the local stack with its emulated BaseLinker. A source whose
credentials (or shop address) are not configured has no client: it is not polled."""

from __future__ import annotations

from typing import TYPE_CHECKING

from zwrotnica.secrets import get_secrets
from zwrotnica.settings import get_settings

if TYPE_CHECKING:
    from zwrotnica.providers.baselinker import BaseLinkerClient
    from zwrotnica.providers.idosell import IdoSellClient
    from zwrotnica.providers.prestashop import PrestaShopClient

SOURCES = ("baselinker", "idosell", "prestashop")


def configured() -> list[str]:
    """The sources this shop has credentials (and, where needed, a shop address) for."""
    s, settings = get_secrets(), get_settings()
    found = {
        "baselinker": bool(s.baselinker_api_token),
        "idosell": bool(s.idosell_api_key and settings.idosell_shop_url),
        "prestashop": bool(s.prestashop_webservice_key and settings.prestashop_shop_url),
    }
    return [source for source in SOURCES if found[source]]


def baselinker_client() -> BaseLinkerClient:
    from zwrotnica.providers.baselinker import BaseLinkerClient

    return BaseLinkerClient(get_secrets().baselinker_api_token)


def idosell_client() -> IdoSellClient:
    from zwrotnica.providers.idosell import IdoSellClient

    return IdoSellClient(get_settings().idosell_shop_url, get_secrets().idosell_api_key)


def prestashop_client() -> PrestaShopClient:
    from zwrotnica.providers.prestashop import PrestaShopClient

    return PrestaShopClient(get_settings().prestashop_shop_url, get_secrets().prestashop_webservice_key)
