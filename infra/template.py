"""Read template.yaml (the one source of truth) for the local stack, the build gates, the operator CLI,
the benchmarks and the tests. Nothing here starts or emulates anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cfnlint.decode import decode

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"


@lru_cache(maxsize=4)
def load(path: Path = TEMPLATE) -> dict[str, Any]:
    template, errors = decode(str(path))
    if errors or template is None:
        raise ValueError(f"cannot read {path}: {errors}")
    return template


def resources(kind: str, template: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    tpl = template or load()
    return {name: res.get("Properties", {}) for name, res in tpl["Resources"].items() if res["Type"] == kind}


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # "/orders/{order_number}/status"
    function: str  # logical id
    handler: str  # "order_status.app.lambda_handler"
    pattern: re.Pattern[str]

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method and self.method != "ANY":
            return None
        found = self.pattern.match(path)
        return found.groupdict() if found else None


def _path_regex(path: str) -> re.Pattern[str]:
    out = ""
    for piece in re.split(r"(\{[^}]+\})", path):
        if piece.startswith("{") and piece.endswith("+}"):
            out += f"(?P<{piece[1:-2]}>.+)"
        elif piece.startswith("{"):
            out += f"(?P<{piece[1:-1]}>[^/]+)"
        else:
            out += re.escape(piece)
    return re.compile(f"^{out}$")


def routes(template: dict[str, Any] | None = None) -> list[Route]:
    found = []
    for name, props in resources("AWS::Serverless::Function", template).items():
        for event in (props.get("Events") or {}).values():
            if event.get("Type") != "HttpApi":
                continue
            path, method = event["Properties"]["Path"], event["Properties"]["Method"].upper()
            found.append(Route(method, path, name, props["Handler"], _path_regex(path)))
    # Literal segments win over parameters, as in API Gateway.
    return sorted(found, key=lambda r: (r.path.count("{"), -len(r.path)))


def schedules(template: dict[str, Any] | None = None) -> list[tuple[str, str, str]]:
    """(function logical id, handler, schedule expression) for every scheduled function."""
    out = []
    for name, props in resources("AWS::Serverless::Function", template).items():
        for event in (props.get("Events") or {}).values():
            if event.get("Type") in ("Schedule", "ScheduleV2"):
                out.append((name, props["Handler"], event["Properties"]["ScheduleExpression"]))
    return out


def environment(resolve: dict[str, str], template: dict[str, Any] | None = None) -> dict[str, str]:
    """Globals' environment with every !Ref resolved from `resolve` (logical id or parameter → value)."""
    tpl = template or load()
    variables = tpl.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    env = {}
    for key, value in variables.items():
        if isinstance(value, dict) and "Ref" in value:
            ref = value["Ref"]
            if ref in resolve:
                env[key] = resolve[ref]
            elif ref in tpl.get("Parameters", {}):
                env[key] = str(tpl["Parameters"][ref].get("Default", ""))
            else:
                raise KeyError(f"{key}: no local value for !Ref {ref}")
        elif isinstance(value, dict) and "Fn::Sub" in value:
            env[key] = sub(value["Fn::Sub"], resolve, tpl)
        elif isinstance(value, str):
            env[key] = value
        else:
            raise KeyError(f"{key}: the local stack cannot resolve {value!r}")
    return env


def sub(text: str, resolve: dict[str, str], tpl: dict[str, Any] | None = None) -> str:
    """`!Sub` text with ${Name} resolved from `resolve` (logical ids, pseudo parameters), else from the
    template's parameter defaults; anything unknown is left as written."""
    tpl = tpl or load()

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in resolve:
            return resolve[name]
        return str(tpl.get("Parameters", {}).get(name, {}).get("Default", match.group(0)))

    return re.sub(r"\$\{([A-Za-z0-9:.]+)\}", one, text)
