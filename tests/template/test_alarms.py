"""Alarms reach the team, and each one watches a metric that really exists.

- Every alarm action is a topic CloudWatch can publish to: not one encrypted with the AWS-managed key
  alias/aws/sns (its policy cannot grant cloudwatch.amazonaws.com the key; issue 12, defect 1: every alarm
  went there and reached no one), and, if encrypted with our own key, one whose policy grants it.
- Our own metrics are named as the code emits them: names read from the code's `add_metric` calls,
  namespace and dimensions from the EMF blobs our `metrics` objects really print, service names from
  each function's POWERTOOLS_SERVICE_NAME, 401-capable routes from the handlers' OpenAPI document.
"""

from __future__ import annotations

import ast
import copy
import json
from collections.abc import Callable, Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest

from infra import template as tpl
from infra.build import openapi
from infra.local.gateway import build_event

FUNCTIONS_DIR = Path(__file__).parents[2] / "functions"
ACTION_KEYS = ("AlarmActions", "OKActions", "InsufficientDataActions")
# AWS's SES thresholds (SES Developer Guide, "Reputation metrics messages"): the account is reviewed at a
# bounce rate of 5 % and a complaint rate of 0.1 %; an alarm must fire no later than that.
SES_REVIEW = {"Reputation.BounceRate": 0.05, "Reputation.ComplaintRate": 0.001}


# --- who can publish where ---------------------------------------------------------------------------


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _allows(statement: dict, service: str, actions: set[str]) -> bool:
    """Does an Allow statement grant `service` every action in `actions` (wildcards as IAM reads them)?"""
    principals = (statement.get("Principal") or {}).get("Service", [])
    granted = _as_list(statement.get("Action", []))

    def covered(action: str) -> bool:
        return any(g == action or (g.endswith("*") and action.startswith(g[:-1])) for g in granted)

    return (
        statement.get("Effect") == "Allow"
        and service in _as_list(principals)
        and all(covered(a) for a in actions)
    )


def alarm_delivery_problems(template: dict[str, Any]) -> list[str]:
    """Why CloudWatch could not deliver an alarm action of `template` (empty: every one can be delivered)."""
    resources = template["Resources"]
    problems = []
    for name, alarm in tpl.resources("AWS::CloudWatch::Alarm", template).items():
        actions = [a for key in ACTION_KEYS for a in alarm.get(key, [])]
        if not actions:
            problems.append(f"{name}: no AlarmActions")
        for action in actions:
            topic = action.get("Ref") if isinstance(action, dict) else None
            if resources.get(topic, {}).get("Type") != "AWS::SNS::Topic":
                problems.append(f"{name}: target {action!r} is not a topic of this template")
                continue
            problems += [f"{name} -> {p}" for p in _topic_problems(template, topic)]
    return problems


def _topic_problems(template: dict[str, Any], topic: str) -> list[str]:
    resources = template["Resources"]
    key = resources[topic].get("Properties", {}).get("KmsMasterKeyId")
    problems = []
    if isinstance(key, str):
        # alias/aws/sns or a key we cannot see: CloudWatch's use of it cannot be granted or checked here.
        problems.append(f"{topic}: encrypted with {key}, which cloudwatch.amazonaws.com cannot use")
    elif key is not None:
        key_name = key.get("Ref") or _as_list(key.get("Fn::GetAtt", [None]))[0]
        policy = resources.get(key_name, {}).get("Properties", {}).get("KeyPolicy", {})
        wanted = {"kms:Decrypt", "kms:GenerateDataKey"}
        if not any(_allows(s, "cloudwatch.amazonaws.com", wanted) for s in policy.get("Statement", [])):
            problems.append(
                f"{topic}: key {key_name} does not grant cloudwatch.amazonaws.com {sorted(wanted)}"
            )
    publish = [
        statement
        for props in tpl.resources("AWS::SNS::TopicPolicy", template).values()
        if {"Ref": topic} in props["Topics"]
        for statement in props["PolicyDocument"]["Statement"]
    ]
    if not any(_allows(s, "cloudwatch.amazonaws.com", {"sns:Publish"}) for s in publish):
        problems.append(f"{topic}: its topic policy does not let cloudwatch.amazonaws.com publish")
    return problems


def test_every_alarm_reaches_a_topic_cloudwatch_can_publish_to():
    assert alarm_delivery_problems(tpl.load()) == []


def test_the_check_catches_the_aws_managed_key_and_a_key_without_cloudwatch():
    broken = copy.deepcopy(tpl.load())
    topic = broken["Resources"]["AlarmTopic"]["Properties"]
    topic["KmsMasterKeyId"] = "alias/aws/sns"  # the defect as it shipped
    assert any("alias/aws/sns" in p for p in alarm_delivery_problems(broken))

    own_key = {"Sid": "Account", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"}}
    broken["Resources"]["AlarmKey"] = {
        "Type": "AWS::KMS::Key",
        "Properties": {"KeyPolicy": {"Statement": [own_key | {"Action": "kms:*", "Resource": "*"}]}},
    }
    topic["KmsMasterKeyId"] = {"Ref": "AlarmKey"}
    assert any("does not grant cloudwatch" in p for p in alarm_delivery_problems(broken))

    grant = {
        "Effect": "Allow",
        "Principal": {"Service": ["cloudwatch.amazonaws.com"]},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],  # the Knowledge Center's statement
        "Resource": "*",
    }
    broken["Resources"]["AlarmKey"]["Properties"]["KeyPolicy"]["Statement"].append(grant)
    assert alarm_delivery_problems(broken) == []


# --- AWS metrics --------------------------------------------------------------------------------------


def _alarms() -> dict[str, dict]:
    return tpl.resources("AWS::CloudWatch::Alarm")


def _watched(alarm: dict) -> Iterator[dict]:
    """The metrics an alarm reads: its own, or every MetricStat of a metric-math alarm."""
    if "MetricName" in alarm:
        yield {k: alarm.get(k) for k in ("Namespace", "MetricName", "Dimensions", "Period")}
    for query in alarm.get("Metrics", []):
        if "MetricStat" in query:
            yield query["MetricStat"]["Metric"] | {"Period": query["MetricStat"]["Period"]}


def test_every_alarm_has_a_sensible_period_threshold_and_missing_data_rule():
    for name, alarm in _alarms().items():
        assert alarm.get("TreatMissingData") in ("notBreaching", "breaching", "ignore", "missing"), name
        assert alarm["EvaluationPeriods"] >= 1 and alarm["Threshold"] > 0, name
        for metric in _watched(alarm):
            assert metric["Period"] % 60 == 0 and 60 <= metric["Period"] <= 86400, name


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_has_an_errors_and_a_throttles_alarm(metric):
    watched = {
        json.dumps(m["Dimensions"])
        for alarm in _alarms().values()
        for m in _watched(alarm)
        if (m["Namespace"], m["MetricName"]) == ("AWS/Lambda", metric)
    }
    for function in tpl.resources("AWS::Serverless::Function"):
        assert json.dumps([{"Name": "FunctionName", "Value": {"Ref": function}}]) in watched, function


def test_ses_reputation_alarms_fire_before_aws_reviews_the_account():
    found = {}
    for alarm in _alarms().values():
        if alarm.get("Namespace") == "AWS/SES":
            assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
            assert "Dimensions" not in alarm  # the account-wide rate
            found[alarm["MetricName"]] = alarm["Threshold"]
    assert set(found) == set(SES_REVIEW)
    for metric, threshold in found.items():
        assert 0 < threshold <= SES_REVIEW[metric], metric


# --- our own metrics, as the code emits them -------------------------------------------------------------


def emitted_metric_names() -> set[str]:
    """Every metric name the code passes to `add_metric` as a literal."""
    names = set()
    for path in FUNCTIONS_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "add_metric":
                for keyword in node.keywords:
                    if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                        names.add(keyword.value.value)
    return names


def services() -> dict[str, str]:
    """Function logical id -> the `service` dimension its metrics carry (POWERTOOLS_SERVICE_NAME)."""
    return {
        name: props["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
        for name, props in tpl.resources("AWS::Serverless::Function").items()
    }


def _printed_emf(capsys, emit: Callable[[], None]) -> list[tuple[str, str, dict[str, str]]]:
    """(namespace, metric, dimensions) of every EMF blob `emit` prints."""
    capsys.readouterr()
    emit()
    out = []
    for line in capsys.readouterr().out.splitlines():
        blob = json.loads(line)
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                for dimension_set in directive["Dimensions"]:
                    dims = {d: blob[d] for d in dimension_set}
                    out.append((directive["Namespace"], metric["Name"], dims))
    return out


@pytest.fixture
def emf(monkeypatch, capsys):
    """EMF as it leaves a function whose POWERTOOLS_SERVICE_NAME is `service` (metrics on, as on Lambda)."""
    from zwrotnica.observability import metrics

    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)

    def from_shared_metrics(service: str, name: str) -> list:
        previous = metrics.service
        metrics.clear_metrics()  # what earlier tests left in the shared set (metrics are off in tests)
        metrics.service = service
        try:
            metrics.add_metric(name=name, unit="Count", value=1)
            return _printed_emf(capsys, metrics.flush_metrics)
        finally:
            metrics.service = previous
            metrics.clear_metrics()

    def from_a_refused_request(service: str, route: str) -> list:
        from zwrotnica.errors import InvalidSignature
        from zwrotnica.http import create_app

        monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", service)
        app = create_app()
        method, path = route.split(" ", 1)
        matched = next(r for r in tpl.routes() if r.route_key == route)

        concrete = path.replace("{", "").replace("}", "")  # every parameter's value is its own name

        @app.route(concrete, method=method)
        def refuse():
            raise InvalidSignature()

        event = build_event(matched, method, concrete, path_params=matched.match(method, concrete) or {})
        answers = []

        def resolve() -> None:
            answers.append(app.resolve(event, None))

        printed = _printed_emf(capsys, resolve)
        assert answers[0]["statusCode"] == HTTPStatus.UNAUTHORIZED
        return printed

    return from_shared_metrics, from_a_refused_request


def routes_answering_401() -> dict[str, str]:
    """Route key -> service, for every route whose handler documents a 401 (OpenAPI from the handlers)."""
    document = openapi.document()
    service_of = services()
    return {
        route.route_key: service_of[route.function]
        for route in tpl.routes()
        if "401" in document["paths"][route.path][route.method.lower()]["responses"]
    }


def _app_alarm_metrics() -> list[tuple[str, dict]]:
    from zwrotnica.observability import metrics

    return [
        (name, m)
        for name, alarm in _alarms().items()
        for m in _watched(alarm)
        if m["Namespace"] == metrics.namespace
    ]


def test_the_functions_publish_to_the_namespace_the_code_names():
    from zwrotnica.observability import metrics

    namespace = tpl.load()["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]
    assert namespace == metrics.namespace
    assert _app_alarm_metrics(), "no alarm watches the app's own metrics"


def test_alarms_on_our_metrics_name_them_as_the_code_emits_them(emf):
    from_shared_metrics, from_a_refused_request = emf
    names, service_of, unauthorized = emitted_metric_names(), services(), routes_answering_401()
    for alarm, metric in _app_alarm_metrics():
        dims = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
        assert metric["MetricName"] in names, f"{alarm}: no code emits {metric['MetricName']}"
        assert dims.get("service") in service_of.values(), alarm
        if metric["MetricName"] == "WebhookUnauthorized":
            assert unauthorized.get(dims.get("route")) == dims["service"], alarm
            printed = from_a_refused_request(dims["service"], dims["route"])
        else:
            printed = from_shared_metrics(dims["service"], metric["MetricName"])
        assert (metric["Namespace"], metric["MetricName"], dims) in printed, (alarm, printed)


def test_every_route_that_answers_401_has_an_alarm():
    watched = {
        (d["service"], d["route"])
        for _, m in _app_alarm_metrics()
        if m["MetricName"] == "WebhookUnauthorized"
        for d in [{x["Name"]: x["Value"] for x in m["Dimensions"]}]
    }
    expected = {(service, route) for route, service in routes_answering_401().items()}
    assert expected and watched == expected


def test_message_send_failures_are_watched_in_every_function():
    # Every function delivers customer messages right after its state change (the outbox), so any of them
    # can emit MessageSendFailed; the sweeper retries the rest.
    watched = {
        {d["Name"]: d["Value"] for d in m["Dimensions"]}["service"]
        for _, m in _app_alarm_metrics()
        if m["MetricName"] == "MessageSendFailed"
    }
    assert "MessageSendFailed" in emitted_metric_names()
    assert watched == set(services().values())
