"""Shared field types. Every stored time is UTC in one fixed-width format, so ISO strings sort
lexicographically in DynamoDB key conditions (`due_at <= :now`) exactly as the times do."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, PlainSerializer

ISO_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def iso(moment: datetime) -> str:
    """`2026-11-24T16:00:00.000000Z`: fixed width, UTC."""
    return moment.astimezone(UTC).strftime(ISO_FORMAT)


UtcDateTime = Annotated[
    AwareDatetime,
    AfterValidator(lambda moment: moment.astimezone(UTC)),
    PlainSerializer(iso, return_type=str, when_used="json"),
]
