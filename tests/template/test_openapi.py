"""docs/openapi.json is the handlers' own description of every route in template.yaml, and current."""

from __future__ import annotations

import json

from infra import template
from infra.build import openapi


def test_every_template_route_is_documented_and_the_file_is_current():
    document = openapi.document()
    paths = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    for route in template.routes():
        assert (route.method, route.path) in paths, route.route_key
    committed = json.loads(openapi.OUT.read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(document)), "run `make openapi` and commit docs/openapi.json"
