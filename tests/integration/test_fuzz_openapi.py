"""Hostile input: schemathesis fuzzes every route of the OpenAPI document the handlers generate, served by
the local stack (`make run`) at /openapi.json. No answer may be a 5xx, and every answer must be one the
document declares: its status, its content type, its body's schema.

Webhooks are signed, so fuzzed requests to them end in 401/400/404/413/422: that is the point, and each
of those answers is declared in the document. Bounded: a fixed number of examples per operation,
deterministic generation (no seed drift, no example database), loopback only.
"""

from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.factories import woo_body, woo_headers, woo_order

ROOT = Path(__file__).resolve().parents[2]
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
    ]
)
MAX_EXAMPLES = 25  # per operation and phase; the whole run takes ~15 s on 2 cores
ORDER, EMAIL, PHONE = "1001", "anna.kowalska@example.com", "600100200"  # the seeded WooCommerce order


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 2.0) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 (loopback only)
        return answer.read()


def _seed(base: str) -> None:
    """One real order, so that the routes have something to find besides 404s."""
    body = woo_body(woo_order(ORDER))
    request = urllib.request.Request(  # noqa: S310 (loopback only)
        f"{base}/webhooks/shop/woocommerce", data=body, headers=woo_headers(body), method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        assert answer.status == 200, answer.read()


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m infra.local.run` on free ports, the sweeper out of the way; its base URL."""
    port, moto_port, smtp_port = _free_port(), _free_port(), _free_port()
    log = tmp_path_factory.mktemp("stack") / "stack.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    env |= {
        "PORT": str(port),
        "MOTO_PORT": str(moto_port),
        "SMTP_PORT": str(smtp_port),  # a `make run` elsewhere may hold 2525
        "SWEEP_SECONDS": "86400",
        "LOG_LEVEL": "ERROR",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT)]),
    }
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "infra.local.run"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                json.loads(_get(f"{base}/openapi.json"))
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the local stack did not start:\n{log.read_text(errors='replace')[-3000:]}")
                time.sleep(0.3)
        _seed(base)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def with_seeded_examples(document: dict[str, Any]) -> dict[str, Any]:
    """The served document plus examples that name the seeded order, so that the fuzzer also reaches
    the found-order paths (status page, return details, a case opened, the attempt limit)."""
    document = copy.deepcopy(document)
    status = document["paths"]["/orders/{order_number}/status"]["get"]
    for parameter in status["parameters"]:
        value = {"order_number": ORDER, "email": EMAIL, "phone": PHONE}.get(parameter["name"])
        if value:
            parameter["example"] = value
    body = document["paths"]["/returns"]["post"]["requestBody"]["content"]
    body["application/json"]["example"] = {
        "order_number": ORDER,
        "email": EMAIL,
        "items": {"KURTKA-ZIM-M": 1},
        "kind": "withdrawal",
        "return_method": "paczkomat",
        "submission_key": "fuzz-seed-0001",
    }
    body["application/x-www-form-urlencoded"]["example"] = {
        "step": "lookup",
        "order_number": ORDER,
        "phone": PHONE,
    }
    return document


def run_schemathesis(base: str, document: dict[str, Any], workdir: Path, *extra: str) -> tuple[int, str]:
    """The schemathesis CLI on `document` against the stack; its exit code and report."""
    location = workdir / "openapi.json"
    location.write_text(json.dumps(document), encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        str(location),
        "--url",
        base,
        "--checks",
        CHECKS,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--generation-deterministic",
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--continue-on-failure",
        "--no-color",
        *extra,
    ]
    # Run in an empty directory: no schemathesis.toml, no reports or databases left in the tree.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHEMATHESIS_")} | {"NO_COLOR": "1"}
    result = subprocess.run(  # noqa: S603
        command, cwd=workdir, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    return result.returncode, result.stdout + result.stderr


@pytest.mark.integration
def test_no_route_answers_5xx_or_anything_the_document_does_not_declare(
    local_stack: str, tmp_path: Path
) -> None:
    document = json.loads(_get(f"{local_stack}/openapi.json"))
    operations = sum(len(methods) for methods in document["paths"].values())
    code, report = run_schemathesis(local_stack, with_seeded_examples(document), tmp_path)
    assert f"{operations} selected / {operations} total" in report, report[-5000:]
    assert code == 0, report[-20000:]
    summary = report.split("SUMMARY")[-1]
    assert " passed" in summary and "failed" not in summary.split("Test cases")[-1], summary


@pytest.mark.integration
def test_the_fuzzer_fails_on_an_answer_the_document_does_not_declare(
    local_stack: str, tmp_path: Path
) -> None:
    """The harness can fail: with the order status route declaring only its 200, the 400/404/422 it
    really answers are reported and the run exits non-zero."""
    document = json.loads(_get(f"{local_stack}/openapi.json"))
    operation = document["paths"]["/orders/{order_number}/status"]["get"]
    operation["responses"] = {"200": operation["responses"]["200"]}
    code, report = run_schemathesis(
        local_stack,
        document,
        tmp_path,
        "--include-path",
        "/orders/{order_number}/status",
        "--include-method",
        "GET",
        "--phases",
        "fuzzing",
        "--max-examples",
        "5",
    )
    assert code != 0, report[-5000:]
    assert "Undocumented status code" in report, report[-5000:]
