"""What every use case may know about the request it serves, built once at the edge: the time, where
customer links point, the key that signs them, the shop's settings, and whether messages go out.

Use cases read settings and secrets only through this, never on their own.

Where links point comes from configuration only, never from the request (a forged `Host` must not put
`https://attacker/...?t=<valid token>` into a customer's e-mail): PUBLIC_BASE_URL (the shop's custom
domain), else the API's own URL, which the stack writes to an SSM parameter (API_URL_PARAMETER) because a
function's environment cannot name the HTTP API that routes to it without a circular reference.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from zwrotnica.domain import links
from zwrotnica.settings import Settings, get_settings

if TYPE_CHECKING:
    from zwrotnica.secrets import Secrets

API_URL_CACHE_SECONDS = 3600  # the API's URL never changes while the stack stands


def public_base_url() -> str:
    """Where customer links point: PUBLIC_BASE_URL, else the API's own URL from the stack's SSM parameter
    (read once per container, then cached), else "" (links are left out)."""
    settings = get_settings()
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    if not settings.api_url_parameter:
        return ""
    from zwrotnica import aws

    provider = aws.parameters_provider("ssm")
    return str(provider.get(settings.api_url_parameter, max_age=API_URL_CACHE_SECONDS)).rstrip("/")


@dataclass(frozen=True)
class Context:
    now: datetime
    settings: Settings
    base_override: str = ""  # a trusted caller's base (tests, the operator CLI); never request data
    send: bool = True  # False: decide and record without messages (replaying a parcel's history)

    @classmethod
    def build(cls, now: datetime, base_url: str = "", *, send: bool = True) -> Context:
        """PUBLIC_BASE_URL wins over `base_url` (trusted callers only), which wins over the API's URL."""
        return cls(now=now, settings=get_settings(), base_override=base_url.rstrip("/"), send=send)

    @cached_property
    def base_url(self) -> str:
        """Where customer links point; empty: messages carry no links. Resolved when first needed."""
        return self.settings.public_base_url.rstrip("/") or self.base_override or public_base_url()

    @cached_property
    def link_key(self) -> str:
        return self.secrets().link_signing_key if self.base_url else ""

    @property
    def shop_name(self) -> str:
        return self.settings.shop_name

    def secrets(self) -> Secrets:
        """Provider credentials (Secrets Manager, cached per container): read only where used."""
        from zwrotnica.secrets import get_secrets

        return get_secrets()

    def status_url(self, order_number: str) -> str | None:
        """The signed status link for the order, or None where no base URL is known."""
        if not (self.base_url and self.link_key):
            return None
        valid = timedelta(days=self.settings.status_link_days)
        return links.status_url(self.base_url, self.link_key, order_number, self.now, valid)

    def label_url(self, rma: str) -> str | None:
        """Our signed link to a case's return label (GET /labels/{rma}), or None without a base URL."""
        if not (self.base_url and self.link_key):
            return None
        return links.label_url(self.base_url, self.link_key, rma, self.now)

    def unsubscribe_url(self, order_number: str) -> str | None:
        """The signed one-click link that withdraws the marketing consent given with this order (and
        every order of its e-mail address), or None where no base URL is known."""
        if not (self.base_url and self.link_key):
            return None
        return links.unsubscribe_url(self.base_url, self.link_key, order_number, self.now)

    @property
    def support_email(self) -> str:
        """Where customers write to us: the brand's support address, else our sender address."""
        from zwrotnica.settings import get_brand

        return get_brand().support_email

    def at(self, now: datetime) -> Context:
        return replace(self, now=now)

    def quiet(self) -> Context:
        return replace(self, send=False)
