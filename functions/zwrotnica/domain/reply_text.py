"""What the customer wrote this time: the text above the quoted history and the signature.

No maintained Python library strips Polish reply headers (inbound-email.md §4: mail-parser-reply keeps the
quote for Gmail, Thunderbird, Apple and Evolution in Polish), so these are transparent rules, one per
shape, built from the attribution lines of §4 and generalised:

* an attribution ending in "napisał(a):", "napisał:", "napisała:", "pisze:" or "wrote:" that also
  carries a date, a time or an address (Gmail old and new, Thunderbird, Evolution, KMail, Zimbra, iOS
  "Dnia", and the "Dnia … napisał(a):" form of the Polish webmails), possibly wrapped over three lines;
* Apple's "Wiadomość napisana przez … w dniu …:";
* separator lines: "-----Wiadomość oryginalna-----", "Original Message", forwarded-message banners,
  Outlook's underscore rule followed by a header block;
* a header block: "Od:"/"From:" followed within four lines by "Wysłano:"/"Wysłane:"/"Data:"/"Sent:"
  /"Temat:"/"Do:" (Outlook, and webmails that copy the headers of the message they answer);
* lines starting with ">" (plain-text quoting, and what html_to_text makes of <blockquote>).

The Onet, WP, Interia and o2 webmail formats are not documented anywhere we could read (§4: UNCONFIRMED),
so they are covered by the general rules above rather than by one pattern each.
"""

from __future__ import annotations

import re

_VERB = r"(?:napisa[łl]\s*\(a\)|napisa[łl]a|napisa[łl]|pisze|wrote|schrieb|a\s+écrit|escribió)"
_ATTRIBUTION = re.compile(rf"^.{{0,300}}\b{_VERB}\s*:\s*$", re.IGNORECASE)
_EVIDENCE = re.compile(r"\d{1,2}[:.]\d{2}|\b(?:19|20)\d{2}\b|@|\b\d{1,2}\.\d{1,2}\.\d{2,4}\b")
# A wrapped attribution's first line opens like one: "W dniu", "Dnia", "On", "czw., 12 mar", "-----".
_OPENER = re.compile(
    r"^(?:(?:w dniu|dnia|dn\.|on|am|le|el|wiadomo[śs][ćc] napisana)\b|-{2,}|\d{1,2}[ .:/-]|"
    r"(?:pon|pn|wt|[śs]r|czw|pt|sob|niedz|ndz)\.?,?\s)",
    re.IGNORECASE,
)
_APPLE = re.compile(r"^wiadomo[śs][ćc] napisana przez .{1,250} w dniu .{1,80}:\s*$", re.IGNORECASE)
_SEPARATOR = re.compile(
    r"^-{2,}\s*(?:wiadomo[śs][ćc] oryginalna|oryginalna wiadomo[śs][ćc]|original message|"
    r"tre[śs][ćc] oryginalnej wiadomo[śs]ci|forwarded message|wiadomo[śs][ćc] przekazana( dalej)?|"
    r"przekazana wiadomo[śs][ćc]|pocz[ąa]tek przekazanej wiadomo[śs]ci)\b.{0,40}$|"
    r"^pocz[ąa]tek przekazanej wiadomo[śs]ci:?\s*$",
    re.IGNORECASE,
)
_RULE = re.compile(r"^_{10,}\s*$")
_FROM = re.compile(r"^\*?(?:od|from|nadawca)\*?\s*:\s*\S", re.IGNORECASE)
_HEADER = re.compile(
    r"^\*?(?:wys[łl]ano|wys[łl]ane|data|sent|date|do|to|temat|subject|dw|cc)\*?\s*:", re.IGNORECASE
)
# Signatures: the "-- " delimiter, phone footers, and a farewell closing the last few lines.
_SIG_DELIMITER = re.compile(r"^--\s*$")
_MOBILE = re.compile(
    r"^(?:wys[łl]an[oea]\s+(?:z|ze|przy pomocy|za pomoc[ąa])\s|sent from (?:my )?|"
    r"pobierz (?:aplikacj|outlook))",
    re.IGNORECASE,
)
_FAREWELL = re.compile(
    r"^(?:z\s+)?(?:pozdrawiam(?:\s+serdecznie|\s+ciep[łl]o)?|pozdrowienia|pozdr\.?|serdecznie pozdrawiam|"
    r"z powa[żz]aniem|z wyrazami szacunku|dzi[ęe]kuj[ęe](?:\s+i\s+pozdrawiam)?|dzi[ęe]ki|"
    r"best regards|kind regards|regards)[\s,.!]*$",
    re.IGNORECASE,
)
SIGNATURE_LINES = 10  # what may follow a farewell line and still be a signature
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")


def normalise(text: str) -> str:
    """Line breaks, no-break spaces and Evolution's U+2236 ratio sign ("16∶47") made plain."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2236", ":")
    text = _INVISIBLE.sub("", text)
    return text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2007", " ")


def _is_attribution(text: str) -> bool:
    return bool(_APPLE.match(text) or (_ATTRIBUTION.match(text) and _EVIDENCE.search(text)))


def _attribution_at(lines: list[str], i: int) -> bool:
    """An attribution starts at line i: on that line, or wrapped over the next one or two, when line i
    opens like one, does not end a sentence, and no later line of the span opens one itself."""
    first = lines[i].strip()
    if _is_attribution(first):
        return True
    if not _OPENER.match(first) or first.endswith((".", "?", "!")):
        return False
    for span in (2, 3):
        following = [line.strip() for line in lines[i + 1 : i + span]]
        if any(_OPENER.match(line) for line in following):
            return False
        joined = " ".join([first, *following])
        if len(joined) <= 400 and _is_attribution(joined):
            return True
    return False


def _header_block_at(lines: list[str], i: int) -> bool:
    if not _FROM.match(lines[i].strip()):
        return False
    labels = [line.strip() for line in lines[i + 1 : i + 5] if line.strip()]
    return sum(bool(_HEADER.match(label)) for label in labels) >= 2


def quote_start(lines: list[str]) -> int:
    """Index of the first line of quoted history, or len(lines)."""
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(">") or _SEPARATOR.match(line) or _attribution_at(lines, i):
            return i
        if _header_block_at(lines, i):
            return i
        if _RULE.match(line) and any(_FROM.match(n.strip()) for n in lines[i + 1 : i + 4]):
            return i
    return len(lines)


def _signature_start(lines: list[str]) -> int:
    for i, raw in enumerate(lines):
        if _SIG_DELIMITER.match(raw) or _MOBILE.match(raw.strip()):
            return i
    last = len(lines)
    for i in range(len(lines) - 1, max(-1, len(lines) - SIGNATURE_LINES - 2), -1):
        if _FAREWELL.match(lines[i].strip()) and i > 0:
            last = i
    return last


def new_text(text: str) -> str:
    """The customer's new words: above the quoted history, without the signature."""
    lines = normalise(text).split("\n")
    kept = lines[: quote_start(lines)]
    kept = kept[: _signature_start(kept)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in kept)).strip()
