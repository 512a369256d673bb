"""The shop's look in every page and e-mail: name, logo, one accent colour, contact details, footer links.

Configuration, never trusted blindly: a value that does not validate falls back to its safe default, so a
typo in one parameter cannot break a page or an e-mail (the template's AllowedPattern stops most at deploy).
Colours are computed for contrast (WCAG 2.1: 4.5:1 for text), whatever accent the shop picks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from zwrotnica.models.order import EMAIL_PATTERN

HEX_COLOUR = r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$"
DEFAULT_ACCENT = "#0b57d0"
TEXT = "#1a1a1a"
WHITE = "#ffffff"
DARK = "#16181c"  # dark mode background
_URL = re.compile(r"^https://[A-Za-z0-9.-]+(?::\d{1,5})?(?:/[^\s\"'<>]*)?$")


def _rgb(colour: str) -> tuple[int, int, int]:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def luminance(colour: str) -> float:
    """WCAG relative luminance of an sRGB hex colour."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio, 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def darken(colour: str, factor: float) -> str:
    return "#" + "".join(f"{int(v * factor):02x}" for v in _rgb(colour))


def lighten(colour: str, factor: float) -> str:
    """Towards white: factor 0 keeps the colour, 1 is white."""
    return "#" + "".join(f"{int(v + (255 - v) * factor):02x}" for v in _rgb(colour))


class FooterLink(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: str = Field(min_length=1, max_length=60)
    url: str = Field(max_length=500)

    @field_validator("url")
    @classmethod
    def _https(cls, value: str) -> str:
        if not _URL.match(value):
            raise ValueError("an https:// address")
        return value


class Brand(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str = Field(default="Sklep", min_length=1, max_length=100)
    logo_url: str = Field(default="", max_length=500)
    accent: str = Field(default=DEFAULT_ACCENT, pattern=HEX_COLOUR)
    support_email: str = Field(default="", max_length=254)
    support_phone: str = Field(default="", max_length=32, pattern=r"^[+0-9 ()-]*$")
    footer_links: tuple[FooterLink, ...] = Field(default=(), max_length=8)

    @field_validator("logo_url")
    @classmethod
    def _logo(cls, value: str) -> str:
        if value and not _URL.match(value):
            raise ValueError("an https:// address")
        return value

    @field_validator("support_email")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and not re.fullmatch(EMAIL_PATTERN, value):
            raise ValueError("one plain e-mail address")
        return value

    @classmethod
    def from_config(cls, raw: Mapping[str, Any]) -> Brand:
        """Each field on its own: an invalid one takes its default, the others stay as configured."""
        kept: dict[str, Any] = {}
        for name, value in raw.items():
            if value in (None, "") or name not in cls.model_fields:
                continue
            if name == "footer_links" and isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    continue
            try:
                cls.model_validate(kept | {name: value})
            except ValidationError:
                continue
            kept[name] = value
        return cls.model_validate(kept)

    @property
    def button(self) -> tuple[str, str]:
        """(background, text) of a button: the accent with white or near-black text, whichever reads
        (4.5:1); an accent neither reads on gets the darkened link colour with white text."""
        for text in (WHITE, TEXT):
            if contrast(self.accent, text) >= 4.5:
                return self.accent, text
        return self.link, WHITE

    @property
    def link(self) -> str:
        """The accent as a text colour on white, darkened until it reads (4.5:1)."""
        colour, factor = darken(self.accent, 1.0), 1.0
        while contrast(colour, WHITE) < 4.5 and factor > 0.2:
            factor -= 0.05
            colour = darken(self.accent, factor)
        return colour

    @property
    def link_on_dark(self) -> str:
        """The accent as a text colour on a dark background (dark mode), lightened until it reads."""
        colour, factor = self.accent, 0.0
        while contrast(colour, DARK) < 4.5 and factor < 1.0:
            factor += 0.05
            colour = lighten(self.accent, factor)
        return colour

    @property
    def logo_origin(self) -> str:
        """`https://host[:port]` of the logo (the pages' CSP allows images from there only)."""
        if not self.logo_url:
            return ""
        return "/".join(self.logo_url.split("/", 3)[:3])
