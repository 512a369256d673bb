"""Shared field types. Every stored time is UTC in one fixed-width format, so ISO strings sort
lexicographically in DynamoDB key conditions (`due_at <= :now`) exactly as the times do."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, PlainSerializer

ISO_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def iso(moment: datetime) -> str:
    """`2026-11-24T16:00:00.000000Z`: fixed width, UTC."""
    return moment.astimezone(UTC).strftime(ISO_FORMAT)


UtcDateTime = Annotated[
    AwareDatetime,
    AfterValidator(lambda moment: moment.astimezone(UTC)),
    PlainSerializer(iso, return_type=str, when_used="json"),
]


# Control characters (CR, LF, TAB, NUL...), line and paragraph separators, bidi overrides (text that
# reads differently than it is stored). A shop sends such a name or address now and then (a pasted
# field); the order is kept, the text becomes one clean line, so it can never break a header or a slip.
_NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")


_SPACES = re.compile(r" {2,}")


def one_line(text: str) -> str:
    """Breaks and control characters become one space; a no-break space (261,00\u00a0zł) stays."""
    return _SPACES.sub(" ", _NOT_ONE_LINE.sub(" ", text)).strip(" ")


OneLine = Annotated[str, BeforeValidator(lambda v: one_line(v) if isinstance(v, str) else v)]
