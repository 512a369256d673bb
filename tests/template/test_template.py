"""template.yaml: valid after the SAM transform, least privilege, logs, DLQ and alarms in place."""

from __future__ import annotations

import copy
import importlib
import json
import re

import pytest

from infra import template as tpl
from infra.build import template_check


@pytest.fixture(scope="module")
def transformed() -> dict:
    return template_check.transform()


def test_transformed_template_passes_cfn_lint(transformed):
    result = template_check.lint(transformed)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_gate_catches_what_cfn_lint_alone_misses():
    # A wrong runtime on a SAM function is invisible to cfn-lint without the transform.
    broken = copy.deepcopy(tpl.load())
    broken["Globals"]["Function"]["Runtime"] = "python3.99"
    result = template_check.lint(template_check.transform(broken))
    assert result.returncode != 0 and "python3.99" in result.stdout


def test_runtime_and_architecture():
    function_globals = tpl.load()["Globals"]["Function"]
    assert function_globals["Runtime"] in ("python3.12", "python3.13")
    assert function_globals["Architectures"] == ["arm64"]
    assert function_globals["CodeUri"] == "functions/"


def _make_defaults() -> dict[str, str]:
    text = (tpl.ROOT / "functions" / "Makefile").read_text(encoding="utf-8")
    return dict(re.findall(r"^([A-Z_]+) \?= (\S+)", text, re.MULTILINE))


def test_every_function_is_built_with_bytecode_for_its_runtime_and_architecture():
    # SAM's Python builder ships no .pyc and /var/task is read-only: every cold start would compile
    # every module. functions/Makefile compiles them at build time, for the template's Python and CPU.
    template = tpl.load()
    function_globals = template["Globals"]["Function"]
    functions = {n: r for n, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}
    for name, function in functions.items():
        assert function.get("Metadata", {}).get("BuildMethod") == "makefile", name
        assert not {"CodeUri", "Runtime", "Architectures"} & set(function["Properties"]), name
    defaults = _make_defaults()
    assert f"python{defaults['PYTHON_VERSION']}" == function_globals["Runtime"]
    arch = {"arm64": "aarch64", "x86_64": "x86_64"}[function_globals["Architectures"][0]]
    assert defaults["PLATFORM"] == f"manylinux2014_{arch}"
    assert defaults["PYTHON"] == f"python{defaults['PYTHON_VERSION']}"


def _statements(transformed: dict) -> list[dict]:
    out = []
    for res in transformed["Resources"].values():
        if res["Type"] == "AWS::IAM::Role":
            for policy in res["Properties"].get("Policies", []):
                out += policy["PolicyDocument"]["Statement"]
    return out


def test_no_wildcard_actions_and_data_actions_scoped_to_resources(transformed):
    for statement in _statements(transformed):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any(a == "*" or a.endswith(":*") for a in actions), statement
        if any(a.startswith(("dynamodb:", "secretsmanager:", "ses:")) for a in actions):
            assert statement.get("Resource") not in (None, "*"), statement


def test_every_function_has_a_log_group_with_retention():
    functions = tpl.resources("AWS::Serverless::Function")
    groups = tpl.resources("AWS::Logs::LogGroup").values()
    named = json.dumps([g.get("LogGroupName") for g in groups])
    for name in functions:
        assert name in named, f"{name} has no explicit log group"
    assert all(g.get("RetentionInDays") for g in groups)


def test_every_route_has_a_real_handler():
    routes = tpl.routes()
    assert {r.route_key for r in routes} >= {
        "POST /webhooks/shop/{platform}",
        "GET /orders/{order_number}/status",
    }
    for route in routes:
        module, _, name = route.handler.rpartition(".")
        assert callable(getattr(importlib.import_module(module), name))


def test_scheduled_functions_run_in_warsaw_time_with_a_dead_letter_queue():
    for name, props in tpl.resources("AWS::Serverless::Function").items():
        schedules = [e for e in (props.get("Events") or {}).values() if e["Type"] == "ScheduleV2"]
        for event in schedules:
            assert event["Properties"]["ScheduleExpressionTimezone"] == "Europe/Warsaw"
            assert "DeadLetterConfig" in event["Properties"]
        if schedules:
            assert props["DeadLetterQueue"]["Type"] == "SQS", name


def test_alarms_watch_every_function_and_the_dead_letter_queue():
    alarms = json.dumps(list(tpl.resources("AWS::CloudWatch::Alarm").values()))
    for name in tpl.resources("AWS::Serverless::Function"):
        assert f'"Ref": "{name}"' in alarms, f"no alarm on {name}"
    for name in tpl.resources("AWS::SQS::Queue"):
        assert name in alarms


def test_api_is_throttled_and_table_encrypted():
    api = next(iter(tpl.resources("AWS::Serverless::HttpApi").values()))
    assert api["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    table = tpl.resources("AWS::DynamoDB::Table")["ZwrotnicaTable"]
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["TimeToLiveSpecification"]["AttributeName"] == "expires_at"
