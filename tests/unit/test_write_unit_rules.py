"""DynamoDB's documented write-unit rules (infra/perf/units.py): item sizes and index writes, computed by
hand from the rules in the docs ("DynamoDB item sizes and formats", "Global secondary indexes")."""

from __future__ import annotations

import pytest

from infra import template
from infra.perf import units
from infra.perf.units import Index, item_size, price


def s(value: str) -> dict:
    return {"S": value}


def test_a_string_is_its_name_and_value_in_utf8_bytes() -> None:
    assert item_size({"pk": s("ORDER#1")}) == 2 + 7
    assert item_size({"city": s("Łódź")}) == 4 + 7  # Ł, ó, ź take two bytes each


@pytest.mark.parametrize(
    ("number", "size"),
    [
        ("12345", 1 + 3 + 1),  # 5 significant digits: 3 bytes, + 1
        ("100", 1 + 1 + 1),  # trailing zeros trimmed: 1 digit
        ("-0.05", 1 + 1 + 1),  # sign and leading zeros do not count
        ("26100", 1 + 2 + 1),  # "261": 2 bytes
    ],
)
def test_a_number_is_one_byte_per_two_significant_digits_plus_one(number: str, size: int) -> None:
    assert item_size({"n": {"N": number}}) == size


def test_lists_and_maps_cost_three_bytes_and_one_per_element() -> None:
    assert item_size({"l": {"L": [s("a"), s("bc")]}}) == 1 + 3 + (1 + 1) + (2 + 1)
    assert item_size({"m": {"M": {"k": s("v")}}}) == 1 + 3 + (1 + 1 + 1)
    assert item_size({"b": {"BOOL": True}, "z": {"NULL": True}}) == (1 + 1) + (1 + 1)
    assert item_size({"raw": {"B": b"\x00" * 10}}) == 3 + 10  # raw bytes, not base64
    assert item_size({"refs": {"SS": ["ab", "c"]}}) == 4 + 3


def test_units_start_a_new_unit_at_each_kilobyte() -> None:
    assert [units.units(n) for n in (0, 1, 1024, 1025, 4096)] == [1, 1, 1, 2, 4]


KEYS_ONLY = Index("due", ("queue", "due_at"), "KEYS_ONLY")
INCLUDE = Index("refs", ("gsi1pk", "gsi1sk"), "INCLUDE", ("template",))
ALL = Index("old", ("gsi1pk", "gsi1sk"), "ALL")
QUEUED = {"pk": s("ORDER#1"), "sk": s("MSG#a"), "queue": s("outbox"), "due_at": s("2026-11-24")}
BUCKETED = {"pk": s("ORDER#1"), "sk": s("SHIPMENT#x"), "gsi1pk": s("SHIP#x"), "gsi1sk": s("SHIPMENT")}


def test_an_item_entering_moving_in_and_leaving_a_sparse_index() -> None:
    outside = {"pk": s("ORDER#1"), "sk": s("MSG#a")}
    assert KEYS_ONLY.writes(outside, QUEUED) == 1  # put
    assert KEYS_ONLY.writes(QUEUED, QUEUED | {"due_at": s("2026-11-25")}) == 2  # key changed: delete + put
    assert KEYS_ONLY.writes(QUEUED, outside) == 1  # delete
    assert KEYS_ONLY.writes(outside, outside | {"status": s("sent")}) == 0  # never in it


def test_an_update_writes_an_index_only_when_what_it_holds_changes() -> None:
    changed = BUCKETED | {"status": s("DELIVERED")}
    assert INCLUDE.writes(BUCKETED, changed) == 0  # status is not projected
    assert ALL.writes(BUCKETED, changed) == 1  # ALL holds it
    assert INCLUDE.writes(BUCKETED, BUCKETED | {"template": s("x")}) == 1  # a projected attribute


def test_an_index_entry_over_a_kilobyte_costs_per_kilobyte() -> None:
    big = BUCKETED | {"html": s("x" * 3000)}
    assert ALL.writes(None, big) == 3
    assert INCLUDE.writes(None, big) == 1  # html is not projected


def test_a_transaction_doubles_the_table_write_not_the_index_write() -> None:
    key = ("ORDER#1", "MSG#a")
    plain = price("Put", key, None, QUEUED, [KEYS_ONLY])
    in_transaction = price("Put", key, None, QUEUED, [KEYS_ONLY], transactional=True)
    assert (plain.table, plain.index) == (1, {"due": 1})
    assert (in_transaction.table, in_transaction.index, in_transaction.total) == (2, {"due": 1}, 3)
    failed = price("Put", key, QUEUED, QUEUED, [KEYS_ONLY], failed=True)
    assert (failed.table, failed.index) == (1, {})  # a failed condition writes nothing, costs its units
    assert price("Update", key, QUEUED, QUEUED | {"x": s("y" * 1500)}, []).table == 2  # the larger image


def test_the_templates_indexes_project_only_what_their_queries_read() -> None:
    found = {i.name: i for i in units.indexes_of(template.load())}
    assert set(found) == {"due", "refs"}
    assert found["due"].projection == "KEYS_ONLY"
    assert found["refs"].projection == "INCLUDE"
    assert set(found["refs"].include) == {"order_number", "template", "created_at", "sent_at"}
