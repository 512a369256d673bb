"""NPS answers and the order's "survey sent" mark (CSAT lives on the ticket: store.tickets.rated).

NPS#{order} / NPS    the order's NPS answer: score, at; gsi1pk = NPSWEEK#{week}, gsi1sk = at (the weekly
                     report's bucket: store.report.nps_scores); a second click on another score changes it
ORDER#{n} / ORDER    `nps_sent`: the order's survey went out (never a second one)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from zwrotnica.domain.weeks import week_key
from zwrotnica.models.common import iso
from zwrotnica.store import items
from zwrotnica.store.report import nps_week
from zwrotnica.store.table import order_pk


def nps_sent(order_number: str, at: datetime) -> dict[str, Any]:
    """Once per order (its condition failing: sent before, by another parcel's command)."""
    return items.update(
        items.key(order_pk(order_number), "ORDER"),
        {"nps_sent": iso(at)},
        condition="attribute_exists(pk) AND attribute_not_exists(#nps_sent)",
    )


def nps_answer(order_number: str, score: int, at: datetime) -> dict[str, Any]:
    """The answer (the same score again fails the condition: a reused link, nothing to do)."""
    return items.put(
        {
            "pk": f"NPS#{order_pk(order_number).removeprefix('ORDER#')}",
            "sk": "NPS",
            "type": "nps",
            "order_number": order_number,
            "score": score,
            "at": iso(at),
            "gsi1pk": nps_week(week_key(at)),
            "gsi1sk": iso(at),
        },
        condition="attribute_not_exists(pk) OR score <> :score",
        values={":score": score},
    )
