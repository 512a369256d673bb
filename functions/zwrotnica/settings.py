"""Settings read from the environment once per container (never in domain code)."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, Field


class Settings(BaseModel):
    table_name: str = Field(alias="TABLE_NAME")
    secrets_name: str = Field(alias="SECRETS_NAME")
    public_base_url: str = Field(alias="PUBLIC_BASE_URL", default="")
    shop_name: str = Field(alias="SHOP_NAME", default="Sklep")
    email_from: str = Field(alias="EMAIL_FROM", default="sklep@example.com")
    sms_sender_id: str = Field(alias="SMS_SENDER_ID", default="Sklep")
    team_topic_arn: str = Field(alias="TEAM_TOPIC_ARN", default="")
    status_link_days: int = Field(alias="STATUS_LINK_DAYS", default=90)
    max_body_bytes: int = Field(alias="MAX_BODY_BYTES", default=256 * 1024)

    model_config = {"populate_by_name": True, "frozen": True}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.model_validate(dict(os.environ))
