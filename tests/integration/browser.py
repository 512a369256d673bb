"""Shared by the browser tests: how Debian's Chromium is launched (never a downloaded browser; the `browser`
fixture is in conftest.py), and the local gateway (infra/local/run.py) serving the real handlers."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path

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


AXE = Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA checks of the page as it stands, run inside Chromium. axe is read from
    disk (`make axe`: npm ci of package-lock.json) and evaluated through the DevTools protocol, which the
    pages' CSP (no scripts at all) does not stop; nothing is fetched."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
                resultTypes: ['violations'],
            });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
            }));
        }"""
    )


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in SERIOUS]
