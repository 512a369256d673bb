"""Transaction items, built one way for every store module: Put, Update, Delete, ConditionCheck.

Every attribute name goes through `#name` placeholders (`status`, `queue`, `type` are reserved
words); a `set` value of None removes the attribute. The same dicts serve TransactWriteItems and, for a
single item, the plain PutItem / UpdateItem / DeleteItem call (store.unit_of_work chooses).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from zwrotnica.store.table import table_name, to_item


def key(pk: str, sk: str) -> dict[str, Any]:
    return to_item({"pk": pk, "sk": sk})


def _conditioned(
    body: dict[str, Any], condition: str | None, names: Mapping[str, str], values: Mapping[str, Any]
) -> dict[str, Any]:
    if condition:
        body["ConditionExpression"] = condition
    if names:
        body["ExpressionAttributeNames"] = dict(names)
    if values:
        body["ExpressionAttributeValues"] = to_item(dict(values))
    return body


def put(
    data: Mapping[str, Any],
    *,
    condition: str | None = None,
    names: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A whole item (None values are left out)."""
    body = {"TableName": table_name(), "Item": to_item(dict(data))}
    return {"Put": _conditioned(body, condition, names or {}, values or {})}


def put_new(data: Mapping[str, Any]) -> dict[str, Any]:
    """An item that must not exist yet (its condition failing means: created before)."""
    return put(data, condition="attribute_not_exists(pk)")


def update(
    item_key: Mapping[str, Any],
    sets: Mapping[str, Any] | None = None,
    *,
    remove: Iterable[str] = (),
    add: Mapping[str, Any] | None = None,
    raw_set: Iterable[str] = (),
    condition: str | None = None,
    names: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """`sets`: attribute -> value (None removes it); `add`: ADD attribute :value (counters, sets);
    `raw_set`: SET clauses written out (`#h = list_append(#h, :e)`) with their own names/values."""
    sets = dict(sets or {})
    kept = {k: v for k, v in sets.items() if v is not None}
    removed = [*remove, *(k for k, v in sets.items() if v is None)]
    added = dict(add or {})
    clauses = [*(f"#{k} = :{k}" for k in kept), *raw_set]
    expression = "SET " + ", ".join(clauses) if clauses else ""
    if removed:
        expression += " REMOVE " + ", ".join(f"#{k}" for k in dict.fromkeys(removed))
    if added:
        expression += " ADD " + ", ".join(f"#{k} :{k}" for k in added)
    all_names = {f"#{k}": k for k in (*kept, *removed, *added)} | dict(names or {})
    all_values = {f":{k}": v for k, v in (kept | added).items()} | dict(values or {})
    body = {"TableName": table_name(), "Key": dict(item_key), "UpdateExpression": expression.strip()}
    return {"Update": _conditioned(body, condition, all_names, all_values)}


def delete(
    item_key: Mapping[str, Any],
    *,
    condition: str | None = None,
    names: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    body = {"TableName": table_name(), "Key": dict(item_key)}
    return {"Delete": _conditioned(body, condition, names or {}, values or {})}


def check(
    item_key: Mapping[str, Any],
    condition: str,
    *,
    names: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A condition on an item the transaction does not change (cannot be committed alone)."""
    body = {"TableName": table_name(), "Key": dict(item_key)}
    return {"ConditionCheck": _conditioned(body, condition, names or {}, values or {})}
