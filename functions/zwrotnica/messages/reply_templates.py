"""The team's ready answers (macros): data in config/reply_templates.json, variables filled from the
ticket's order, its parcel and its case with the same Polish helpers every message uses (dates with their
weekday and "r.", money with no-break spaces, carriers by their Polish names). Pure.

A template whose variable has no value for this ticket is refused (`MissingFacts`): a sentence with a
hole in it must never reach a customer.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

from zwrotnica.domain.shipment_notices import link_for
from zwrotnica.messages import polish
from zwrotnica.messages.policy import WARSAW

_FIELD = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class ReplyTemplate:
    name: str
    title: str
    text: str

    @property
    def variables(self) -> list[str]:
        return list(dict.fromkeys(_FIELD.findall(self.text)))


class UnknownTemplate(LookupError):
    pass


class MissingFacts(ValueError):
    """The ticket lacks what the template needs (no parcel yet, no case): named in `missing`."""

    def __init__(self, template: str, missing: Sequence[str]) -> None:
        super().__init__(f"{template}: no value for {', '.join(missing)}")
        self.template, self.missing = template, list(missing)


def parse(config: Mapping[str, Any], known: Sequence[str] | None = None) -> dict[str, ReplyTemplate]:
    """The templates of a config; ValueError for a malformed one or a variable nobody fills."""
    known_set = set(known or VARIABLES)
    out = {}
    for name, body in config["templates"].items():
        if not re.fullmatch(r"[a-z0-9_]{2,40}", name):
            raise ValueError(f"template name {name!r}: lower-case letters, digits and '_'")
        text, title = str(body["text"]).strip(), str(body["title"]).strip()
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
        unknown = sorted(set(fields) - known_set)
        if unknown or not text or not title:
            raise ValueError(
                f"template {name}: unknown variables {unknown}" if unknown else f"template {name}"
            )
        out[name] = ReplyTemplate(name, title, text)
    return out


@lru_cache(maxsize=1)
def templates() -> dict[str, ReplyTemplate]:
    text = resources.files("zwrotnica.config").joinpath("reply_templates.json").read_text(encoding="utf-8")
    return parse(json.loads(text))


def get(name: str) -> ReplyTemplate:
    found = templates().get(name)
    if found is None:
        raise UnknownTemplate(name)
    return found


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _day(value: str | None) -> date | None:
    if not value:
        return None
    return date.fromisoformat(value) if len(value) == 10 else _when(value).astimezone(WARSAW).date()  # type: ignore[union-attr]


VARIABLES = (
    "imie",
    "numer_zamowienia",
    "data_zamowienia",
    "kwota_zamowienia",
    "przewoznik",
    "przewoznika",
    "numer_przesylki",
    "link_sledzenia",
    "link_statusu",
    "punkt_odbioru",
    "termin_odbioru",
    "numer_zgloszenia",
    "kwota_zwrotu",
    "termin_zwrotu_pieniedzy",
    "termin_odpowiedzi_na_reklamacje",
    "adres_zwrotu",
)


def facts(
    *,
    order: Mapping[str, Any] | None,
    parcel: Mapping[str, Any] | None,
    case: Mapping[str, Any] | None,
    status_url: str | None,
    return_address: str,
) -> dict[str, str]:
    """The values a ticket can give, in Polish; a variable without a value is absent."""
    values: dict[str, str | None] = {"link_statusu": status_url, "adres_zwrotu": return_address or None}
    if order:
        first = str(order.get("customer_name") or "").split()
        created = _day(order.get("created_at"))
        values |= {
            "imie": first[0] if first and first[0] != "[usunięto]" else None,
            "numer_zamowienia": str(order.get("number") or "") or None,
            "data_zamowienia": polish.date_pl(created) if created else None,
            "kwota_zamowienia": polish.money(int(order["total"]), order.get("currency") or "PLN")
            if order.get("total") is not None
            else None,
        }
    if parcel:
        carrier = polish.carrier(str(parcel["carrier"]))
        deadline = _when(parcel.get("pickup_deadline"))
        point = parcel.get("point_id")
        paczkomat = parcel.get("delivery_method") == "paczkomat" and parcel["carrier"] == "inpost"
        values |= {
            "przewoznik": carrier.name,
            "przewoznika": carrier.genitive,
            "numer_przesylki": str(parcel["tracking_number"]),
            "link_sledzenia": link_for(str(parcel["carrier"]), str(parcel["tracking_number"])),
            "punkt_odbioru": (f"Paczkomacie {point}" if paczkomat else f"punkcie odbioru {point}")
            if point
            else None,
            "termin_odbioru": polish.until_moment(deadline) if deadline else None,
        }
    if case:
        refund_due, answer_due = _day(case.get("refund_due")), _day(case.get("answer_due"))
        values |= {
            "numer_zgloszenia": str(case.get("case_id") or case.get("rma") or "") or None,
            "kwota_zwrotu": polish.money(int(case["refund_amount"]))
            if case.get("refund_amount") is not None
            else None,
            "termin_zwrotu_pieniedzy": polish.on_date(refund_due) if refund_due else None,
            "termin_odpowiedzi_na_reklamacje": polish.on_date(answer_due) if answer_due else None,
        }
    return {k: v for k, v in values.items() if v}


def render(template: ReplyTemplate, values: Mapping[str, str]) -> str:
    """The template's text with every variable filled (MissingFacts when one has no value)."""
    missing = [v for v in template.variables if v not in values]
    if missing:
        raise MissingFacts(template.name, missing)
    return _FIELD.sub(lambda m: values[m.group(1)], template.text)
