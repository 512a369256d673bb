"""One canonical, reversible spelling of an order number for URLs and DynamoDB keys.

The shop names its orders (`ZAM/2026/52020`, `FV.2026.7`, `ZAMÓWIENIE 12`). A slash in a path segment
is a new segment to every router and proxy, a percent escape may or may not be decoded on the way
(API Gateway, CloudFront, mail scanners rewrite links), and `#` separates the parts of our keys. So a
number travels as a token made only of RFC 3986 unreserved characters, which no URL library, proxy or
key format touches:

- ASCII letters, digits, `-` and `_` stand for themselves, and so does `.` except as the first
  character (a segment `.` or `..` is a path step, not a name);
- every other character is its UTF-8 bytes as `~XX`, upper-case hex (`/` → `~2F`, `Ó` → `~C3~93`).

`ZAM/2026/52020` → `ZAM~2F2026~2F52020`; `1001`, `SH-2001`, `ZW_7` stay as they are, so every link
and key made before this encoding existed still reads the same. `decode` accepts only what `encode`
writes (upper-case hex, no escape of a character that stands for itself, valid UTF-8): one number has
exactly one token, and one token at most one number.
"""

from __future__ import annotations

import re
import string
import unicodedata

from zwrotnica.models.order import ORDER_NUMBER_MAX_LENGTH, is_order_number

ESCAPE = "~"
_LITERAL = frozenset(string.ascii_letters + string.digits + "-_.")
# The longest token: every character four UTF-8 bytes, each written as three characters.
TOKEN_MAX_LENGTH = ORDER_NUMBER_MAX_LENGTH * 4 * 3
# For routes and form validation: the alphabet and length a token can have (decode still decides).
TOKEN_PATTERN = rf"^[A-Za-z0-9._~-]{{1,{TOKEN_MAX_LENGTH}}}$"
_PIECES = re.compile(r"[A-Za-z0-9._-]|~[0-9A-F]{2}")


def encode(number: str) -> str:
    """The token of an order number (ValueError for text that is not an order number)."""
    if not is_order_number(number):
        raise ValueError("not an order number")
    out = []
    for i, char in enumerate(number):
        if char in _LITERAL and not (char == "." and i == 0):
            out.append(char)
        else:
            out.extend(f"{ESCAPE}{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)


def decode(token: str) -> str:
    """The order number a token stands for; ValueError when the token is not one `encode` writes."""
    if not isinstance(token, str) or not 0 < len(token) <= TOKEN_MAX_LENGTH:
        raise ValueError("not an order number token")
    raw = bytearray()
    position = 0
    for match in _PIECES.finditer(token):
        if match.start() != position:
            break
        piece = match.group()
        raw += bytes.fromhex(piece[1:]) if piece[0] == ESCAPE else piece.encode("ascii")
        position = match.end()
    if position != len(token):
        raise ValueError("not an order number token")
    try:
        number = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError("not an order number token") from exc
    if not is_order_number(number) or encode(number) != token:
        raise ValueError("not the canonical token of an order number")
    return number


def from_key(part: str) -> str:
    """The order number in a key part: a token `encode` wrote, or a raw number written before keys were
    encoded. Those numbers held only `A-Za-z0-9_/-` (never `~`), so they read back as themselves and
    the two cannot be confused: old and new items stay readable while the table is migrated."""
    try:
        return decode(part)
    except ValueError:
        return part


def normalize(typed: str) -> str:
    """A number as a customer typed it (a form field, a chatbot): the spelling orders are stored in."""
    return unicodedata.normalize("NFC", typed.strip())
