"""Return and complaint cases: kinds, the state machine, the team's decisions and what the customer
reads at each step."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from zwrotnica.models.common import OneLine


class CaseKind(StrEnum):
    WITHDRAWAL = "withdrawal"  # odstąpienie od umowy (UPK art. 27)
    COMPLAINT = "complaint"  # reklamacja, non-conformity (UPK art. 43a+)


class WithdrawalReason(StrEnum):
    WRONG_SIZE = "wrong_size"
    DIFFERENT_COLOUR = "different_colour"
    NOT_AS_EXPECTED = "not_as_expected"
    DAMAGED_IN_TRANSPORT = "damaged_in_transport"
    OTHER = "other"


WITHDRAWAL_REASON_PL = {
    WithdrawalReason.WRONG_SIZE: "zły rozmiar",
    WithdrawalReason.DIFFERENT_COLOUR: "inny kolor niż na zdjęciu",
    WithdrawalReason.NOT_AS_EXPECTED: "nie spełnia oczekiwań",
    WithdrawalReason.DAMAGED_IN_TRANSPORT: "uszkodzenie w transporcie",
    WithdrawalReason.OTHER: "inny powód",
}


class ComplaintDemand(StrEnum):
    REPAIR = "repair"
    REPLACEMENT = "replacement"
    PRICE_REDUCTION = "price_reduction"
    WITHDRAWAL = "withdrawal"


COMPLAINT_DEMAND_PL = {
    ComplaintDemand.REPAIR: "naprawa",
    ComplaintDemand.REPLACEMENT: "wymiana na nowy towar",
    ComplaintDemand.PRICE_REDUCTION: "obniżenie ceny",
    ComplaintDemand.WITHDRAWAL: "odstąpienie od umowy (zwrot pieniędzy)",
}


class ReturnMethod(StrEnum):
    PACZKOMAT = "paczkomat"  # Paczkomat with a return code or label
    COURIER_PICKUP = "courier_pickup"


class CaseStatus(StrEnum):
    SUBMITTED = "submitted"
    LABEL_SENT = "label_sent"
    IN_TRANSIT = "in_transit"
    DELIVERED_TO_SHOP = "delivered_to_shop"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    REFUND_ORDERED = "refund_ordered"
    CLOSED = "closed"


# Kind-neutral labels, read after "Zgłoszenie ZW-…:" (zgłoszenie is neuter: "rozpatrzone", "zamknięte").
# Texts that know the kind ("Reklamacja … uznana", "Zwrot … przyjęty") are in messages.case_templates.
CASE_STATUS_PL = {
    CaseStatus.SUBMITTED: "zarejestrowane",
    CaseStatus.LABEL_SENT: "czekamy na paczkę zwrotną",
    CaseStatus.IN_TRANSIT: "paczka zwrotna w drodze",
    CaseStatus.DELIVERED_TO_SHOP: "paczka zwrotna dotarła, sprawdzamy towar",
    CaseStatus.ACCEPTED: "rozpatrzone pozytywnie",
    CaseStatus.REJECTED: "rozpatrzone negatywnie",
    CaseStatus.REFUND_ORDERED: "zwrot pieniędzy zlecony",
    CaseStatus.CLOSED: "zamknięte",
}

S = CaseStatus
# Forward moves only. Parcel events may skip a step (a label sent outside the system, a parcel delivered
# without an in-transit scan). The team decides at any step before the decision: a complaint's answer
# does not wait for the goods (UPK art. 7a: 14 days from the complaint), and a withdrawal's refund may
# not be held back once the customer proved sending (art. 32). Which decision fits which kind (a
# withdrawal is never rejected) is the use case's rule (flows.cases). A rejection closes the case.
_DECISIONS = frozenset({S.ACCEPTED, S.REJECTED})
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.SUBMITTED: frozenset({S.LABEL_SENT, S.IN_TRANSIT, S.DELIVERED_TO_SHOP}) | _DECISIONS,
    S.LABEL_SENT: frozenset({S.IN_TRANSIT, S.DELIVERED_TO_SHOP}) | _DECISIONS,
    S.IN_TRANSIT: frozenset({S.DELIVERED_TO_SHOP}) | _DECISIONS,
    S.DELIVERED_TO_SHOP: _DECISIONS,
    S.ACCEPTED: frozenset({S.REFUND_ORDERED, S.CLOSED}),
    S.REJECTED: frozenset({S.CLOSED}),
    S.REFUND_ORDERED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}
# Before the team's decision: the steps a complaint can still be answered (or deemed accepted) from.
UNDECIDED = frozenset({S.SUBMITTED, S.LABEL_SENT, S.IN_TRANSIT, S.DELIVERED_TO_SHOP})


def can_move(current: CaseStatus, new: CaseStatus) -> bool:
    return new in TRANSITIONS[current]


def rma_number(year: int, sequence: int) -> str:
    """Human-friendly case number: ZW-2026-000123."""
    return f"ZW-{year}-{sequence:06d}"


class Verdict(StrEnum):
    """What the team decides on a case (the decision endpoint's `verdict`, the CLI's `cases` commands)."""

    ACCEPT = "accept"  # a withdrawal (optionally with a deduction) or a complaint (with its remedy)
    REJECT = "reject"  # a complaint only, with its reasons
    REQUEST_GOODS = "request_goods"  # a complaint: send the goods (the answer clock keeps running)
    TRANSFER_SENT = "transfer_sent"  # the team's bank transfer of a refund went out (with its date)


class CaseDecision(BaseModel):
    """One decision of the team. Money in grosze. Which verdict fits which kind and step is decided by
    the use case; here only what every decision of its verdict needs."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    verdict: Verdict
    # A withdrawal accepted with a deduction for loss of value (UPK art. 34 ust. 4): the amount and why.
    deduction: int = Field(default=0, ge=0, le=100_000_000, strict=True)
    # The deduction's reason, or a rejected complaint's reasons: shown to the customer, as one clean line
    # (models.common: no control, bidi or zero-width characters in an e-mail, an SMS or the timeline).
    reason: OneLine | None = Field(default=None, max_length=1000)
    # An accepted complaint: what we do (default: what the customer demanded); a price reduction names
    # its amount, a refund may (default: the value of the complained items).
    remedy: ComplaintDemand | None = None
    amount: int | None = Field(default=None, gt=0, le=100_000_000, strict=True)
    transferred_on: date | None = None  # TRANSFER_SENT: the day the bank transfer was ordered

    @model_validator(mode="before")
    @classmethod
    def _legacy_accept(cls, data: Any) -> Any:
        """`{"accept": true|false, "reason": …}` (before verdicts) reads as accept / reject."""
        if isinstance(data, dict) and "accept" in data and "verdict" not in data:
            accept = data["accept"]
            if not isinstance(accept, bool):
                raise ValueError("accept is true or false")
            data = {k: v for k, v in data.items() if k != "accept"}
            data["verdict"] = Verdict.ACCEPT if accept else Verdict.REJECT
        return data

    @model_validator(mode="after")
    def _complete(self) -> CaseDecision:
        if self.verdict is Verdict.REJECT and not self.reason:
            raise ValueError("a rejection states its reasons for the customer")
        if self.deduction and not self.reason:
            raise ValueError("a deduction states its reason for the customer")
        if self.deduction and self.verdict is not Verdict.ACCEPT:
            raise ValueError("only an acceptance carries a deduction")
        if (self.verdict is Verdict.TRANSFER_SENT) != (self.transferred_on is not None):
            raise ValueError("a confirmed transfer, and only it, carries the transfer's date")
        return self


def stands(case: Mapping[str, Any], decision: CaseDecision) -> bool:
    """The case shows this very decision already (a delivery retried after its answer was lost): an
    acceptance with the same deduction (the refund may have followed), or a rejection."""
    status = CaseStatus(case["status"])
    if decision.verdict is Verdict.ACCEPT:
        return (
            status in (S.ACCEPTED, S.REFUND_ORDERED) and int(case.get("deduction") or 0) == decision.deduction
        )
    return decision.verdict is Verdict.REJECT and status is S.REJECTED
