"""An opt-in speed-up of moto's DynamoDB for long local sessions and the load test (LOCAL_FAST_MOTO=1).

It patches moto internals (pinned in requirements-dev.txt); answers and rollback stay moto's own.
"""

from __future__ import annotations

from typing import Any


def fast_moto() -> None:
    """Two emulator shortcuts that keep moto's DynamoDB answers but not its O(table size) cost per call, so
    latency does not grow with the table during a long local session or a load test:

    - TransactWriteItems: moto backs up the whole table with copy.deepcopy once per item of every
      transaction (to roll a cancelled one back). Here only the items the transaction names are copied
      (the rest of the table is shared, untouched): the same rollback in O(items in the transaction).
    - Query: moto sorts the whole table and filters it for every query. Here a base-table query reads only
      its partition, and an index query gets the items unsorted (it sorts its matches itself).
    Opt-in: LOCAL_FAST_MOTO=1 (`python -m infra.perf.load` sets it for the stack it starts; `make bench`
    applies it in-process). Scans and everything else are moto's own."""
    import copy
    import threading
    from collections import defaultdict

    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType

    if getattr(models.DynamoDBBackend.transact_write_items, "fast", False):
        return
    original = models.DynamoDBBackend.transact_write_items
    original_query, original_all_items = models.Table.query, models.Table.all_items
    querying = threading.local()

    def all_items(self: Any) -> list:
        scope = getattr(querying, "scope", None)
        if scope is None or scope[0] is not self:
            return original_all_items(self)
        if scope[1] is None:  # an index query: every item, unsorted
            return [i for hs in self.items.values() for i in (hs.values() if self.range_key_attr else [hs])]
        part = self.items.get(scope[1], {})
        return list(part.values()) if self.range_key_attr else [part]

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index = kwargs.get("index_name") or (args[6] if len(args) > 6 else None)
        querying.scope = (self, None if index else hash_key)
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            querying.scope = None

    models.Table.query, models.Table.all_items = query, all_items

    def snapshot(table: Any, keys: list[tuple[Any, Any]]) -> Any:
        backup = copy.copy(table)
        backup.items = defaultdict(dict, table.items)
        copied: set[Any] = set()
        for hash_value, range_value in keys:
            if table.has_range_key:
                if hash_value not in copied:
                    backup.items[hash_value] = dict(table.items.get(hash_value, {}))
                    copied.add(hash_value)
                inner = backup.items[hash_value]
                if range_value in inner and inner[range_value] is table.items[hash_value][range_value]:
                    inner[range_value] = copy.deepcopy(inner[range_value])
            elif hash_value in table.items:
                backup.items[hash_value] = copy.deepcopy(table.items[hash_value])
        return backup

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        touched: dict[str, list[tuple[Any, Any]]] = defaultdict(list)
        for entry in transact_items:
            op_type, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName"))
            if table is None:
                continue
            key = op.get("Item" if op_type == "Put" else "Key") or {}
            if table.hash_key_attr not in key:
                continue
            ranged = table.range_key_attr
            touched[table.name].append(
                (DynamoType(key[table.hash_key_attr]), DynamoType(key[ranged]) if ranged in key else None)
            )
        backups: dict[int, Any] = {}

        class Shim:
            @staticmethod
            def deepcopy(value: Any) -> Any:
                if isinstance(value, models.Table):
                    if id(value) not in backups:
                        backups[id(value)] = snapshot(value, touched[value.name])
                    return backups[id(value)]
                return copy.deepcopy(value)

        models.copy = Shim  # moto's module uses `copy.deepcopy`; writes are serialized by the gateway lock
        try:
            return original(self, transact_items)
        finally:
            models.copy = copy

    transact_write_items.fast = True
    models.DynamoDBBackend.transact_write_items = transact_write_items
