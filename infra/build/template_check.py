"""Offline template gate: SAM transform with aws-sam-translator, then cfn-lint on the result.

cfn-lint alone no longer expands SAM resources, so errors inside them slip through (toolchain.md §5).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from infra import template as tpl

PARAMS = {"AWS::Region": "eu-central-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}


class OfflinePolicyLoader:
    """The real loader asks IAM for managed policies; we name none, so nothing to load."""

    def load(self) -> dict[str, str]:
        return {}


def transform(template: dict[str, Any] | None = None) -> dict[str, Any]:
    from samtranslator.translator.transform import transform as sam_transform

    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")
    source = copy.deepcopy(template or tpl.load())
    for res in source["Resources"].values():
        if res["Type"] == "AWS::Serverless::Function":
            res.setdefault("Properties", {})["CodeUri"] = "s3://offline-build/functions.zip"
    source.get("Globals", {}).get("Function", {}).pop("CodeUri", None)
    return sam_transform(source, PARAMS, OfflinePolicyLoader())


def lint(transformed: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(transformed, handle)
    try:
        return subprocess.run(  # noqa: S603  (our own cfn-lint, our own file)
            [str(Path(sys.executable).with_name("cfn-lint")), "--regions", "eu-central-1", "--", handle.name],
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        Path(handle.name).unlink()


def main() -> int:
    result = lint(transform())
    print(result.stdout or "template.yaml: SAM transform and cfn-lint clean")
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())
