"""SMS length rules. Polish diacritics are outside GSM-7, so such a text is sent as UCS-2."""

from __future__ import annotations

import math

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")  # each costs two septets
MAX_SEGMENTS = 2


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def segments(text: str) -> int:
    """How many SMS segments the text takes (160/153 septets in GSM-7, 70/67 UTF-16 units in UCS-2)."""
    if is_gsm7(text):
        units, single, multi = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text), 160, 153
    else:
        units, single, multi = len(text.encode("utf-16-le")) // 2, 70, 67
    if units <= single:
        return 1
    return math.ceil(units / multi)


class SmsTooLong(ValueError):
    pass


def check_sms(text: str) -> str:
    n = segments(text)
    if n > MAX_SEGMENTS:
        raise SmsTooLong(f"sms takes {n} segments, at most {MAX_SEGMENTS} allowed")
    return text
