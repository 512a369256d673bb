"""The Lambda artifact exactly as `sam build` makes it: functions/Makefile's build target, run here.

`make bench` weighs it for the template's runtime and CPU (wheels for manylinux2014_aarch64, no Python 3.12
needed to pick them) and times its imports built for this host (`infra/perf/cold.py`), so what is measured
is what is deployed: the same wheels, our folders, and the bytecode compiled at build time. The bytecode
must come from the runtime's Python (its .pyc format is per minor version): `lambda_python()` finds it
here, or says which Python stands in for it.
"""

from __future__ import annotations

import glob
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS = ROOT / "functions"


@dataclass(frozen=True)
class Python:
    executable: str
    version: str  # "3.12"
    is_runtime: bool  # the template's runtime; False: this interpreter stands in for it


def runtime_version() -> str:
    from infra import template

    return template.load()["Globals"]["Function"]["Runtime"].removeprefix("python")


def _version_of(executable: str) -> str | None:
    try:
        out = subprocess.run(  # noqa: S603 (an interpreter found on PATH or under pyenv)
            [executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
    except OSError:
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def lambda_python() -> Python:
    """The runtime's Python (python3.12 on PATH, or under pyenv), else this interpreter as a stand-in."""
    version = runtime_version()
    candidates = [shutil.which(f"python{version}") or ""]
    candidates += sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}*/bin/python{version}")))
    for candidate in filter(None, candidates):
        if _version_of(candidate) == version:
            return Python(candidate, version, True)
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    return Python(getattr(sys, "_base_executable", sys.executable), here, here == version)


def host_platform() -> str:
    return f"manylinux2014_{platform.machine()}"


def build(target: Path, python: Python, wheels_for: str) -> Path:
    """`make build-<id>` as SAM runs it, into `target` (emptied first); wheels for the platform given."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    make = shutil.which("make") or "make"  # from PATH, as SAM runs it
    out = subprocess.run(  # noqa: S603 (make, our Makefile)
        [make, "--no-print-directory", "-s", "-C", str(FUNCTIONS), "build-Bench",
         f"ARTIFACTS_DIR={target}", f"PYTHON={python.executable}", f"PYTHON_VERSION={python.version}",
         f"PLATFORM={wheels_for}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if out.returncode:
        raise RuntimeError(f"functions/Makefile's build failed:\n{out.stdout[-2000:]}{out.stderr[-3000:]}")
    return target


def without_bytecode(artifact: Path, target: Path) -> Path:
    """The same artifact as SAM's own Python builder shipped it: no .pyc anywhere."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(artifact, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return target


def size_mb(artifact: Path) -> float:
    """Unzipped size: every file that goes into the zip."""
    return sum(f.stat().st_size for f in artifact.rglob("*") if f.is_file()) / 1e6
