"""Canonical shipment status: carrier code tables, precedence, tracking links, labels, recorded webhooks.

Expected values are written out here from couriers.md (and AfterShip's docs where they disagree), never
read back from the module's own tables.
"""

import json
from datetime import datetime
from functools import reduce
from pathlib import Path

import pytest

from zwrotnica.domain import carrier_codes
from zwrotnica.domain.shipment_status import (
    CARRIER_MAPPERS,
    PRECEDENCE,
    STATUS_LABEL_PL,
    ShipmentStatus,
    advances,
    is_terminal,
    map_aftership,
    map_dhl,
    map_dpd,
    map_inpost,
    map_orlen,
    map_poczta_polska,
    possession_taken,
    tracking_url,
)

S = ShipmentStatus
EVENTS = Path(__file__).parents[1] / "events"


def _rows(expected: ShipmentStatus, *codes: str) -> list[tuple[str, ShipmentStatus]]:
    return [(code, expected) for code in codes]


# ---------------------------------------------------------------------------------------------------
# InPost ShipX: all 53 statuses of couriers.md 2.5
# ---------------------------------------------------------------------------------------------------
INPOST_CASES = [
    ("created", S.LABEL_CREATED),
    ("offers_prepared", S.LABEL_CREATED),
    ("offer_selected", S.LABEL_CREATED),
    ("confirmed", S.LABEL_CREATED),
    ("dispatched_by_sender", S.IN_TRANSIT),
    ("dispatched_by_sender_to_pok", S.IN_TRANSIT),
    ("collected_from_sender", S.IN_TRANSIT),
    ("taken_by_courier", S.IN_TRANSIT),
    ("taken_by_courier_from_pok", S.IN_TRANSIT),
    ("adopted_at_source_branch", S.IN_TRANSIT),
    ("sent_from_source_branch", S.IN_TRANSIT),
    ("adopted_at_sorting_center", S.IN_TRANSIT),
    ("sent_from_sorting_center", S.IN_TRANSIT),
    ("adopted_at_target_branch", S.IN_TRANSIT),
    ("redirect_to_box", S.IN_TRANSIT),
    ("canceled_redirect_to_box", S.IN_TRANSIT),
    ("readdressed", S.IN_TRANSIT),
    ("unstack_from_customer_service_point", S.IN_TRANSIT),
    ("unstack_from_box_machine", S.IN_TRANSIT),
    ("stack_parcel_pickup_time_expired", S.IN_TRANSIT),
    ("stack_parcel_in_box_machine_pickup_time_expired", S.IN_TRANSIT),
    ("out_for_delivery", S.OUT_FOR_DELIVERY),
    ("out_for_delivery_to_address", S.OUT_FOR_DELIVERY),
    ("ready_to_pickup", S.READY_FOR_PICKUP),
    ("pickup_reminder_sent", S.READY_FOR_PICKUP),
    ("ready_to_pickup_from_pok", S.READY_FOR_PICKUP),
    ("ready_to_pickup_from_pok_registered", S.READY_FOR_PICKUP),
    ("ready_to_pickup_from_branch", S.READY_FOR_PICKUP),
    ("stack_in_customer_service_point", S.READY_FOR_PICKUP),
    ("stack_in_box_machine", S.READY_FOR_PICKUP),
    ("courier_avizo_in_customer_service_point", S.READY_FOR_PICKUP),
    ("delivered", S.DELIVERED),
    ("return_pickup_confirmation_to_sender", S.DELIVERED),
    ("pickup_reminder_sent_address", S.DELIVERY_FAILED),
    ("rejected_by_receiver", S.DELIVERY_FAILED),
    ("undelivered_wrong_address", S.DELIVERY_FAILED),
    ("undelivered_incomplete_address", S.DELIVERY_FAILED),
    ("undelivered_unknown_receiver", S.DELIVERY_FAILED),
    ("undelivered_cod_cash_receiver", S.DELIVERY_FAILED),
    ("undelivered_no_mailbox", S.DELIVERY_FAILED),
    ("undelivered_not_live_address", S.DELIVERY_FAILED),
    ("pickup_time_expired", S.DELIVERY_FAILED),
    ("avizo", S.DELIVERY_FAILED),
    ("undelivered_lack_of_access_letterbox", S.DELIVERY_FAILED),
    ("delay_in_delivery", S.DELAYED),
    ("oversized", S.EXCEPTION),
    ("claimed", S.EXCEPTION),
    ("undelivered", S.EXCEPTION),
    ("missing", S.EXCEPTION),
    ("taken_by_courier_from_customer_service_point", S.RETURNING_TO_SENDER),
    ("returned_to_sender", S.RETURNING_TO_SENDER),
    ("canceled", S.CANCELLED),
    ("other", S.UNKNOWN),
]


@pytest.mark.parametrize(("status", "expected"), INPOST_CASES)
def test_map_inpost_every_shipx_status(status: str, expected: ShipmentStatus) -> None:
    assert map_inpost(status) == expected


def test_inpost_table_is_exactly_the_53_shipx_statuses() -> None:
    names = [name for name, _ in INPOST_CASES]
    assert len(names) == 53
    assert len(set(names)) == 53
    assert set(carrier_codes.INPOST) == set(names)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("DELIVERED", S.DELIVERED),  # UPPER_CASE variants seen in app code
        ("Ready_To_Pickup", S.READY_FOR_PICKUP),
        (" out_for_delivery ", S.OUT_FOR_DELIVERY),
    ],
)
def test_map_inpost_ignores_case_and_surrounding_space(raw: str, expected: ShipmentStatus) -> None:
    assert map_inpost(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "collected_by_customer",  # consumer-app name, not one of the 53 ShipX statuses
        "delivered_to_moon",
        "",
        None,
        "unknown",
    ],
)
def test_map_inpost_unknown_value_is_unknown(raw: str | None) -> None:
    assert map_inpost(raw) == S.UNKNOWN


# ---------------------------------------------------------------------------------------------------
# AfterShip tags and subtags (couriers.md 7.1; Exception_010/011 per AfterShip's delivery-sub-statuses doc)
# ---------------------------------------------------------------------------------------------------
AFTERSHIP_CASES = [
    ("Pending", None, S.UNKNOWN),
    ("InfoReceived", None, S.LABEL_CREATED),
    ("InTransit", None, S.IN_TRANSIT),
    ("OutForDelivery", None, S.OUT_FOR_DELIVERY),
    ("AvailableForPickup", None, S.READY_FOR_PICKUP),
    ("AttemptFail", None, S.DELIVERY_FAILED),
    ("Delivered", None, S.DELIVERED),
    ("Exception", None, S.EXCEPTION),
    ("Expired", None, S.UNKNOWN),
    ("Delivered", "Delivered_001", S.DELIVERED),
    ("Delivered", "Delivered_002", S.DELIVERED),
    ("Delivered", "Delivered_003", S.DELIVERED),
    ("Delivered", "Delivered_004", S.DELIVERED),
    ("Delivered", "Delivered_005", S.DELIVERED),
    ("AvailableForPickup", "AvailableForPickup_001", S.READY_FOR_PICKUP),
    ("Exception", "Exception_001", S.EXCEPTION),
    ("Exception", "Exception_002", S.DELIVERY_FAILED),
    ("Exception", "Exception_003", S.DELIVERY_FAILED),
    ("Exception", "Exception_004", S.DELAYED),
    ("Exception", "Exception_005", S.DELAYED),
    ("Exception", "Exception_006", S.DELAYED),
    ("Exception", "Exception_007", S.DELIVERY_FAILED),
    ("Exception", "Exception_008", S.DELIVERY_FAILED),
    ("Exception", "Exception_009", S.EXCEPTION),
    ("Exception", "Exception_010", S.RETURNING_TO_SENDER),  # "on its way back to the sender"
    ("Exception", "Exception_011", S.RETURNED),  # "successfully received by the sender"
    ("Exception", "Exception_012", S.EXCEPTION),
    ("Exception", "Exception_013", S.EXCEPTION),
    ("Exception", "Exception_016", S.DELAYED),
    ("Exception", "Exception_017", S.DELAYED),
    ("Exception", "Exception_018", S.EXCEPTION),
    ("AttemptFail", "AttemptFail_001", S.DELIVERY_FAILED),
    ("AttemptFail", "AttemptFail_002", S.DELIVERY_FAILED),
    ("AttemptFail", "AttemptFail_003", S.DELIVERY_FAILED),
    ("InTransit", "InTransit_001", S.IN_TRANSIT),
    ("InTransit", "InTransit_002", S.IN_TRANSIT),
    ("InTransit", "InTransit_003", S.IN_TRANSIT),
    ("InTransit", "InTransit_004", S.IN_TRANSIT),
    ("InTransit", "InTransit_005", S.IN_TRANSIT),
    ("InTransit", "InTransit_006", S.IN_TRANSIT),
    ("InTransit", "InTransit_007", S.IN_TRANSIT),
    ("InTransit", "InTransit_008", S.IN_TRANSIT),
    ("InTransit", "InTransit_009", S.IN_TRANSIT),
    ("InfoReceived", "InfoReceived_001", S.LABEL_CREATED),
    ("OutForDelivery", "OutForDelivery_001", S.OUT_FOR_DELIVERY),
    ("OutForDelivery", "OutForDelivery_003", S.OUT_FOR_DELIVERY),
    ("OutForDelivery", "OutForDelivery_004", S.OUT_FOR_DELIVERY),
    ("Pending", "Pending_001", S.UNKNOWN),
    ("Pending", "Pending_002", S.UNKNOWN),
    ("Pending", "Pending_003", S.UNKNOWN),
    ("Pending", "Pending_004", S.UNKNOWN),
    ("Pending", "Pending_005", S.UNKNOWN),
    ("Pending", "Pending_006", S.UNKNOWN),
    ("Expired", "Expired_001", S.UNKNOWN),
]


@pytest.mark.parametrize(("tag", "subtag", "expected"), AFTERSHIP_CASES)
def test_map_aftership(tag: str, subtag: str | None, expected: ShipmentStatus) -> None:
    assert map_aftership(tag, subtag) == expected


@pytest.mark.parametrize(
    ("tag", "subtag", "expected"),
    [
        ("Exception", "Exception_099", S.EXCEPTION),  # a future subtag falls back to its tag
        ("delivered", "delivered_002", S.DELIVERED),
        ("Teleported", None, S.UNKNOWN),
        ("Teleported", "Teleported_001", S.UNKNOWN),
        (None, None, S.UNKNOWN),
        ("", "", S.UNKNOWN),
    ],
)
def test_map_aftership_unknown_or_odd_input(
    tag: str | None, subtag: str | None, expected: ShipmentStatus
) -> None:
    assert map_aftership(tag, subtag) == expected


def test_aftership_tables_are_all_tested() -> None:
    assert set(carrier_codes.AFTERSHIP_TAGS) == {tag for tag, subtag, _ in AFTERSHIP_CASES if subtag is None}
    assert set(carrier_codes.AFTERSHIP_SUBTAGS) <= {subtag for _, subtag, _ in AFTERSHIP_CASES}


# ---------------------------------------------------------------------------------------------------
# DPD Polska businessCode (couriers.md 3.3): exact codes, then "xx" families tried with sample suffixes
# ---------------------------------------------------------------------------------------------------
DPD_EXACT_CASES = [
    ("030103", S.LABEL_CREATED),
    ("110302", S.IN_TRANSIT),
    ("150301", S.IN_TRANSIT),
    ("170302", S.IN_TRANSIT),
    ("320202", S.IN_TRANSIT),
    ("160102", S.IN_TRANSIT),
    ("160202", S.IN_TRANSIT),
    ("170205", S.IN_TRANSIT),
    ("260403", S.IN_TRANSIT),
    ("230101", S.IN_TRANSIT),
    ("320201", S.IN_TRANSIT),
    ("230402", S.IN_TRANSIT),
    ("230405", S.IN_TRANSIT),
    ("701901", S.DELIVERED),
    ("210109", S.DELIVERY_FAILED),
    ("500011", S.DELIVERY_FAILED),
    ("500411", S.DELIVERY_FAILED),
    ("500811", S.DELIVERY_FAILED),
    ("200601", S.DELAYED),
    ("200604", S.DELAYED),
    ("210111", S.DELAYED),
    ("600601", S.DELAYED),
    ("200801", S.DELAYED),
    ("230309", S.EXCEPTION),
    ("230310", S.EXCEPTION),
    ("230403", S.RETURNING_TO_SENDER),
    ("170304", S.UNKNOWN),
    ("170305", S.UNKNOWN),
    ("170306", S.UNKNOWN),
    ("170307", S.UNKNOWN),
    ("170308", S.UNKNOWN),
    ("250301", S.UNKNOWN),
]
DPD_FAMILY_CASES = [
    ("040501", S.LABEL_CREATED),
    ("040602", S.LABEL_CREATED),
    ("040101", S.IN_TRANSIT),
    ("050101", S.IN_TRANSIT),
    ("120103", S.IN_TRANSIT),
    ("160101", S.IN_TRANSIT),
    ("160501", S.IN_TRANSIT),
    ("220101", S.IN_TRANSIT),
    ("330101", S.IN_TRANSIT),
    ("370101", S.IN_TRANSIT),
    ("410101", S.IN_TRANSIT),
    ("230201", S.IN_TRANSIT),
    ("170101", S.OUT_FOR_DELIVERY),
    ("170501", S.READY_FOR_PICKUP),
    ("502301", S.READY_FOR_PICKUP),
    ("511201", S.READY_FOR_PICKUP),
    ("600101", S.READY_FOR_PICKUP),
    ("190101", S.DELIVERED),
    ("190201", S.DELIVERED),
    ("501301", S.DELIVERED),
    ("701902", S.DELIVERED),
    ("200201", S.DELIVERY_FAILED),
    ("200301", S.DELIVERY_FAILED),
    ("200401", S.DELIVERY_FAILED),
    ("200701", S.DELIVERY_FAILED),
    ("600401", S.DELIVERY_FAILED),
    ("600701", S.DELIVERY_FAILED),
    ("200501", S.DELIVERY_FAILED),
    ("500601", S.RETURNING_TO_SENDER),
    ("511701", S.UNKNOWN),  # notification
    ("511901", S.UNKNOWN),  # "delivered at pickup point": ambiguous, not guessed
]


@pytest.mark.parametrize(("code", "expected"), DPD_EXACT_CASES + DPD_FAMILY_CASES)
def test_map_dpd(code: str, expected: ShipmentStatus) -> None:
    assert map_dpd(code) == expected


@pytest.mark.parametrize("code", ["999999", "1901", "19010", "1901011", "ABCDEF", "", None])
def test_map_dpd_unknown_or_malformed_code_is_unknown(code: str | None) -> None:
    assert map_dpd(code) == S.UNKNOWN


def test_dpd_tables_are_all_tested() -> None:
    assert set(carrier_codes.DPD) == {code for code, _ in DPD_EXACT_CASES}
    assert set(carrier_codes.DPD_FAMILIES) == {code[:4] for code, _ in DPD_FAMILY_CASES}


# ---------------------------------------------------------------------------------------------------
# DHL24 (couriers.md 4.3)
# ---------------------------------------------------------------------------------------------------
# fmt: off
DHL_CASES = [
    *_rows(S.LABEL_CREATED, "EDWP"),
    *_rows(S.IN_TRANSIT, "DWP", "SP_DWP", "SP_PU", "LP", "SORT", "CN", "WEJPL", "WYJPL", "TRM", "TRM2"),
    # receiver decisions: new date/time/address, neighbour, Parcelshop
    *_rows(S.IN_TRANSIT, "PNPT", "PO18", "SOB", "SAS", "ZA", "ZAIT", "PSHOP", "AWI_DP2"),
    *_rows(S.OUT_FOR_DELIVERY, "LK"),
    *_rows(S.READY_FOR_PICKUP, "OWL", "OWL_KP", "OWL_ONO", "OWL_PS_KP", "OWL_PS_ONO"),
    *_rows(S.READY_FOR_PICKUP, "OWL_SP_KP", "OWL_SP_ONO", "SP_DSP", "SP_KP"),
    *_rows(S.DELIVERED, "DOR", "DOR_LOK", "DOR_OTH", "DOR_OWL", "DOR_POC", "DOR_RDZ", "DOR_SAS", "PPDOR"),
    *_rows(S.DELIVERY_FAILED, "AWI", "AWI_ONU", "AWI_OZ", "AWI_SAS", "AWI_ROD", "ZWW"),
    *_rows(S.DELIVERY_FAILED, "OP", "OP_BWER", "OP_COD", "OP_DUB", "OP_OTH", "OP_PLA", "OP_PNK", "OP_REZ"),
    *_rows(S.DELIVERY_FAILED, "OP_ROD", "OP_SAS", "OP_TNZ", "OP_UMO", "OP_USP", "BRG_SAS"),
    *_rows(S.DELIVERY_FAILED, "AN", "AN_BO", "AN_RA", "AN_SAS"),
    *_rows(S.DELAYED, "BRG"),
    *_rows(S.EXCEPTION, "CC", "PNK", "SP_CN", "SP_DW", "SP_ZAM"),
    *_rows(S.RETURNING_TO_SENDER, "ZWR", "ZWR_AN", "ZWR_OP", "REZ", "AWI_CZAS", "OP_DO"),
    *_rows(S.RETURNING_TO_SENDER, "SP_KZW", "SP_OP", "SP_TO", "SP_ZWR"),
    *_rows(S.RETURNED, "ZWN", "ZWR_ZB", "ZWR_ZT", "OP_DOK"),
]
# fmt: on


@pytest.mark.parametrize(("code", "expected"), DHL_CASES)
def test_map_dhl(code: str, expected: ShipmentStatus) -> None:
    assert map_dhl(code) == expected


def test_map_dhl_unknown_code_is_unknown_and_case_is_ignored() -> None:
    assert map_dhl("XYZ") == S.UNKNOWN
    assert map_dhl(None) == S.UNKNOWN
    assert map_dhl("dor") == S.DELIVERED


def test_dhl_table_is_all_tested() -> None:
    codes = [code for code, _ in DHL_CASES]
    assert len(codes) == len(set(codes))
    assert set(carrier_codes.DHL) == set(codes)


# ---------------------------------------------------------------------------------------------------
# Poczta Polska (couriers.md 5.3)
# ---------------------------------------------------------------------------------------------------
# fmt: off
POCZTA_POLSKA_CASES = [
    *_rows(S.LABEL_CREATED, "P_REJ", "P_REJ_KN", "P_REJ_KN1"),
    *_rows(S.IN_TRANSIT, "P_NAD", "P_NAD_ZPO", "P_NM_ZPO"),
    *_rows(S.IN_TRANSIT, "P_PZL", "P_WZL", "P_Z", "P_DBR", "P_DBZ", "P_RUD", "P_KOD", "P_PWP"),
    *_rows(S.IN_TRANSIT, "P_WEPL", "P_WYPL", "P_WEOC", "P_WYOC", "P_PCP", "P_PCWY", "P_ZWC", "P_POAC"),
    *_rows(S.OUT_FOR_DELIVERY, "P_WD"),
    *_rows(S.READY_FOR_PICKUP, "P_A", "P_AK", "P_ADR", "P_APP", "P_PA", "P_DDP"),
    *_rows(S.DELIVERED, "P_D", "P_DS", "P_S", "P_OWU", "P_OWUK", "P_OWP", "P_OWUWPP"),
    *_rows(S.DELIVERY_FAILED, "P_ND", "P_NDK", "P_NDPD", "P_NDPJ", "P_PKN", "P_ZPNP", "P_NOWU"),
    *_rows(S.DELIVERY_FAILED, "P_R", "P_ZZPZ"),
    *_rows(S.EXCEPTION, "C", "G"),
    *_rows(S.RETURNING_TO_SENDER, "P_NDZ", "P_NDZK", "P_NDZAP", "P_NDD", "P_ZDUN_ZPO", "P_ZPNA"),
    *_rows(S.RETURNED, "E", "P_ZDUN", "P_CZDKN", "P_POZE", "P_POZS"),
    *_rows(S.EXCEPTION, "P_ZAG", "P_NDB", "P_ZNISZ", "P_USZ", "P_SDUNPK", "P_SDUNPZPO", "P_WDUNP"),
    *_rows(S.UNKNOWN, "P_WSMS", "P_WEMAIL", "P_POWE", "P_POWS", "P_POOE", "P_POOS"),  # notices only
]
# fmt: on


@pytest.mark.parametrize(("code", "expected"), POCZTA_POLSKA_CASES)
def test_map_poczta_polska(code: str, expected: ShipmentStatus) -> None:
    assert map_poczta_polska(code) == expected


def test_map_poczta_polska_unknown_code_is_unknown() -> None:
    assert map_poczta_polska("P_NOPE") == S.UNKNOWN
    assert map_poczta_polska(None) == S.UNKNOWN


def test_poczta_polska_table_is_all_tested() -> None:
    codes = [code for code, _ in POCZTA_POLSKA_CASES]
    assert len(codes) == len(set(codes))
    assert set(carrier_codes.POCZTA_POLSKA) == set(codes)


# ---------------------------------------------------------------------------------------------------
# ORLEN Paczka Trans (couriers.md 6.3)
# ---------------------------------------------------------------------------------------------------
ORLEN_CASES = [
    ("100", S.IN_TRANSIT),
    ("110", S.IN_TRANSIT),
    ("200", S.LABEL_CREATED),
    ("201", S.CANCELLED),
    ("210", S.IN_TRANSIT),
    ("230", S.IN_TRANSIT),
    ("240", S.IN_TRANSIT),
    ("300", S.IN_TRANSIT),
    ("400", S.IN_TRANSIT),
    ("450", S.IN_TRANSIT),
    ("653", S.IN_TRANSIT),
    ("680", S.OUT_FOR_DELIVERY),
    ("690", S.READY_FOR_PICKUP),
    ("695", S.READY_FOR_PICKUP),
    ("700", S.DELIVERY_FAILED),
    ("709", S.RETURNING_TO_SENDER),
    ("729", S.RETURNING_TO_SENDER),
    ("749", S.EXCEPTION),
    ("790", S.RETURNING_TO_SENDER),
    ("800", S.RETURNING_TO_SENDER),
    ("888", S.UNKNOWN),
    ("900", S.RETURNED),
    ("1000", S.DELIVERED),
    ("1100", S.DELIVERED),
]


@pytest.mark.parametrize(("code", "expected"), ORLEN_CASES)
def test_map_orlen(code: str, expected: ShipmentStatus) -> None:
    assert map_orlen(code) == expected


@pytest.mark.parametrize(
    ("code", "attribute", "expected"),
    [
        (1000, None, S.DELIVERED),  # SOAP clients often hand back an int
        ("1000", "2_POWROT", S.RETURNED),  # collected by the sender
        ("1000", "2_powrot", S.RETURNED),
        ("1000", "", S.DELIVERED),
        ("1100", "2_POWROT", S.DELIVERED),  # the POWROT rule is for 1000 only
        ("690", "2_POWROT", S.READY_FOR_PICKUP),
        ("12345", None, S.UNKNOWN),
        (None, None, S.UNKNOWN),
    ],
)
def test_map_orlen_attribute_and_types(
    code: int | str | None, attribute: str | None, expected: ShipmentStatus
) -> None:
    assert map_orlen(code, attribute) == expected


def test_orlen_table_is_all_tested() -> None:
    assert set(carrier_codes.ORLEN) == {code for code, _ in ORLEN_CASES}


# ---------------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("carrier", "raw", "expected"),
    [
        ("inpost", "ready_to_pickup", S.READY_FOR_PICKUP),
        ("dpd", "190101", S.DELIVERED),
        ("dhl", "LK", S.OUT_FOR_DELIVERY),
        ("poczta_polska", "P_A", S.READY_FOR_PICKUP),
        ("orlen", "201", S.CANCELLED),
    ],
)
def test_carrier_mappers_registry(carrier: str, raw: str, expected: ShipmentStatus) -> None:
    assert CARRIER_MAPPERS[carrier](raw) == expected


def test_carrier_mappers_registry_has_exactly_the_five_carriers() -> None:
    assert set(CARRIER_MAPPERS) == {"inpost", "dpd", "dhl", "poczta_polska", "orlen"}


@pytest.mark.parametrize("carrier", ["inpost", "dpd", "dhl", "poczta_polska", "orlen"])
@pytest.mark.parametrize("raw", [None, "", "   ", "no-such-code", "0", "💥"])
def test_mappers_never_raise_on_garbage(carrier: str, raw: str | None) -> None:
    assert CARRIER_MAPPERS[carrier](raw) == S.UNKNOWN


# ---------------------------------------------------------------------------------------------------
# Precedence
# ---------------------------------------------------------------------------------------------------
KNOWN = [s for s in ShipmentStatus if s is not S.UNKNOWN]
ACTIVE = [S.LABEL_CREATED, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.READY_FOR_PICKUP]


def test_late_in_transit_after_delivered_does_not_advance() -> None:
    assert advances(S.DELIVERED, S.IN_TRANSIT) is False


def test_out_for_delivery_after_in_transit_advances() -> None:
    assert advances(S.IN_TRANSIT, S.OUT_FOR_DELIVERY) is True


def test_late_in_transit_after_out_for_delivery_does_not_advance() -> None:
    assert advances(S.OUT_FOR_DELIVERY, S.IN_TRANSIT) is False


@pytest.mark.parametrize("current", KNOWN)
def test_unknown_never_overrides_a_known_status(current: ShipmentStatus) -> None:
    assert advances(current, S.UNKNOWN) is False


@pytest.mark.parametrize("new", KNOWN)
def test_any_known_status_replaces_unknown(new: ShipmentStatus) -> None:
    assert advances(S.UNKNOWN, new) is True


@pytest.mark.parametrize("new", list(ShipmentStatus))
def test_first_event_always_applies(new: ShipmentStatus) -> None:
    assert advances(None, new) is True


@pytest.mark.parametrize("status", list(ShipmentStatus))
def test_duplicate_event_does_not_advance(status: ShipmentStatus) -> None:
    assert advances(status, status) is False


@pytest.mark.parametrize("current", [S.DELIVERED, S.RETURNED, S.CANCELLED])
@pytest.mark.parametrize("new", list(ShipmentStatus))
def test_terminal_states_are_never_left(current: ShipmentStatus, new: ShipmentStatus) -> None:
    assert advances(current, new) is False


@pytest.mark.parametrize(
    ("current", "new", "expected"),
    [
        # the happy path, forwards and backwards
        (S.LABEL_CREATED, S.IN_TRANSIT, True),
        (S.IN_TRANSIT, S.LABEL_CREATED, False),
        (S.OUT_FOR_DELIVERY, S.READY_FOR_PICKUP, True),
        (S.READY_FOR_PICKUP, S.OUT_FOR_DELIVERY, False),
        (S.READY_FOR_PICKUP, S.IN_TRANSIT, False),
        (S.READY_FOR_PICKUP, S.DELIVERED, True),
        (S.IN_TRANSIT, S.DELIVERED, True),  # missed events in between
        # problems can be entered from any active state ...
        (S.OUT_FOR_DELIVERY, S.DELAYED, True),
        (S.OUT_FOR_DELIVERY, S.DELIVERY_FAILED, True),
        (S.READY_FOR_PICKUP, S.DELIVERY_FAILED, True),  # InPost pickup_time_expired
        (S.LABEL_CREATED, S.EXCEPTION, True),
        # ... and left: the spec makes none of them terminal
        (S.EXCEPTION, S.IN_TRANSIT, True),  # AfterShip InTransit_008 "problem resolved"
        (S.DELIVERY_FAILED, S.OUT_FOR_DELIVERY, True),  # next delivery attempt
        (S.DELIVERY_FAILED, S.DELIVERED, True),  # collected before the courier took it back
        (S.DELAYED, S.IN_TRANSIT, True),
        (S.DELAYED, S.EXCEPTION, True),
        (S.EXCEPTION, S.LABEL_CREATED, False),
        (S.DELIVERY_FAILED, S.LABEL_CREATED, False),
        # returns
        (S.DELIVERY_FAILED, S.RETURNING_TO_SENDER, True),
        (S.READY_FOR_PICKUP, S.RETURNING_TO_SENDER, True),
        (S.RETURNING_TO_SENDER, S.RETURNED, True),
        (S.RETURNING_TO_SENDER, S.EXCEPTION, True),  # lost on the way back
        (S.RETURNING_TO_SENDER, S.DELIVERED, False),
        (S.RETURNING_TO_SENDER, S.IN_TRANSIT, False),
        (S.RETURNING_TO_SENDER, S.READY_FOR_PICKUP, False),
        (S.IN_TRANSIT, S.RETURNED, True),
        # cancellation only before handover
        (S.LABEL_CREATED, S.CANCELLED, True),
        (S.IN_TRANSIT, S.CANCELLED, False),
        (S.DELIVERY_FAILED, S.CANCELLED, False),
    ],
)
def test_advances_rules(current: ShipmentStatus, new: ShipmentStatus, expected: bool) -> None:
    assert advances(current, new) is expected


def test_out_of_order_and_duplicate_events_settle_on_delivered() -> None:
    # Given: InPost webhooks arriving late, twice and with an unmapped status in between
    arrivals = [
        "confirmed",
        "out_for_delivery",
        "delivered",
        "adopted_at_sorting_center",
        "other",
        "delivered",
    ]

    # When: each one is applied only if it advances the shipment
    def apply(current: ShipmentStatus | None, raw: str) -> ShipmentStatus | None:
        new = map_inpost(raw)
        return new if advances(current, new) else current

    final = reduce(apply, arrivals, None)

    # Then
    assert final == S.DELIVERED


def test_precedence_ranks_every_status_along_the_journey() -> None:
    assert set(PRECEDENCE) == set(ShipmentStatus)
    journey = [S.UNKNOWN, S.LABEL_CREATED, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.READY_FOR_PICKUP, S.EXCEPTION]
    ranks = [PRECEDENCE[s] for s in [*journey, S.RETURNING_TO_SENDER, S.DELIVERED]]
    assert ranks == sorted(ranks)
    assert len(set(ranks)) == len(ranks)
    assert PRECEDENCE[S.DELIVERED] == PRECEDENCE[S.RETURNED] == PRECEDENCE[S.CANCELLED]


@pytest.mark.parametrize(
    ("status", "terminal", "possession"),
    [
        (S.LABEL_CREATED, False, False),
        (S.IN_TRANSIT, False, False),
        (S.OUT_FOR_DELIVERY, False, False),
        (S.READY_FOR_PICKUP, False, False),  # waiting in a locker is not possession
        (S.DELIVERY_FAILED, False, False),
        (S.DELAYED, False, False),
        (S.EXCEPTION, False, False),
        (S.RETURNING_TO_SENDER, False, False),
        (S.RETURNED, True, False),
        (S.DELIVERED, True, True),
        (S.CANCELLED, True, False),
        (S.UNKNOWN, False, False),
    ],
)
def test_is_terminal_and_possession_taken(status: ShipmentStatus, terminal: bool, possession: bool) -> None:
    assert is_terminal(status) is terminal
    assert possession_taken(status) is possession


def test_enum_values_are_the_spec_names() -> None:
    assert [s.value for s in ShipmentStatus] == [
        "LABEL_CREATED",
        "IN_TRANSIT",
        "OUT_FOR_DELIVERY",
        "READY_FOR_PICKUP",
        "DELIVERY_FAILED",
        "DELAYED",
        "EXCEPTION",
        "RETURNING_TO_SENDER",
        "RETURNED",
        "DELIVERED",
        "CANCELLED",
        "UNKNOWN",
    ]


# ---------------------------------------------------------------------------------------------------
# Tracking pages and labels
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("carrier", "number", "expected"),
    [
        (
            "inpost",
            "602677439331630337653846",
            "https://inpost.pl/sledzenie-przesylek?number=602677439331630337653846",
        ),
        ("dpd", "1000635967411U", "https://tracktrace.dpd.com.pl/parcelDetails?p1=1000635967411U"),
        (
            "dhl",
            "11223344556",
            "https://www.dhl.com/pl-pl/home/tracking/tracking-parcel.html?submit=1&tracking-id=11223344556",
        ),
        (
            "poczta_polska",
            "00359007738000000001",
            "https://emonitoring.poczta-polska.pl/?numer=00359007738000000001",
        ),
        ("orlen", "9999999999999", "https://www.orlenpaczka.pl/sledz-paczke/?numer=9999999999999"),
        # the number is encoded, never spliced raw into the URL
        ("dpd", "AB 12/3&x=1#", "https://tracktrace.dpd.com.pl/parcelDetails?p1=AB%2012%2F3%26x%3D1%23"),
        (
            "inpost",
            " 602677439331630337653846 ",
            "https://inpost.pl/sledzenie-przesylek?number=602677439331630337653846",
        ),
    ],
)
def test_tracking_url(carrier: str, number: str, expected: str) -> None:
    assert tracking_url(carrier, number) == expected


def test_tracking_url_unknown_carrier_raises() -> None:
    with pytest.raises(ValueError, match="gls"):
        tracking_url("gls", "123")


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (S.LABEL_CREATED, "Przygotowana do wysyłki"),
        (S.IN_TRANSIT, "W drodze"),
        (S.OUT_FOR_DELIVERY, "Wydana do doręczenia"),
        (S.READY_FOR_PICKUP, "Czeka w punkcie odbioru"),
        (S.DELIVERY_FAILED, "Nieudana próba doręczenia"),
        (S.DELAYED, "Opóźniona"),
        (S.EXCEPTION, "Problem u przewoźnika"),
        (S.RETURNING_TO_SENDER, "Wraca do nadawcy"),
        (S.RETURNED, "Zwrócona do nadawcy"),
        (S.DELIVERED, "Doręczona"),
        (S.CANCELLED, "Anulowana"),
        (S.UNKNOWN, "Brak informacji o statusie"),
    ],
)
def test_polish_label(status: ShipmentStatus, label: str) -> None:
    assert STATUS_LABEL_PL[status] == label


def test_every_status_has_a_label() -> None:
    assert set(STATUS_LABEL_PL) == set(ShipmentStatus)


# ---------------------------------------------------------------------------------------------------
# Recorded webhook bodies (tests/events/<provider>/*.json)
# ---------------------------------------------------------------------------------------------------
INPOST_SAMPLES = {
    "shipment_confirmed.json": None,  # label bought: no status field
    "shipment_confirmed_legacy.json": None,
    "status_delivered.json": S.DELIVERED,
    "status_delivered_legacy.json": S.DELIVERED,
    "status_out_for_delivery.json": S.OUT_FOR_DELIVERY,
    "status_ready_to_pickup.json": S.READY_FOR_PICKUP,
    "status_claimed.json": S.EXCEPTION,
    "status_returned_to_sender.json": S.RETURNING_TO_SENDER,
}
AFTERSHIP_SAMPLES = {
    "available_for_pickup.json": S.READY_FOR_PICKUP,
    "delivered.json": S.DELIVERED,
    "attempt_fail.json": S.DELIVERY_FAILED,
    "exception_lost.json": S.EXCEPTION,
    "exception_returning_to_sender.json": S.RETURNING_TO_SENDER,
    "exception_returned_to_sender.json": S.RETURNED,
}


def _load(provider: str, name: str) -> dict:
    return json.loads((EVENTS / provider / name).read_text(encoding="utf-8"))


def test_every_sample_file_has_an_expectation() -> None:
    assert {p.name for p in (EVENTS / "inpost").glob("*.json")} == set(INPOST_SAMPLES)
    assert {p.name for p in (EVENTS / "aftership").glob("*.json")} == set(AFTERSHIP_SAMPLES)


@pytest.mark.parametrize(("name", "expected"), INPOST_SAMPLES.items())
def test_inpost_sample_maps_to_expected_status(name: str, expected: ShipmentStatus | None) -> None:
    # Given: a ShipX webhook body as documented
    body = _load("inpost", name)

    # When / Then: event_ts is "YYYY-MM-DD HH:MM:SS +ZZZZ", not ISO-8601, and carries an offset
    assert datetime.strptime(body["event_ts"], "%Y-%m-%d %H:%M:%S %z").utcoffset() is not None
    assert isinstance(body["payload"]["shipment_id"], int)
    if expected is None:
        assert body["event"] == "shipment_confirmed"
        assert "status" not in body["payload"]
    else:
        assert body["event"] == "shipment_status_changed"
        assert map_inpost(body["payload"]["status"]) == expected


def test_inpost_zdn_sample_carries_the_return_tracking_number() -> None:
    payload = _load("inpost", "status_returned_to_sender.json")["payload"]
    assert payload["return_tracking_number"] != payload["tracking_number"]


@pytest.mark.parametrize(("name", "expected"), AFTERSHIP_SAMPLES.items())
def test_aftership_sample_maps_to_expected_status(name: str, expected: ShipmentStatus) -> None:
    # Given: an AfterShip tracking_update body
    body = _load("aftership", name)
    msg = body["msg"]

    # When
    status = map_aftership(msg["tag"], msg["subtag"])

    # Then: the tracking maps as expected, and so does its newest checkpoint
    assert body["event"] == "tracking_update"
    assert status == expected
    newest = msg["checkpoints"][-1]
    assert map_aftership(newest["tag"], newest["subtag"]) == expected
