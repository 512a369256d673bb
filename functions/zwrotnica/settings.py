"""Settings read from the environment once per container (never in domain code)."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from zwrotnica.domain.payment_refs import DEFAULT_RULES, parse_rules
from zwrotnica.models.brand import Brand


class Settings(BaseModel):
    table_name: str = Field(alias="TABLE_NAME")
    secrets_name: str = Field(alias="SECRETS_NAME")
    # Where customer links point (a custom domain); empty: the API's own URL, which the stack writes to
    # the SSM parameter named here (zwrotnica.context.public_base_url). Never the request's Host.
    public_base_url: str = Field(alias="PUBLIC_BASE_URL", default="")
    api_url_parameter: str = Field(alias="API_URL_PARAMETER", default="")
    shop_name: str = Field(alias="SHOP_NAME", default="Sklep")
    email_from: str = Field(alias="EMAIL_FROM", default="sklep@example.com")
    sms_sender_id: str = Field(alias="SMS_SENDER_ID", default="Sklep")
    team_topic_arn: str = Field(alias="TEAM_TOPIC_ARN", default="")
    # The weekly report's recipients (comma-separated); empty: the report is not sent.
    report_email: str = Field(alias="REPORT_EMAIL", default="")
    status_link_days: int = Field(alias="STATUS_LINK_DAYS", default=90)
    max_body_bytes: int = Field(alias="MAX_BODY_BYTES", default=256 * 1024)
    # Art. 33 UPK: the delivery refund is capped at the cheapest usual delivery option (grosze).
    shipx_organization_id: str = Field(alias="SHIPX_ORGANIZATION_ID", default="")
    # ShipX `receiver` for return shipments, as JSON: {"company_name", "email", "phone", "address": {...}}
    shipx_return_receiver: str = Field(alias="SHIPX_RETURN_RECEIVER", default="")
    # Marketing extras, sent only with the order's marketing consent (PKE art. 398); empty = off.
    review_url: str = Field(alias="REVIEW_URL", default="")
    goodwill_code: str = Field(alias="GOODWILL_CODE", default="")
    labels_bucket: str = Field(alias="LABELS_BUCKET", default="")
    return_address: str = Field(alias="RETURN_ADDRESS", default="")
    cheapest_delivery_grosze: int = Field(alias="CHEAPEST_DELIVERY_GROSZE", default=999)
    # Provider APIs (sandbox URLs in local mode; tests use httpx mock transports, never the network)
    shipx_base_url: str = Field(alias="SHIPX_BASE_URL", default="https://api-shipx-pl.easypack24.net")
    inpost_source_check: bool = Field(alias="INPOST_SOURCE_CHECK", default=True)  # 91.216.25.0/24
    # Courier issue: silent parcels, and which channels each shipping message uses (JSON overrides)
    silent_label_hours: int = Field(alias="SILENT_LABEL_HOURS", default=24)
    silent_transit_working_hours: int = Field(alias="SILENT_TRANSIT_WORKING_HOURS", default=48)
    shipping_messages: str = Field(alias="SHIPPING_MESSAGES", default="")
    payu_base_url: str = Field(alias="PAYU_BASE_URL", default="https://secure.payu.com")
    p24_base_url: str = Field(alias="P24_BASE_URL", default="https://secure.przelewy24.pl")
    # Payments issue: a notification for an unknown order still unmatched after this many hours, and an
    # order whose payment failed (or did not match) still unpaid after this many, become finance tickets.
    payment_grace_hours: int = Field(alias="PAYMENT_GRACE_HOURS", default=24, ge=1)
    payment_unpaid_hours: int = Field(alias="PAYMENT_UNPAID_HOURS", default=48, ge=1)
    # How the shop's payment plugin names orders at PayU (extOrderId) and Przelewy24 (sessionId): rule
    # names or `provider:kind:regex`, space-separated, tried in order (domain.payment_refs).
    payment_reference_rules: str = Field(alias="PAYMENT_REFERENCE_RULES", default=DEFAULT_RULES)
    # Unsigned order lookups (status page, return form) per client IP (IPv6: per /64) and hour; 0 = no
    # limit. Signed links are never counted. LOOKUP_LIMIT_EXEMPT: comma-separated IPs or CIDRs of the
    # shop's own servers (a chatbot, a headless front end) that ask for many customers from one address.
    lookups_per_client_per_hour: int = Field(alias="LOOKUPS_PER_CLIENT_PER_HOUR", default=100, ge=0)
    lookup_limit_exempt: str = Field(alias="LOOKUP_LIMIT_EXEMPT", default="")
    # InPost's points API (Paczkomat names, addresses, opening hours for the status page; cached a day).
    inpost_points_base_url: str = Field(alias="INPOST_POINTS_BASE_URL", default="https://api.inpost.pl")
    # The team dashboard: who may ask for a sign-in link (comma-separated addresses, or @domain for a
    # whole domain), how long a link and a session live.
    team_allowed_emails: str = Field(alias="TEAM_ALLOWED_EMAILS", default="")
    login_link_minutes: int = Field(alias="LOGIN_LINK_MINUTES", default=15, ge=1, le=60)
    session_hours: int = Field(alias="SESSION_HOURS", default=12, ge=1, le=24)
    # The table's indexes the code queries (template.yaml IndexStage: the names before issue 19's
    # migration while a deployed stack moves to the new ones).
    queue_index: str = Field(alias="QUEUE_INDEX", default="due")
    lookup_index: str = Field(alias="LOOKUP_INDEX", default="refs")

    # Polled order sources (the sweeper reads what changed; credentials in the secret, empty = not
    # polled): the shops' addresses, how BaseLinker numbers orders (its own order_id, or the shop's
    # number for orders from the shop: shop_order_id), and the platforms' own status ids mapped to ours
    # (`id:status`, space-separated; domain.order_feeds.parse_status_map).
    idosell_shop_url: str = Field(alias="IDOSELL_SHOP_URL", default="")
    prestashop_shop_url: str = Field(alias="PRESTASHOP_SHOP_URL", default="")
    baselinker_order_number: Literal["order_id", "shop_order_id"] = Field(
        alias="BASELINKER_ORDER_NUMBER", default="order_id"
    )
    baselinker_status_map: str = Field(alias="BASELINKER_STATUS_MAP", default="")
    prestashop_states: str = Field(alias="PRESTASHOP_STATES", default="")
    # Carrier polling issue: every inbound event (webhook or poll result) is kept this many days for
    # replay (at least 4: PayU retries a notification for 72 hours); refused deliveries 7 days.
    inbound_log_days: int = Field(alias="INBOUND_LOG_DAYS", default=30, ge=4, le=400)

    model_config = {"populate_by_name": True, "frozen": True}

    @field_validator("baselinker_status_map", "prestashop_states")
    @classmethod
    def _statuses_parse(cls, value: str) -> str:
        if value.strip():  # the model it maps to is imported only when a map is set
            from zwrotnica.domain.order_feeds import parse_status_map

            parse_status_map(value)
        return value

    @field_validator("payment_reference_rules")
    @classmethod
    def _rules_parse(cls, value: str) -> str:
        parse_rules(value)  # a typo fails the function's settings, loudly, not one payment quietly
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.model_validate(dict(os.environ))


# The shop's branding (models.brand), by field name -> environment variable. Read on every call, cached
# per distinct value: pages and e-mails always show what is configured, and nothing here is required (an
# e-mail template renders outside a function's environment too: tests, the CLI).
BRAND_ENV = {
    "name": "SHOP_NAME",
    "logo_url": "SHOP_LOGO_URL",
    "accent": "SHOP_ACCENT_COLOR",
    "support_email": "SUPPORT_EMAIL",
    "support_phone": "SUPPORT_PHONE",
    "footer_links": "SHOP_FOOTER_LINKS",
}


def get_brand() -> Brand:
    values = tuple(os.environ.get(var, "") for var in BRAND_ENV.values())
    return _brand(values, os.environ.get("EMAIL_FROM", ""))


@lru_cache(maxsize=4)
def _brand(values: tuple[str, ...], email_from: str) -> Brand:
    raw = dict(zip(BRAND_ENV, values, strict=True))
    raw["support_email"] = raw["support_email"] or email_from  # customers write back to our sender
    return Brand.from_config(raw)
