"""Strict reading of what strangers send: JSON bodies, and the numbers, times and tokens in headers, links
and form fields. Pure (no I/O): the one place every such value goes through, so that no input, however
hostile, reaches the code as something it cannot handle (issue 12).

- `json_body`: bounded size and nesting (checked on the text, without recursion, before `json` recurses
  in C), no NaN/Infinity/1e999, no integer longer than `MAX_INT_DIGITS`, no lone surrogate in any string;
  anything else is `MalformedBody` (400).
- `digits`, `unix_time`: ASCII digits only (Python's `isdigit` also takes "²" and "١", which `int`
  refuses), bounded length.
- `moment`: an ISO 8601 time with its offset, inside the years a shop can mean (an order from year 9999
  +14:00 overflows the first time it is moved to UTC).
- `token`: printable ASCII of a bounded length (a signature, a link token, a CSRF field), or None.
- `equal`: constant-time comparison of two texts of any characters (`hmac.compare_digest` raises
  TypeError on non-ASCII text).
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from zwrotnica.errors import MalformedBody

MAX_DEPTH = 32  # real payloads nest 3-7 levels (a WooCommerce order: 5)
MAX_BYTES = 1024 * 1024  # the HTTP edge's own limit (MAX_BODY_BYTES, 256 KB) comes first
MAX_INT_DIGITS = 20  # int64 and then some: ids, amounts in grosze, epochs
EARLIEST, LATEST = 2000, 2100  # years of any real order, parcel, payment or link

# A JSON string (unrolled: no alternation per character) or a bracket outside of strings.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.S)
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_DIGITS = re.compile(r"[0-9]+")
_PRINTABLE = re.compile(r"[\x21-\x7e]*")


def _not_a_number(literal: str) -> Any:
    raise ValueError(f"{literal} is not a JSON number")


def _float(literal: str) -> float:
    value = float(literal)
    if value in (float("inf"), float("-inf")):
        raise ValueError("number out of range")
    return value


def _int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError("integer too long")
    return int(literal)


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """True when arrays and objects in `text` nest deeper than `limit` (strings skipped), counted
    without recursion; fewer brackets than the limit need no scan at all (the common case)."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for match in _TOKENS.finditer(text):
        char = match.group()
        if char in ("[", "{"):
            depth += 1
            if depth > limit:
                return True
        elif char in ("]", "}"):
            depth -= 1
    return False


def _strings(value: Any) -> Iterator[str]:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            yield from node.keys()
            stack += node.values()
        elif isinstance(node, list):
            stack += node


def json_body(raw: bytes | str, *, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_BYTES) -> Any:
    """The JSON value of a request body, or MalformedBody (never RecursionError, OverflowError, a 4,301
    digit int, inf, NaN or a lone surrogate)."""
    if len(raw) > max_bytes:
        raise MalformedBody("body too large")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise MalformedBody("body is not UTF-8") from exc
    if too_deep(text, max_depth):
        raise MalformedBody("JSON nested too deep")
    try:
        value = json.loads(text, parse_constant=_not_a_number, parse_float=_float, parse_int=_int)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise MalformedBody() from exc
    if "\\u" in text and any(not s.isascii() and _SURROGATE.search(s) for s in _strings(value)):
        raise MalformedBody("a string holds a lone surrogate")
    return value


def digits(value: Any, max_digits: int = MAX_INT_DIGITS) -> int | None:
    """A non-negative whole number written with ASCII digits only (an int passes as is), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 <= value < 10**max_digits else None
    if not isinstance(value, str) or not 0 < len(value) <= max_digits or not _DIGITS.fullmatch(value):
        return None
    return int(value)


def unix_time(value: Any) -> int | None:
    """Seconds since 1970 (a header, a link's expiry) between the years EARLIEST and LATEST, else None."""
    seconds = digits(value, 11)
    low, high = datetime(EARLIEST, 1, 1, tzinfo=UTC), datetime(LATEST, 12, 31, tzinfo=UTC)
    if seconds is None or not low.timestamp() <= seconds <= high.timestamp():
        return None
    return seconds


def moment(value: Any) -> datetime | None:
    """An ISO 8601 time with an offset, inside the years EARLIEST..LATEST (in UTC as well), else None."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None and in_range(parsed) else None


def in_range(moment_: datetime) -> bool:
    """True for a time whose year (as written and in UTC) is one a shop can mean; never overflows."""
    if not EARLIEST <= moment_.year <= LATEST:
        return False
    return moment_.tzinfo is None or EARLIEST <= moment_.astimezone(UTC).year <= LATEST


def token(value: Any, max_length: int) -> str | None:
    """Printable ASCII without spaces, at most `max_length` characters (a signature, a link token, a
    CSRF field, a message id), else None."""
    if not isinstance(value, str) or not 0 < len(value) <= max_length or not _PRINTABLE.fullmatch(value):
        return None
    return value


def equal(expected: str | bytes, offered: str | bytes) -> bool:
    """Constant-time comparison (for the length of `expected`) of two texts of any characters."""
    a = expected.encode("utf-8", "surrogatepass") if isinstance(expected, str) else expected
    b = offered.encode("utf-8", "surrogatepass") if isinstance(offered, str) else offered
    return hmac.compare_digest(a, b)
