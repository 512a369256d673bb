"""A data subject's requests, by e-mail address (operator CLI `gdpr export|erase EMAIL`).

export: a copy of everything we hold about the address (RODO art. 15, polish-law 4.3): the orders with
that e-mail and everything in their partitions (timeline, shipments, cases, messages, markers), the
tickets on those orders, and how long what stays is kept and why (art. 15(1)(d)). Personal data is in
clear: the document is for the data subject.

erase: what the retention rules (zwrotnica.domain.retention) let go is anonymised or deleted; what the
law keeps stays, and the result says what, why and until when (art. 17(3), polish-law 4.4). Item by
item, not one transaction: a run that stops half-way is repeated (the order, which the address finds,
is changed last). The shop keeps its own copy: erase the customer there too, or its next order update
writes the contact data back.

Never logs the address: only counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from zwrotnica.domain import retention
from zwrotnica.domain.retention import Verdict
from zwrotnica.models.common import iso
from zwrotnica.observability import logger
from zwrotnica.store import gdpr as gdpr_store
from zwrotnica.store import outbox as outbox_store
from zwrotnica.store import tickets as ticket_store
from zwrotnica.store import timeline as timeline_store
from zwrotnica.store.gdpr import Found

INTERNAL = frozenset({"pk", "sk", "gsi1pk", "gsi1sk", "queue"})  # keys and index attributes, not data
GROUPS = {"timeline": "timeline", "shipment": "shipments", "case": "cases", "message": "messages"}


def _plain(value: Any) -> Any:
    """JSON-ready: string sets become sorted lists."""
    if isinstance(value, set | frozenset):
        return sorted(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _public(item: dict[str, Any], *, keep_sk: bool = False) -> dict[str, Any]:
    drop = INTERNAL - ({"sk"} if keep_sk else set())
    return {k: _plain(v) for k, v in sorted(item.items()) if k not in drop}


@dataclass
class _Subject:
    found: Found
    partitions: dict[str, list[dict[str, Any]]]
    tickets: list[dict[str, Any]]

    def tickets_of(self, number: str) -> list[dict[str, Any]]:
        return [t for t in self.tickets if t.get("order_number") == number]


def _load(email: str) -> _Subject:
    found = gdpr_store.find(email)
    partitions = {n: items for n in found.orders if (items := gdpr_store.partition(n))}
    tickets = [t for t in (ticket_store.get(tid) for tid in found.tickets) if t]
    return _Subject(found, partitions, tickets)


def _retention_rows(verdicts: list[Verdict]) -> list[dict[str, str]]:
    return [
        {"order": v.order_number, "item": v.label, "kept": k.what, "until": k.until_label, "why": k.reason}
        for v in verdicts
        for k in v.kept
    ]


def _plan(subject: _Subject, now: datetime) -> list[Verdict]:
    today = now.astimezone(retention.WARSAW).date()
    verdicts: list[Verdict] = []
    for number, items in subject.partitions.items():
        if any(i.get("sk") == "ORDER" for i in items):
            verdicts += retention.plan(items, subject.tickets_of(number), today)
    return verdicts


def export(email: str, now: datetime) -> dict[str, Any]:
    """Everything about the address as one JSON-ready document (personal data in clear)."""
    subject = _load(email)
    orders = []
    for number, items in subject.partitions.items():
        entry: dict[str, Any] = {"order_number": number, "order": None}
        entry |= {group: [] for group in GROUPS.values()} | {"other": []}
        for item in sorted(items, key=lambda i: i["sk"]):
            kind = item.get("type")
            if item["sk"] == "ORDER":
                entry["order"] = _public(item)
            elif kind == "message":  # an e-mail stored as its blocks: its text and HTML as it was sent
                entry["messages"].append(_public(outbox_store.with_body(item)))
            elif kind == "timeline" and (raw := timeline_store.raw_text(item)):  # the payload as text
                data = {k: v for k, v in item["data"].items() if k != "raw_z"} | {"raw": raw}
                entry["timeline"].append(_public(item | {"data": data}))
            elif kind in GROUPS:
                entry[GROUPS[kind]].append(_public(item))
            else:
                entry["other"].append(_public(item, keep_sk=True))
        orders.append(entry)
    logger.info("gdpr export", extra={"orders": len(orders), "tickets": len(subject.tickets)})
    return {
        "request": "RODO art. 15: a copy of the personal data",
        "email": email.strip(),
        "exported_at": iso(now),
        "orders": orders,
        "tickets": [_public(t) for t in subject.tickets],
        "retention": _retention_rows(_plan(subject, now)),
    }


@dataclass
class ErasurePlan:
    orders: list[str]
    tickets: list[str]
    scanned: int
    verdicts: list[Verdict]

    @property
    def acting(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.acts]

    @property
    def keeping(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.kept]


@dataclass
class ErasureResult:
    anonymised: list[Verdict] = field(default_factory=list)
    deleted: list[Verdict] = field(default_factory=list)
    kept: list[Verdict] = field(default_factory=list)
    changed_meanwhile: list[Verdict] = field(default_factory=list)  # gone or sent since the plan: run again

    def kept_rows(self) -> list[dict[str, str]]:
        return _retention_rows(self.kept)


def plan_erasure(email: str, now: datetime) -> ErasurePlan:
    """What an erasure would do now, changing nothing: shown to the operator before it runs."""
    subject = _load(email)
    return ErasurePlan(
        orders=list(subject.partitions),
        tickets=[t["ticket_id"] for t in subject.tickets],
        scanned=subject.found.scanned,
        verdicts=_plan(subject, now),
    )


def apply_erasure(plan: ErasurePlan) -> ErasureResult:
    """Carry out a plan, item by item, the order items last (retention.plan puts them last)."""
    result = ErasureResult(kept=plan.keeping)
    for verdict in plan.acting:
        if verdict.delete:
            done = gdpr_store.delete_pending(verdict.pk, verdict.sk)
        else:
            done = gdpr_store.change(verdict.pk, verdict.sk, verdict.changes)
        if not done:
            result.changed_meanwhile.append(verdict)
        elif verdict.delete:
            result.deleted.append(verdict)
        else:
            result.anonymised.append(verdict)
    logger.info(
        "gdpr erasure",
        extra={
            "orders": len(plan.orders),
            "anonymised": len(result.anonymised),
            "deleted": len(result.deleted),
            "kept": len(result.kept),
            "changed_meanwhile": len(result.changed_meanwhile),
        },
    )
    return result


def erase(email: str, now: datetime) -> tuple[ErasurePlan, ErasureResult]:
    """Plan and apply at once (no confirmation): for code, not for the operator's terminal."""
    plan = plan_erasure(email, now)
    return plan, apply_erasure(plan)
