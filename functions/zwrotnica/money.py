"""Money is integer grosze everywhere; decimal strings from providers are converted exactly."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


def to_grosze(value: str | int | float | Decimal) -> int:
    """`"123.45"` → 12345. Floats are read through their shortest repr, never through binary math."""
    try:
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
