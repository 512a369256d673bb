"""Reading loosely typed platform JSON: PHP platforms send ids and amounts as strings or numbers, ""
or null for nothing, an object where a list was expected. Every adapter reads fields through these, so
a field of the wrong type is absent, never an exception (hostile input: a clear 4xx from the model).

`reading` is the boundary every adapter's parsing runs inside: whatever a body's shape makes the
reading code trip over (a list where an object was expected, a number where text was) is the sender's
4xx, never our 500. Numbers and times go through zwrotnica.strict."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from zwrotnica import strict
from zwrotnica.errors import InvalidPayload, ZwrotnicaError
from zwrotnica.observability import logger

# What reading code raises on a value of an unexpected shape or size (pydantic's ValidationError is a
# ValueError); never a failure of ours to reach AWS or a provider, which are not read here.
SHAPE_ERRORS = (TypeError, ValueError, KeyError, IndexError, AttributeError, OverflowError, RecursionError)


@contextmanager
def reading(what: str) -> Iterator[None]:
    """Parse a body's fields inside this: a value of the wrong shape is InvalidPayload (422) naming
    `what`, logged with the error's type (never the value: it may hold personal data)."""
    try:
        yield
    except ZwrotnicaError:
        raise
    except SHAPE_ERRORS as exc:
        logger.warning("payload not readable", extra={"payload": what, "error": type(exc).__name__})
        raise InvalidPayload(f"{what}: fields could not be read") from exc


def text(value: Any) -> str:
    """A string or a number as stripped text; "" for null, booleans, objects and lists."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return str(value).strip()


def obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def rows(value: Any) -> list[Mapping[str, Any]]:
    """The objects of a list; anything else is no rows."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def integer(value: Any) -> int:
    """A whole number sent as a number or as ASCII digits (at most strict.MAX_INT_DIGITS); 0 else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if abs(value) < 10**strict.MAX_INT_DIGITS else 0
    return strict.digits(text(value)) or 0


def local_time(value: Any, zone: ZoneInfo) -> datetime | None:
    """`2026-11-20 14:03:11` in the shop's zone (PHP platforms send local times without one); None for
    nothing and for MySQL's zero date `0000-00-00 00:00:00`."""
    stamp = text(value)
    if not stamp or stamp.startswith("0000") or len(stamp) > 40:
        return None
    moment = datetime.fromisoformat(stamp)  # ValueError: the caller's `reading` makes it a 422
    moment = moment if moment.tzinfo else moment.replace(tzinfo=zone)
    if not strict.in_range(moment):
        raise ValueError("a time outside any real order's years")
    return moment
