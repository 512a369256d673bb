"""Shared by the browser tests: how Debian's Chromium is launched (never a downloaded browser; the `browser`
fixture is in conftest.py), and the local gateway (infra/local/run.py) serving the real handlers."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer

from infra import template
from infra.local.run import make_handler

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@contextmanager
def serving() -> Iterator[str]:
    """The API the customer's browser talks to, against the test's moto (the `stack` fixture)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(template.routes(), "ZwrotnicaTable"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
