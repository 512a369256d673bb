"""A handler's cold start without the garbage collector's full passes.

Loading a handler's modules (boto3, botocore's models, Powertools, pydantic's schemas, ours) allocates
hundreds of thousands of container objects and almost no garbage, yet every 700 allocations start a
collection and the older generations' passes walk everything loaded so far: measured, about a sixth of a
handler's cold import (docs/benchmarks.md, `make cold`). So each function package pauses collection
when Lambda starts importing it (`pause()` in its `__init__.py`, the first code of ours to run) and its
`app.py` ends with `ready()`: the loaded objects move to the permanent generation (`gc.freeze`, they live
as long as the container) and collection resumes, so later passes in warm invocations skip them too.
"""

from __future__ import annotations

import gc


def pause() -> None:
    gc.disable()


def ready() -> None:
    gc.freeze()
    gc.enable()
