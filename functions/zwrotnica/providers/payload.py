"""Reading loosely typed platform JSON: PHP platforms send ids and amounts as strings or numbers, ""
or null for nothing, an object where a list was expected. Every adapter reads fields through these, so
a field of the wrong type is absent, never an exception (hostile input: a clear 4xx from the model)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


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
    """A whole number sent as a number or as digits; 0 for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    digits = text(value)
    return int(digits) if digits.isascii() and digits.isdigit() else 0


def local_time(value: Any, zone: ZoneInfo) -> datetime | None:
    """`2026-11-20 14:03:11` in the shop's zone (PHP platforms send local times without one); None for
    nothing and for MySQL's zero date `0000-00-00 00:00:00`."""
    stamp = text(value)
    if not stamp or stamp.startswith("0000"):
        return None
    moment = datetime.fromisoformat(stamp)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)
