"""Issue 19's index migration (template.yaml IndexStage): a deployed stack goes from the two ALL indexes
to `due` and `refs` one CloudFormation update at a time, and the code never reads an index that the same
update creates (it is still backfilling: "Cannot read from backfilling global secondary index") or
removes (the table is updated before the functions that still read it)."""

from __future__ import annotations

import re

import pytest

from infra import template
from zwrotnica.store import report

STAGES = ["add-due", "add-refs", "read-new", "drop-queue-due", "done"]
BEFORE = ({"queue-due", "lookup"}, {"queue-due", "lookup"})  # what main deployed: (indexes, read)


def state(stage: str) -> tuple[set[str], set[str]]:
    tpl = template.load()
    params = {"IndexStage": stage}
    gsis = tpl["Resources"]["ZwrotnicaTable"]["Properties"]["GlobalSecondaryIndexes"]
    names = {g["IndexName"] for g in template.resolved(gsis, tpl, params)}
    env = tpl["Globals"]["Function"]["Environment"]["Variables"]
    read = {template.resolved(env[k], tpl, params) for k in ("QUEUE_INDEX", "LOOKUP_INDEX")}
    return names, read


def test_the_stages_are_the_parameters_allowed_values_and_done_is_the_default() -> None:
    parameter = template.load()["Parameters"]["IndexStage"]
    assert parameter["AllowedValues"] == STAGES and parameter["Default"] == "done"


@pytest.mark.parametrize("step", range(len(STAGES)))
def test_each_update_changes_one_index_at_most_and_reads_none_it_creates_or_removes(step: int) -> None:
    before = BEFORE if step == 0 else state(STAGES[step - 1])
    after = state(STAGES[step])
    changed = before[0] ^ after[0]
    assert len(changed) <= 1, (STAGES[step], changed)  # CloudFormation adds or removes one per update
    assert changed or before[1] != after[1]  # every stage does something
    assert after[1] <= before[0] & after[0]  # the new code reads indexes that were there before it
    assert before[1] <= after[0]  # the old code, running until the functions update, still finds its own


def test_the_last_stage_keeps_only_the_new_indexes_and_reads_them() -> None:
    assert state("done") == ({"due", "refs"}, {"due", "refs"})


def test_the_lookup_index_projects_what_the_bucket_queries_ask_for() -> None:
    tpl = template.load()
    gsis = template.resolved(tpl["Resources"]["ZwrotnicaTable"]["Properties"]["GlobalSecondaryIndexes"], tpl)
    refs = next(g for g in gsis if g["IndexName"] == "refs")
    held = {"pk", "sk", "gsi1pk", "gsi1sk", *refs["Projection"]["NonKeyAttributes"]}
    asked = set(re.findall(r"[#\w]+", report.MESSAGE_FIELDS))
    assert asked <= held, asked - held  # a GSI query cannot fetch what the index does not hold
