"""One OpenAPI document for every public route, generated from the handlers (Powertools), merged.

`python -m infra.build.openapi` (`make openapi`) writes docs/openapi.json; the local stack serves it at
/openapi.json.

The functions run Powertools' resolver without its request validation (zwrotnica.http checks each
route's `Path`/`Query` declarations itself, at a fraction of the cold start). Powertools documents
parameters from a route function's signature, in its own `Path`/`Query` terms, so here, and only here,
each declaration is restated as Powertools' (same bounds, same pattern) on the route's signature before
the document is generated. The runtime never imports Powertools' `openapi.params`.
"""

from __future__ import annotations

import importlib
import inspect
import json
from pathlib import Path
from typing import Annotated, Any, get_args

from infra import template

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "openapi.json"


def _powertools_signature(route: Any) -> inspect.Signature:
    """The route function's signature with each zwrotnica.http declaration as Powertools' own."""
    from aws_lambda_powertools.event_handler.openapi import params

    from zwrotnica.http import declared_params

    kinds = {"path": params.Path, "query": params.Query}
    signature = inspect.signature(route, eval_str=True)
    declared = declared_params(route)
    restated = []
    for name, parameter in signature.parameters.items():
        if name in declared:
            declaration, _ = declared[name]
            kind = kinds[declaration.where](max_length=declaration.max_length, pattern=declaration.pattern)
            parameter = parameter.replace(annotation=Annotated[get_args(parameter.annotation)[0], kind])
        restated.append(parameter)
    return signature.replace(parameters=restated)


def app_document(app: Any) -> dict[str, Any]:
    """One handler's document: its routes' declarations restated for Powertools, then Powertools'."""
    for route in app.checked_routes.values():
        if "__signature__" not in vars(route):
            route.__signature__ = _powertools_signature(route)
    return json.loads(app.get_openapi_json_schema(title="Zwrotnica", version="1.0.0"))


def document() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    seen = set()
    for route in template.routes():
        module = route.handler.rpartition(".")[0]
        if module in seen:
            continue
        seen.add(module)
        doc = app_document(importlib.import_module(module).app)
        if not merged:
            merged = doc
            continue
        merged["paths"].update(doc.get("paths", {}))
        merged.setdefault("components", {}).setdefault("schemas", {}).update(
            doc.get("components", {}).get("schemas", {})
        )
    merged["info"]["description"] = "Webhooks, customer pages and ticket intake of Zwrotnica."
    return merged


def main() -> None:
    OUT.write_text(json.dumps(document(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
