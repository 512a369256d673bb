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


_NO_VALUE = object()


def condition(name: str, template: dict[str, Any], parameters: dict[str, str] | None = None) -> bool:
    """A template condition's value for these parameter values (the rest at their defaults): Fn::Equals
    of parameters and strings, Fn::Not, Fn::Or, Fn::And and Condition, what this template uses."""
    return bool(_evaluate(template["Conditions"][name], template, parameters or {}))


def _evaluate(value: Any, tpl: dict[str, Any], parameters: dict[str, str]) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((fn, args),) = value.items()
        if fn == "Ref" and args in tpl.get("Parameters", {}):
            return parameters.get(args, str(tpl["Parameters"][args].get("Default", "")))
        if fn == "Condition":
            return condition(args, tpl, parameters)
        if fn == "Fn::Equals":
            return _evaluate(args[0], tpl, parameters) == _evaluate(args[1], tpl, parameters)
        if fn == "Fn::Not":
            return not _evaluate(args[0], tpl, parameters)
        if fn == "Fn::Or":
            return any(_evaluate(a, tpl, parameters) for a in args)
        if fn == "Fn::And":
            return all(_evaluate(a, tpl, parameters) for a in args)
    return value


def resolved(value: Any, template: dict[str, Any], parameters: dict[str, str] | None = None) -> Any:
    """`value` with every Fn::If decided (a branch of !Ref AWS::NoValue leaves the list or mapping)."""
    if isinstance(value, dict) and set(value) == {"Fn::If"}:
        name, yes, no = value["Fn::If"]
        return resolved(yes if condition(name, template, parameters) else no, template, parameters)
    if isinstance(value, dict) and value == {"Ref": "AWS::NoValue"}:
        return _NO_VALUE
    if isinstance(value, dict):
        pairs = ((k, resolved(v, template, parameters)) for k, v in value.items())
        return {k: v for k, v in pairs if v is not _NO_VALUE}
    if isinstance(value, list):
        return [v for v in (resolved(v, template, parameters) for v in value) if v is not _NO_VALUE]
    return value


def environment(resolve: dict[str, str], template: dict[str, Any] | None = None) -> dict[str, str]:
    """Globals' environment with every !Ref resolved from `resolve` (logical id or parameter → value)
    and every !If decided with the parameters `resolve` names (the others at their defaults)."""
    tpl = template or load()
    variables = tpl.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    parameters = {k: str(v) for k, v in resolve.items() if k in tpl.get("Parameters", {})}
    env = {}
    for key, value in resolved(variables, tpl, parameters).items():
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
