"""Return and complaint cases: kinds, the state machine and what the customer reads at each step."""

from __future__ import annotations

from enum import StrEnum


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
# Forward moves only. Parcel events may skip a step (a label sent outside the system, a parcel
# delivered without an in-transit scan); a rejection closes the case without a refund.
TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.SUBMITTED: frozenset({S.LABEL_SENT, S.IN_TRANSIT, S.DELIVERED_TO_SHOP}),
    S.LABEL_SENT: frozenset({S.IN_TRANSIT, S.DELIVERED_TO_SHOP}),
    S.IN_TRANSIT: frozenset({S.DELIVERED_TO_SHOP}),
    S.DELIVERED_TO_SHOP: frozenset({S.ACCEPTED, S.REJECTED}),
    S.ACCEPTED: frozenset({S.REFUND_ORDERED, S.CLOSED}),
    S.REJECTED: frozenset({S.CLOSED}),
    S.REFUND_ORDERED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}


def can_move(current: CaseStatus, new: CaseStatus) -> bool:
    return new in TRANSITIONS[current]


def verdict(status: CaseStatus) -> bool | None:
    """The team's verdict on the returned goods that a status shows: True accepted (the refund may
    have followed), False rejected, None none yet (or closed, which follows either)."""
    if status in (S.ACCEPTED, S.REFUND_ORDERED):
        return True
    return False if status is S.REJECTED else None


def rma_number(year: int, sequence: int) -> str:
    """Human-friendly case number: ZW-2026-000123."""
    return f"ZW-{year}-{sequence:06d}"
