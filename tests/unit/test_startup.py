"""Every handler pauses garbage collection while it loads and resumes it, its modules frozen, once loaded
(zwrotnica/startup.py): a handler that forgot `ready()` would run its container with collection off."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from infra.perf.cold import HANDLERS

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
PROBE = """
import gc, sys
{package} = __import__("{package}")
paused = not gc.isenabled()
import {handler}
print(paused, gc.isenabled(), gc.get_freeze_count() > 1000)
"""


@pytest.mark.parametrize("handler", HANDLERS)
def test_a_handler_loads_with_collection_paused_and_leaves_it_running(handler):
    package = handler.split(".")[0]
    done = subprocess.run(  # noqa: S603 (our own interpreter, our own probe)
        [sys.executable, "-c", PROBE.format(package=package, handler=handler)],
        cwd=FUNCTIONS,
        env={"PYTHONPATH": str(FUNCTIONS), "AWS_DEFAULT_REGION": "eu-central-1", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "True", "True"]  # paused by the package, resumed, frozen
