"""Polish bank accounts for cash-on-delivery refunds: NRB (26 digits) or IBAN `PL` + NRB, mod-97 checked."""

from __future__ import annotations

import re

_NRB = re.compile(r"^\d{26}$")


def normalize_account(raw: str) -> str | None:
    """`PL61 1090 1014 0000 0712 1981 2874` or `61109010140000071219812874` → `PL611090...`, or None.

    ISO 13616 check: move `PL` + check digits to the end, letters to numbers (P=25, L=21), mod 97 == 1.
    """
    compact = re.sub(r"[\s-]", "", raw or "").upper()
    if compact.startswith("PL"):
        compact = compact[2:]
    if not _NRB.match(compact):
        return None
    rearranged = compact[2:] + "2521" + compact[:2]
    return f"PL{compact}" if int(rearranged) % 97 == 1 else None


def masked(iban: str) -> str:
    """For pages and e-mails: only the last four digits."""
    return f"PL** **** … {iban[-4:]}"
