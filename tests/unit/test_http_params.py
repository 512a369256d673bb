"""Path and query parameters are checked by their one declaration (zwrotnica.http), not by Powertools'
request validation: same 422 and error body as before, never the value echoed, never a 5xx on any text.

A small resolver of our own shape (create_app) answers events built like API Gateway's; no AWS."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path as FilePath
from typing import Annotated
from urllib.parse import quote, urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import api_event, lambda_context
from zwrotnica.http import Path, Query, create_app, json_response

app = create_app()
CODE = r"^ZW-\d{4}-\d{6}$"
REF = r"^[a-z]+$"


@app.get("/things/<code>")
def thing(
    code: Annotated[str, Path(pattern=CODE)],
    email: Annotated[str | None, Query(max_length=10)] = None,
    t: Annotated[str, Query(max_length=5)] = "none",
    ref: Annotated[str | None, Query(pattern=REF)] = None,
):
    return json_response(200, {"code": code, "email": email, "t": t, "ref": ref})


@app.get("/needs")
def needs(key: Annotated[str, Query(max_length=3)]):
    return json_response(200, {"key": key})


def call(path: str, query: str = "", accept: str = "application/json") -> dict:
    return app.resolve(api_event("GET", path, query=query, headers={"accept": accept}), lambda_context())


def body(response: dict) -> dict:
    return json.loads(response["body"])


def test_values_within_their_declarations_reach_the_route_and_defaults_fill_the_rest():
    answer = call("/things/ZW-2026-000001", "email=a%40b.pl")
    assert answer["statusCode"] == 200
    assert body(answer) == {"code": "ZW-2026-000001", "email": "a@b.pl", "t": "none", "ref": None}


def test_a_too_long_query_value_is_a_422_naming_where_and_what_kind_never_the_value():
    answer = call("/things/ZW-2026-000001", "email=" + "x" * 11)
    assert answer["statusCode"] == 422
    assert body(answer) == {
        "message": "invalid request",
        "errors": [{"loc": ["query", "email"], "type": "string_too_long"}],
    }
    assert "xxxxxxxxxxx" not in answer["body"]


def test_the_boundary_is_inclusive_and_counts_characters_not_bytes():
    assert call("/things/ZW-2026-000001", "email=" + quote("ż" * 10))["statusCode"] == 200
    assert call("/things/ZW-2026-000001", "email=" + quote("ż" * 11))["statusCode"] == 422


def test_a_path_value_off_its_pattern_and_a_long_query_value_are_both_reported():
    answer = call("/things/ZW-26-1", "t=" + "y" * 6)
    assert answer["statusCode"] == 422
    assert body(answer)["errors"] == [
        {"loc": ["path", "code"], "type": "string_pattern_mismatch"},
        {"loc": ["query", "t"], "type": "string_too_long"},
    ]


def test_a_trailing_newline_does_not_satisfy_a_pattern_anchored_at_the_end():
    """JSON Schema's `$` ends the text (as pydantic checked it); Python's `$` alone would let it pass.
    Query values arrive decoded (a path value stays percent-encoded, so it never holds a newline)."""
    assert body(call("/things/ZW-2026-000001", "ref=abc"))["ref"] == "abc"
    answer = call("/things/ZW-2026-000001", "ref=abc%0A")
    assert answer["statusCode"] == 422
    assert body(answer)["errors"] == [{"loc": ["query", "ref"], "type": "string_pattern_mismatch"}]
    assert call("/things/ZW-2026-000001%0A")["statusCode"] == 422


def test_a_missing_required_query_parameter_is_a_422_missing():
    answer = call("/needs")
    assert answer["statusCode"] == 422
    assert body(answer)["errors"] == [{"loc": ["query", "key"], "type": "missing"}]
    assert body(call("/needs", "key=abc")) == {"key": "abc"}


def test_a_browser_gets_the_polish_page_and_not_the_value():
    answer = call("/things/ZW-2026-000001", "email=" + "<b>" * 5, accept="text/html")
    assert answer["statusCode"] == 422
    assert answer["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert "Sprawdź numer zamówienia i dane w adresie strony." in answer["body"]
    assert "<b>" not in answer["body"]


@settings(max_examples=300, database=None, deadline=None)
@given(
    code=st.text(min_size=1, max_size=30),
    email=st.text(max_size=20),
    t=st.text(max_size=8),
    ref=st.one_of(st.text(max_size=6), st.from_regex(r"[a-z]{1,5}\n?", fullmatch=True)),
)
def test_any_text_is_either_accepted_as_declared_or_a_422_never_a_5xx(code, email, t, ref):
    raw_code = quote(code, safe="")
    answer = call(f"/things/{raw_code}", urlencode({"email": email, "t": t, "ref": ref}))
    # The oracle, written apart from the code under test: a full match of the pattern's body, lengths.
    expected = []
    if not re.fullmatch(CODE[1:-1], raw_code):
        expected.append({"loc": ["path", "code"], "type": "string_pattern_mismatch"})
    if len(email) > 10:
        expected.append({"loc": ["query", "email"], "type": "string_too_long"})
    if len(t) > 5:
        expected.append({"loc": ["query", "t"], "type": "string_too_long"})
    if not re.fullmatch(REF[1:-1], ref):
        expected.append({"loc": ["query", "ref"], "type": "string_pattern_mismatch"})
    if expected:
        assert (answer["statusCode"], body(answer)["errors"]) == (422, expected)
    else:
        accepted = {"code": raw_code, "email": email, "t": t, "ref": ref}
        assert (answer["statusCode"], body(answer)) == (200, accepted)


@pytest.mark.parametrize("handler", ["order_status.app", "courier_webhook.app", "return_form.app"])
def test_no_handler_imports_powertools_request_validation(handler):
    """A fresh interpreter imports the handler without Powertools' request validation machinery."""
    root = FilePath(__file__).resolve().parents[2]
    code = (
        f"import sys, {handler}; "
        "print([m for m in sys.modules if m.startswith('aws_lambda_powertools.event_handler.openapi.params')"
        " or m.endswith('openapi_validation')])"
    )
    out = subprocess.run(  # noqa: S603 (our interpreter, our code string)
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
        env={"PYTHONPATH": f"{root / 'functions'}:{root}", "AWS_DEFAULT_REGION": "eu-central-1"},
    )
    assert out.stdout.strip() == "[]"
