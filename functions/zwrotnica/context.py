"""What every use case may know about the request it serves, built once at the edge: the time, where
customer links point, the key that signs them, the shop's settings, and whether messages go out.

Use cases read settings and secrets only through this, never on their own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from zwrotnica.domain import links
from zwrotnica.settings import Settings, get_settings

if TYPE_CHECKING:
    from zwrotnica.secrets import Secrets


@dataclass(frozen=True)
class Context:
    now: datetime
    settings: Settings
    base_url: str = ""  # where customer links point; empty: messages carry no status link
    link_key: str = ""
    send: bool = True  # False: decide and record without messages (replaying a parcel's history)

    @classmethod
    def build(cls, now: datetime, base_url: str = "", *, send: bool = True) -> Context:
        """PUBLIC_BASE_URL wins over the request's own domain (`base_url`)."""
        settings = get_settings()
        base = settings.public_base_url or base_url
        key = ""
        if base:
            from zwrotnica.secrets import get_secrets  # cached per container

            key = get_secrets().link_signing_key
        return cls(now=now, settings=settings, base_url=base, link_key=key, send=send)

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
