"""Shared field types. Every stored time is UTC in one fixed-width format, so ISO strings sort
lexicographically in DynamoDB key conditions (`due_at <= :now`) exactly as the times do."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, PlainSerializer

from zwrotnica import strict

ISO_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def iso(moment: datetime) -> str:
    """`2026-11-24T16:00:00.000000Z`: fixed width, UTC."""
    return moment.astimezone(UTC).strftime(ISO_FORMAT)


def _utc(moment: datetime) -> datetime:
    """In UTC, and in the years a shop can mean (year 9999 at +14:00 overflows when moved to UTC)."""
    if not strict.in_range(moment):
        raise ValueError(f"a time between the years {strict.EARLIEST} and {strict.LATEST}")
    return moment.astimezone(UTC)


UtcDateTime = Annotated[
    AwareDatetime,
    AfterValidator(_utc),
    PlainSerializer(iso, return_type=str, when_used="json"),
]


# Text from outside (a shop, a courier, a customer, a helpdesk) is normalised where it enters: Unicode NFC
# (one spelling for one text), control characters (CR, LF, TAB, NUL, ESC...) and line or paragraph
# separators become one space, and the invisible format characters are dropped: bidi embeddings,
# overrides, isolates and marks (text that reads differently than it is stored), zero-width spaces and
# joiners, the BOM, soft hyphens, tag characters, lone surrogates. A shop sends such a name, a Paczkomat id
# or an address now and then (a pasted field): the order is kept, the text becomes one clean line, so it
# can never break a header, an SMS, a slip, a terminal or an HTML attribute.
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_INVISIBLE = re.compile(
    "[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\ud800-\udfff\U000e0000-\U000e007f]+"
)
_SPACES = re.compile(r" {2,}")


def one_line(text: str) -> str:
    """NFC; breaks and control characters become one space; bidi, zero-width and other invisible format
    characters go; a no-break space (261,00\u00a0zł) stays."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", _INVISIBLE.sub("", text)))
    return _SPACES.sub(" ", _BREAKS.sub(" ", text)).strip(" ")


def clean_text(text: str) -> str:
    """Free text of several lines (a complaint's description): like `one_line`, but line breaks stay
    (CR LF and CR as LF)."""
    lines = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(one_line(line) for line in lines).strip("\n")


OneLine = Annotated[str, BeforeValidator(lambda v: one_line(v) if isinstance(v, str) else v)]
CleanText = Annotated[str, BeforeValidator(lambda v: clean_text(v) if isinstance(v, str) else v)]
