"""DynamoDB write request units computed from item sizes, per DynamoDB's documented rules.

moto does not bill: it answers every PutItem / UpdateItem / DeleteItem with 1.0 capacity unit whatever the
item's size or indexes, and a TransactWriteItems with nothing at all. So `WriteMeter` watches a client's
write calls (botocore hooks), reads each written item as it was before and after the call (through a
second client the hooks do not watch) and prices the write itself:

- item size (docs "DynamoDB item sizes and formats", CapacityUnitCalculations.html): the UTF-8 bytes of
  every attribute name plus its value: a string its UTF-8 bytes, a number 1 byte per two significant digits
  + 1, a binary its raw bytes, a Boolean or null 1 byte, a list or map 3 bytes + its elements + 1 byte per
  element (a map element's name counts too), a set the sum of its elements;
- a write costs 1 WRU per started 1 KB of the larger of the item's size before and after it (a delete: the
  deleted item's size; at least 1); a transactional write costs twice that (prepare and commit);
- a write whose condition fails changes nothing and still costs its units (a cancelled transaction: every
  item's prepare, 2 each);
- every global secondary index of the template whose keys the item has, before or after, costs again, per
  1 KB of the index entry (the table's keys, the index's keys and the projected attributes): 1 write to
  put an entry, 1 to delete one, 2 when the index key changes, 1 when only projected attributes change,
  0 when the entry is unchanged (docs "Global secondary indexes", GSI.html#GSI.Writes). Index writes are
  counted once for a transactional write too: DynamoDB propagates them to the index asynchronously, as
  ordinary writes; the documentation doubles only the table's writes of a transaction. That is our
  reading, not a documented sentence: `index_writes` is reported apart, so a reader can double it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

KB = 1024
TABLE_KEYS = ("pk", "sk")
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems"}


def _number_size(text: str) -> int:
    digits = text.lstrip("+-").lower().split("e")[0].replace(".", "").strip("0") or "0"
    return math.ceil(len(digits) / 2) + 1


def value_size(value: Mapping[str, Any]) -> int:
    """The size of one typed attribute value ({"S": ...}, {"N": ...}, ...) without its name."""
    ((kind, data),) = value.items()
    if kind == "S":
        return len(data.encode())
    if kind == "N":
        return _number_size(data)
    if kind == "B":
        return len(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in data)
    if kind == "NS":
        return sum(_number_size(n) for n in data)
    if kind == "BS":
        return sum(len(b) for b in data)
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in data)
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in data.items())
    raise ValueError(f"not a DynamoDB attribute value: {kind}")


def item_size(item: Mapping[str, Mapping[str, Any]] | None) -> int:
    """Bytes of an item in DynamoDB's typed form (names + values)."""
    return sum(len(name.encode()) + value_size(v) for name, v in (item or {}).items())


def units(size: int) -> int:
    """Write units of one write of `size` bytes: per started 1 KB, at least 1."""
    return max(1, math.ceil(size / KB))


@dataclass(frozen=True)
class Index:
    name: str
    keys: tuple[str, ...]  # partition key, then sort key if any
    projection: str  # ALL, KEYS_ONLY or INCLUDE
    include: tuple[str, ...] = ()

    def entry(self, item: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """The item's index entry, or None when it lacks a key of the index (sparse)."""
        if not item or any(k not in item for k in self.keys):
            return None
        if self.projection == "ALL":
            return dict(item)
        kept = {*TABLE_KEYS, *self.keys, *(self.include if self.projection == "INCLUDE" else ())}
        return {k: v for k, v in item.items() if k in kept}

    def writes(self, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> int:
        old, new = self.entry(before), self.entry(after)
        if old is None and new is None:
            return 0
        if old is None or new is None:
            return units(item_size(old or new))
        if any(old[k] != new[k] for k in self.keys):
            return units(item_size(old)) + units(item_size(new))  # delete the old entry, put the new one
        return 0 if old == new else units(max(item_size(old), item_size(new)))


def indexes_of(
    template: dict[str, Any], table: str = "ZwrotnicaTable", parameters: dict[str, str] | None = None
) -> list[Index]:
    """The global secondary indexes template.yaml declares for the table (its conditions decided with
    these parameters, the others at their defaults)."""
    from infra.template import resolved

    props = template["Resources"][table]["Properties"]
    found = []
    for gsi in resolved(props.get("GlobalSecondaryIndexes", []), template, parameters):
        keys = tuple(
            k["AttributeName"] for k in sorted(gsi["KeySchema"], key=lambda k: k["KeyType"] != "HASH")
        )
        projection = gsi.get("Projection", {})
        found.append(
            Index(
                gsi["IndexName"],
                keys,
                projection.get("ProjectionType", "ALL"),
                tuple(projection.get("NonKeyAttributes", ())),
            )
        )
    return found


@dataclass(frozen=True)
class WriteCost:
    """One item written (or not, when its condition failed) and what it cost."""

    operation: str  # Put, Update, Delete, ConditionCheck
    key: tuple[str, str]
    transactional: bool
    size: int  # the larger of before and after, bytes
    table: int  # WRU on the table (x2 in a transaction)
    index: dict[str, int] = field(default_factory=dict)  # WRU per index
    failed: bool = False

    @property
    def total(self) -> int:
        return self.table + sum(self.index.values())

    @property
    def kind(self) -> str:
        """What the item is, by its sort key's prefix (`ORDER`, `T`, `MSG`, `SHIPMENT`...), or its
        partition key's when the sort key is a value (`ATTEMPTS`: an hour)."""
        sk = self.key[1]
        return (self.key[0] if sk[:1].isdigit() else sk).split("#", 1)[0]


def price(
    operation: str,
    key: tuple[str, str],
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    indexes: Iterable[Index],
    *,
    transactional: bool = False,
    failed: bool = False,
) -> WriteCost:
    """The units of one item's write, from its images before and after (typed form; None: no item)."""
    size = max(item_size(before), item_size(after))
    table = units(size) * (2 if transactional else 1)
    index = {} if failed else {i.name: i.writes(before, after) for i in indexes}
    return WriteCost(
        operation, key, transactional, size, table, {k: v for k, v in index.items() if v}, failed
    )


def _key_of(operation: str, body: Mapping[str, Any]) -> dict[str, Any]:
    source = body["Item"] if operation == "Put" else body["Key"]
    return {k: source[k] for k in TABLE_KEYS}


_OPERATIONS = {"PutItem": "Put", "UpdateItem": "Update", "DeleteItem": "Delete"}


class WriteMeter:
    """Prices every write a DynamoDB client makes. `attach(client)`; `costs` lists the writes since the
    last `reset()`, `total` their units. `reader` reads the before/after images (another client)."""

    def __init__(self, indexes: Iterable[Index], reader: Any) -> None:
        self.indexes = list(indexes)
        self.reader = reader
        self.costs: list[WriteCost] = []

    def attach(self, client: Any) -> WriteMeter:
        client.meta.events.register("provide-client-params.dynamodb.*", self._before)
        client.meta.events.register("after-call.dynamodb.*", self._after)
        return self

    def reset(self) -> None:
        self.costs = []

    @property
    def total(self) -> int:
        return sum(c.total for c in self.costs)

    @property
    def index_writes(self) -> int:
        return sum(sum(c.index.values()) for c in self.costs)

    def by_kind(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for cost in self.costs:
            counts[cost.kind] += cost.total
        return counts

    def _read(self, table: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
        return self.reader.get_item(TableName=table, Key=dict(key), ConsistentRead=True).get("Item")

    def _before(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if model.name not in WRITES:
            return
        if model.name == "TransactWriteItems":
            entries = [next(iter(e.items())) for e in params["TransactItems"]]
        else:
            entries = [(_OPERATIONS[model.name], params)]
        planned = []
        for operation, body in entries:
            key = _key_of(operation, body)
            planned.append((operation, body["TableName"], key, self._read(body["TableName"], key)))
        context["write_meter"] = (model.name == "TransactWriteItems", planned)

    def _after(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        transactional, planned = context.pop("write_meter", (False, []))
        if not planned:
            return
        code = (parsed.get("Error") or {}).get("Code")
        if code not in (None, "ConditionalCheckFailedException", "TransactionCanceledException"):
            return  # throttled, invalid: nothing written, nothing billed here
        for operation, table, key, before in planned:
            failed = code is not None
            after = before if failed else self._read(table, key)
            simple_key = (key["pk"]["S"], key["sk"]["S"])
            self.costs.append(
                price(
                    operation,
                    simple_key,
                    before,
                    after,
                    self.indexes if operation != "ConditionCheck" else (),
                    transactional=transactional,
                    failed=failed,
                )
            )
