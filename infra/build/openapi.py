"""One OpenAPI document for every public route, generated from the handlers (Powertools), merged.

`python -m infra.build.openapi` (`make openapi`) writes docs/openapi.json; the local stack serves it at
/openapi.json.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from infra import template

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "openapi.json"


def document() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    seen = set()
    for route in template.routes():
        module = route.handler.rpartition(".")[0]
        if module in seen:
            continue
        seen.add(module)
        app = importlib.import_module(module).app
        doc = json.loads(app.get_openapi_json_schema(title="Zwrotnica", version="1.0.0"))
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
