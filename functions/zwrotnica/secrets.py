"""Secrets from one Secrets Manager secret (JSON), read with Powertools Parameters and cached."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from zwrotnica.settings import get_settings

CACHE_SECONDS = 300


class Secrets(BaseModel):
    woocommerce_webhook_secret: str = ""
    standard_webhooks_secrets: list[str] = Field(default_factory=list)  # several during a key rotation
    link_signing_key: str = Field(min_length=16)


def get_secrets() -> Secrets:
    from aws_lambda_powertools.utilities import parameters  # lazy: keeps it off the cold import path

    raw: Any = parameters.get_secret(get_settings().secrets_name, transform="json", max_age=CACHE_SECONDS)
    return Secrets.model_validate(raw)
