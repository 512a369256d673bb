"""What the operator CLI prints goes to a terminal, and much of it came from outside: a ticket's subject, a
customer's name, a note, a reason. Such text could carry ANSI escape sequences (clear the screen, retitle
the window, fake a line of output, hide a link), a carriage return that overwrites a line, or bidi
overrides that reorder one. Everything the CLI writes goes through `Safe`: every character a terminal
would act on instead of showing is written as its escape (`\\u001b`, `\\u202e`), which is also what it
means inside a JSON string (`gdpr export` stays valid JSON). Line breaks and tabs stay.
"""

from __future__ import annotations

import re
from typing import Any, TextIO

# C0 controls but TAB and LF, DEL and C1 (CSI, OSC...), line and paragraph separators, bidi marks,
# embeddings, overrides and isolates, zero-width and other invisible format characters, tag characters.
_ACTS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
    "\U000e0000-\U000e007f]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code > 0xFFFF:  # as a JSON string writes it: a surrogate pair
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def safe(text: str) -> str:
    """`text` with every character a terminal would act on written as its visible escape."""
    return _ACTS.sub(_escape, text)


class Safe:
    """A text stream that writes through `safe` (stdout, stderr of the CLI)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(safe(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, encoding, fileno...
        return getattr(self._stream, name)
