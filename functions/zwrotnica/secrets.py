"""Secrets from one Secrets Manager secret (JSON), read with Powertools Parameters and cached."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, Field

from zwrotnica.settings import get_settings

CACHE_SECONDS = 300


class Secrets(BaseModel):
    """Everything secret, in one Secrets Manager secret. Empty means "not configured": refuse."""

    link_signing_key: str = Field(min_length=16)
    # Shop platforms
    woocommerce_webhook_secret: str = ""
    standard_webhooks_secrets: list[str] = Field(default_factory=list)  # several during a key rotation
    # The team's decisions on returned goods (POST /cases/{rma}/decision): Standard Webhooks, but a
    # secret of their own: they accept or reject returns and so order refunds (issue 12)
    case_decision_secrets: list[str] = Field(default_factory=list)
    shoper_webhook_secret: str = ""  # the webhook's "Klucz" in the Shoper panel: X-Webhook-SHA1
    # Polled sources (no webhooks): providers.idosell, providers.baselinker, providers.prestashop
    idosell_api_key: str = ""  # X-API-KEY of an admin account
    baselinker_api_token: str = ""  # X-BLToken
    prestashop_webservice_key: str = ""  # 32 characters, the Basic-auth user
    # Couriers
    inpost_webhook_token: str = ""  # the secret path token in the URL registered with ShipX
    inpost_api_token: str = ""  # ShipX API token (tracking confirmation reads)
    aftership_webhook_secret: str = ""
    # Carriers we poll ourselves (docs/carrier-polling.md); a carrier without credentials is not polled.
    dpd_info_login: str = ""  # DPDInfoServices (events queue), issued by DPD with the channel
    dpd_info_password: str = ""
    dpd_info_channel: str = ""  # the InfoServices "channel" (a FID) whose event queue we drain
    dhl24_username: str = ""  # DHL24 WebAPI2 authData (the WebAPI key, not the dhl24.com.pl login)
    dhl24_password: str = ""
    poczta_polska_login: str = ""  # Sledzenie web service (WS-Security); a dedicated account for volume
    poczta_polska_password: str = ""
    orlen_partner_id: str = ""  # ORLEN Paczka API PartnerID + PartnerKey
    orlen_partner_key: str = ""
    # Payments
    payu_pos_id: str = ""
    payu_second_key: str = ""  # "drugi klucz (MD5)": verifies OpenPayu-Signature
    payu_client_id: str = ""
    payu_client_secret: str = ""
    p24_merchant_id: int = 0
    p24_pos_id: int = 0
    p24_api_key: str = ""
    p24_crc: str = ""


def get_secrets() -> Secrets:
    from aws_lambda_powertools.utilities import parameters  # lazy: keeps it off the cold import path

    from zwrotnica import aws  # Powertools Parameters, on a client with short timeouts (zwrotnica.aws)

    provider = aws.parameters_provider("secrets")
    try:
        raw: Any = provider.get(get_settings().secrets_name, transform="json", max_age=CACHE_SECONDS)
    except parameters.GetParameterError as exc:
        # Secrets Manager failed: raise its own error, which the edges answer like any AWS failure (503,
        # retry) instead of failing the function (Powertools wraps it, and keeps it as the context).
        if isinstance(exc.__context__, ClientError | BotoCoreError):
            raise exc.__context__ from None
        raise
    return Secrets.model_validate(raw)
