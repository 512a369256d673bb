"""Every path and query parameter of every route in template.yaml, with any text, against the real handlers
on moto: a value that breaks its declaration is a 422 naming it (`loc`, `type`; never the value), and no
value whatsoever makes a handler answer 5xx.

The oracle is written apart from zwrotnica.http: lengths with len(), patterns with re.fullmatch."""

from __future__ import annotations

import importlib
import json
import re
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra import template
from tests.factories import api_event
from zwrotnica.http import declared_params

pytestmark = pytest.mark.integration


def _routes() -> list[tuple[str, str, object, dict]]:
    """(method, path template, lambda_handler, declared parameters) for every route with parameters."""
    found = []
    for route in template.routes():
        module = importlib.import_module(route.handler.rpartition(".")[0])
        rule = re.sub(r"\{(\w+)\}", r"<\1>", route.path)
        declared = declared_params(module.app.checked_routes[(route.method, rule)])
        if declared:
            found.append((route.method, route.path, module.lambda_handler, declared))
    return found


ROUTES = _routes()


def test_every_route_with_a_path_parameter_declares_it():
    """The property below covers what is declared: a route whose path parameter were undeclared would
    reach its function unchecked."""
    for route in template.routes():
        names = set(re.findall(r"\{(\w+)\}", route.path))
        covered = next((d for m, p, _, d in ROUTES if (m, p) == (route.method, route.path)), {})
        assert names <= {n for n, (decl, _) in covered.items() if decl.where == "path"}, route.route_key


def expected_problems(declared: dict, path_values: dict[str, str], query: dict[str, str]) -> list[dict]:
    problems = []
    for name, (declaration, _) in declared.items():
        value = path_values[name] if declaration.where == "path" else query.get(name)
        if value is None:
            continue
        if declaration.max_length is not None and len(value) > declaration.max_length:
            problems.append({"loc": [declaration.where, name], "type": "string_too_long"})
        elif declaration.pattern is not None and not re.fullmatch(declaration.pattern.strip("^$"), value):
            problems.append({"loc": [declaration.where, name], "type": "string_pattern_mismatch"})
    return problems


@settings(
    max_examples=200,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_text_in_any_parameter_is_a_4xx_at_worst_and_a_broken_declaration_is_named(stack, context, data):
    method, path, handler, declared = data.draw(st.sampled_from(ROUTES))
    path_values, query = {}, {}
    for name, (declaration, _) in declared.items():
        long = (declaration.max_length or 40) + 5
        text = data.draw(st.one_of(st.text(max_size=long), st.text(alphabet="ZW-0123456789", max_size=20)))
        if declaration.where == "path":
            path_values[name] = quote(text, safe="") or "x"  # API Gateway hands the path on encoded
        elif data.draw(st.booleans()):
            query[name] = text
    raw_path = path
    for name, value in path_values.items():
        raw_path = raw_path.replace("{" + name + "}", value)
    answer = handler(
        api_event(method, raw_path, query=urlencode(query), headers={"accept": "application/json"}), context
    )
    assert answer["statusCode"] < 500, (method, raw_path, query, answer)
    problems = expected_problems(declared, path_values, query)
    is_json = answer["headers"].get("Content-Type", "").startswith("application/json")
    body = json.loads(answer["body"]) if is_json else {}
    if problems:
        assert (answer["statusCode"], body) == (422, {"message": "invalid request", "errors": problems})
    else:
        assert body.get("message") != "invalid request", (method, raw_path, query, body)
