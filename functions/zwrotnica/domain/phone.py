"""Phone numbers to E.164. Polish numbers are validated strictly (polish-law.md section 6)."""

from __future__ import annotations

import re

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_PL_NSN = re.compile(r"^[1-9]\d{8}$")  # 9 digits, no trunk zero since 2009


def normalize_phone(raw: str | None) -> str | None:
    """`600 700 800`, `+48 600-700-800`, `0048600700800`, `48600700800` → `+48600700800`.

    Returns None for anything that is not a plausible number: the order is still stored, we just
    cannot text the customer. Whether a Polish number is a mobile is left to the SMS provider.
    """
    if not raw:
        return None
    digits = re.sub(r"[\s().-]", "", raw)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+48"):
        national = digits[3:]
    elif not digits.startswith("+") and len(digits) == 11 and digits.startswith("48"):
        national = digits[2:]
    elif not digits.startswith("+"):
        national = digits
    else:
        return digits if _E164.match(digits) else None
    return f"+48{national}" if _PL_NSN.match(national) else None
