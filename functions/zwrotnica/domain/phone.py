"""Phone numbers to E.164. Polish numbers are validated strictly (polish-law.md section 6).

Two questions, two functions: `normalize_phone` says whether a string is a phone number at all (the
order keeps it, a customer may prove an order with it), `sms_number` whether we text it. We text Polish
mobiles only: the SMS sender id, the quiet hours and the price are Polish; a landline, a premium or
service number, or a foreign number gets the same message by e-mail instead.
"""

from __future__ import annotations

import re

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_PL_NSN = re.compile(r"[1-9][0-9]{8}")  # 9 digits, no trunk zero since 2009
_SEPARATORS = re.compile(r"[\s().\-/]")
# Mobile ranges of the Polish numbering plan (UKE): the first two digits of the national number.
# Everything else is a landline area code (22 Warszawa, 12 Kraków, ...), a premium or shared-cost
# number (70x, 80x), a VoIP range (39) or an M2M range: none of them receives our SMS.
PL_MOBILE_PREFIXES = frozenset({"45", "50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88"})


def normalize_phone(raw: str | None) -> str | None:
    """`600 700 800`, `+48 600-700-800`, `0048600700800`, `48600700800` → `+48600700800`.

    Returns None for anything that is not a plausible number (letters, extensions, short numbers,
    non-ASCII digits): the order is still stored, we just cannot text the customer.
    """
    if not raw:
        return None
    digits = _SEPARATORS.sub("", raw)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+48"):
        national = digits[3:]
    elif not digits.startswith("+") and len(digits) == 11 and digits.startswith("48"):
        national = digits[2:]
    elif not digits.startswith("+"):
        national = digits
    else:
        return digits if _E164.fullmatch(digits) else None
    return f"+48{national}" if _PL_NSN.fullmatch(national) else None


def is_polish_mobile(e164: str | None) -> bool:
    """A normalized number (`+48` and 9 digits) in a Polish mobile range."""
    return bool(e164) and len(e164) == 12 and e164.startswith("+48") and e164[3:5] in PL_MOBILE_PREFIXES


def sms_number(raw: str | None) -> str | None:
    """The number to text, or None: the message goes by e-mail (landline, foreign, premium, garbage)."""
    phone = normalize_phone(raw)
    return phone if phone and is_polish_mobile(phone) else None
