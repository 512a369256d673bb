"""Text out of mail as Polish customers send it: bytes in a declared (or wrongly declared) charset, and
HTML-only messages, turned into plain text. Standard library only (html.parser, codecs).

Charsets (inbound-email.md §5): a label can be missing, unknown (`x-unknown-8bit`) or wrong. Windows-1250
bytes labelled ISO-8859-2 decode silently into "š", "Ľ" and invisible C1 controls; UTF-8 labelled as
either turns "ą" into "Ä…". So every candidate decoding is scored by how Polish it reads and the best wins;
the declared label only breaks ties.
"""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser

POLISH = frozenset("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")
# What Polish text turns into when read in the wrong charset: cp1250 read as ISO-8859-2 ("š", "Ľ", C1),
# ISO-8859-2 read as cp1250 ("±", "¶", "ˇ", "¦", "¬"), either read as Latin-1 ("³", "¿", "¹", "ê", "æ"),
# UTF-8 read as a single-byte charset ("Ä", "Ĺ", "Ă", "Å", "Ã", "â").
WRONG = frozenset("šťžŠŤŽĽľ±¶ˇ¦¬³¿¹êæñœŸŒÄĹĂÅÃâ\ufffd") | frozenset(chr(c) for c in range(0x80, 0xA0))
GUESSES = ("utf-8", "iso8859-2", "cp1250")


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = {"x-cp1250": "cp1250", "win-1250": "cp1250", "windows1250": "cp1250", "latin2": "iso8859-2"}.get(
        label, label
    )
    try:
        return codecs.lookup(label).name
    except (LookupError, ValueError):
        return None


def _score(text: str) -> int:
    return sum(ch in POLISH for ch in text) - 3 * sum(ch in WRONG for ch in text)


def decode_text(raw: bytes, declared: str | None) -> tuple[str, bool]:
    """Decode a body or header; returns (text, guessed): `guessed` when the label was missing, unknown
    or lost to a better-scoring charset."""
    codec = _codec(declared)
    if raw.isascii():
        return raw.decode("ascii"), False
    candidates: list[tuple[str, str]] = []
    for name in ([codec] if codec else []) + [c for c in GUESSES if c != codec]:
        try:
            candidates.append((name, raw.decode(name)))
        except (UnicodeDecodeError, LookupError):
            continue
    if not candidates:  # nothing decodes strictly (a broken UTF-8 sequence): keep what can be kept
        return raw.decode(codec or "utf-8", errors="replace"), True
    # max() keeps the first of equals: the declared charset wins every tie.
    name, text = max(candidates, key=lambda c: _score(c[1]))
    return text, name != codec


# --- HTML to text -----------------------------------------------------------------------------------

_SKIP = frozenset({"script", "style", "head", "title", "noscript", "template", "svg", "math", "object"})
_BLOCK = frozenset(
    {
        *("p", "div", "br", "li", "tr", "table", "ul", "ol", "dl", "dt", "dd", "pre", "hr", "blockquote"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer", "address", "center"),
    }
)
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "wbr", "source"})
# Quoted history in HTML mail: Gmail, Yahoo, Thunderbird, Apple <blockquote type="cite">, any blockquote.
_QUOTE_CLASSES = ("gmail_quote", "yahoo_quoted", "moz-cite-prefix", "protonmail_quote", "zmail_extra")
# Outlook (web and desktop) marks where the previous message starts; all that follows is history.
_HISTORY_IDS = ("divrplyfwdmsg", "appendonsend", "mail-editor-reference-message-container")
_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0\u2007\u202f\u200b]+")
MAX_HTML_CHARS = 2_000_000


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[str, bool]] = []  # (line, quoted)
        self.current: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, opens a quote)
        self.skip = 0
        self.pre = 0
        self.history = False  # past an Outlook "previous message" marker

    @property
    def quoted(self) -> bool:
        return self.history or any(q for _, q in self.stack)

    def flush(self, blank: bool = False) -> None:
        """End the current line; `blank` (a <br>, a paragraph's end) may leave one empty line."""
        text = "".join(self.current)
        self.current = []
        for line in text.split("\n") if self.pre else [text]:
            line = line.rstrip() if self.pre else _SPACE.sub(" ", line).strip()
            if line or (blank and self.lines and self.lines[-1][0]):
                self.lines.append((line, self.quoted))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k.lower(): (v or "") for k, v in attrs}
        if attr.get("id", "").lower() in _HISTORY_IDS:
            self.flush()
            self.history = True
        if tag in _SKIP:
            self.skip += 1
            return
        if tag in _BLOCK:
            self.flush(blank=tag == "br")
        if tag == "pre":
            self.pre += 1
        if tag == "li":
            self.current.append("- ")
        if tag in ("td", "th"):
            self.current.append(" ")
        if tag not in _VOID:
            classes = attr.get("class", "").lower()
            quote = tag == "blockquote" or any(c in classes for c in _QUOTE_CLASSES)
            self.stack.append((tag, quote))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.flush(blank=tag == "br")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if tag in _BLOCK:
            self.flush(blank=tag in ("p", "pre", "blockquote", "table"))
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        # Close up to the matching open tag; an end tag nobody opened changes nothing (broken HTML).
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.current.append(data)


def html_to_text(html: str) -> str:
    """Readable text of an HTML body: blocks become lines, quoted history becomes "> " lines (so the
    plain-text quote rules cut it), scripts and styles vanish, entities are decoded."""
    parser = _Text()
    try:
        parser.feed(html[:MAX_HTML_CHARS])
        parser.close()
    except (AssertionError, ValueError):  # html.parser gives up on some broken markup: keep what it read
        pass
    parser.flush()
    lines = [f"> {line}" if quoted and line else line for line, quoted in parser.lines]
    return "\n".join(lines).strip()
