"""Which order an e-mail is about: order-number and tracking-number candidates from its subject and new
text, and whether its sender may see that order. Pure; the store confirms every candidate.

Order numbers come in every shape shops use: 1001, #1001, ZAM/2026/52020, 2026/11/0042, PL-1001-A,
12.345, WWW-ŁÓDŹ-77. A bare number is only a candidate next to a word that names an order ("zamówienie
1001", "zam. nr 1001", "nr zamówienia: 1001", "order #1001") or with a '#'; shaped numbers (letters and
digits joined by '/', '-', '.') count on their own. Amounts, postcodes, dates, phones and tracking
numbers are not order numbers.

Tracking numbers (couriers.md): InPost 24 digits (ShipX examples); DPD Polska 13 digits and a "U"
(DPDInfoServices example 1000635967411U); Poczta Polska 20 digits starting "00", UPU S10 (RR123456789PL)
and Pocztex "PX…"; DHL "JJD…"/"JVGL…" and, next to the word DHL, 10-11 digits; ORLEN Paczka 13 digits
next to "orlen"/"ruch". Only InPost's and DPD's shapes are documented in the specs; the others are
candidates, which a store lookup confirms or drops.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from zwrotnica.domain.mailbox import mailbox as _mailbox
from zwrotnica.domain.mailbox import mailbox_key as mailbox_key  # re-exported: the flows' name for it

MAX_CANDIDATES = 3  # store lookups per message

_L = "A-Za-z0-9ĄĆĘŁŃÓŚŹŻąćęłńóśźż"
_TOKEN = rf"[{_L}](?:[{_L}]|[/._-](?=[{_L}])){{0,39}}"
_ORDER_WORD = (
    r"(?:zam[óo]wie(?:ni[aeu]|niem|nie)|zamowien(?:ia|ie|iu)|zam[óo]w\.?|zam\.|zam|order|"
    r"transakcj[aię]|transakcji|paragon(?:u)?|nr\s+zam[óo]wienia|numer(?:ze)?\s+zam[óo]wienia)"
)
_FILLER = r"(?:\s*(?:nr\.?|numer(?:ze)?|no\.?|number|o\s+numerze|o\s+nr\.?|id)\b\.?)?\s*[:#]?\s*"
_KEYED = re.compile(rf"(?i)\b{_ORDER_WORD}{_FILLER}#?(?P<num>{_TOKEN})")
_HASHED = re.compile(rf"(?<![\w&])#\s?(?P<num>{_TOKEN})")
_SHAPED = re.compile(
    rf"(?<![{_L}/.-])(?P<num>[A-ZĄĆĘŁŃÓŚŹŻ]{{1,6}}[/-]\d{{2,4}}(?:[/-][A-Z0-9]{{1,10}}){{0,3}}"
    rf"|\d{{4}}/\d{{1,2}}/\d{{1,8}}|[A-ZĄĆĘŁŃÓŚŹŻ]{{2,6}}\d{{3,12}})(?![{_L}/])"
)
_NR = re.compile(rf"(?i)\bnr\.?\s*[:#]?\s*(?P<num>\d[{_L}/._-]{{2,39}})")
# Not order numbers: postcodes, dates, times, amounts, phone numbers, years alone.
_NOT_ORDER = re.compile(
    r"^(?:\d{2}-\d{3}|\d{1,2}[./-]\d{1,2}(?:[./-]\d{2,4})?|\d{1,2}:\d{2}|(?:19|20)\d{2}|"
    r"\+?\d{3}[ -]?\d{3}[ -]?\d{3}|0+)$"
)
_AFTER_AMOUNT = re.compile(r"^\s*(?:z[łl]|pln|gr\b|zlotych|złotych|%|szt|kg|cm|mm|x\b)", re.IGNORECASE)


class Source(StrEnum):
    SUBJECT = "subject"
    TEXT = "text"


@dataclass(frozen=True)
class OrderCandidate:
    number: str
    source: Source
    strength: int  # 3: named ("zamówienie 1001"), 2: '#' or a shop-shaped number, 1: "nr 1001"


def _clean(number: str) -> str:
    return number.strip().lstrip("#").rstrip("/._-")


def _order_like(number: str, text: str, end: int, tracking: set[str]) -> bool:
    if not any(ch.isdigit() for ch in number) or len(number) < 3:
        return False
    if _NOT_ORDER.match(number) or number in tracking or re.sub(r"\D", "", number) in tracking:
        return False
    return not _AFTER_AMOUNT.match(text[end : end + 8])


def order_candidates(
    subject: str, text: str, shop_format: re.Pattern[str] | None = None
) -> list[OrderCandidate]:
    """At most MAX_CANDIDATES order numbers, strongest first, the subject before the text. With the
    shop's own format (`shop_format`, e.g. ^ZAM/\\d{4}/\\d+$), only numbers that match it."""
    tracking = {t.number for t in tracking_candidates(f"{subject}\n{text}")}
    found: dict[str, OrderCandidate] = {}
    for source, body in ((Source.SUBJECT, subject), (Source.TEXT, text)):
        for strength, pattern in ((3, _KEYED), (2, _HASHED), (2, _SHAPED), (1, _NR)):
            for match in pattern.finditer(body):
                number = _clean(match.group("num"))
                if not _order_like(number, body, match.end("num"), tracking):
                    continue
                if shop_format is not None and not shop_format.fullmatch(number):
                    continue
                known = found.get(number)
                if known is None or strength > known.strength:
                    found[number] = OrderCandidate(number, known.source if known else source, strength)
    ranked = sorted(found.values(), key=lambda c: (-c.strength, c.source is not Source.SUBJECT))
    return ranked[:MAX_CANDIDATES]


@dataclass(frozen=True)
class TrackingCandidate:
    carrier: str  # our carrier id (couriers.md), a guess the shipment lookup confirms
    number: str


_TRACKING = (
    ("inpost", re.compile(r"(?<!\d)(\d{24}|\d{4}(?: \d{4}){5})(?!\d)")),
    ("poczta_polska", re.compile(r"(?<!\d)(00\d{18})(?!\d)")),
    ("poczta_polska", re.compile(r"(?<![A-Za-z0-9])([A-Z]{2}\d{9}PL)(?![A-Za-z0-9])")),
    ("poczta_polska", re.compile(r"(?<![A-Za-z0-9])(PX\d{8,12})(?![A-Za-z0-9])")),
    ("dpd", re.compile(r"(?<![A-Za-z0-9])(\d{13}U)(?![A-Za-z0-9])", re.IGNORECASE)),
    ("dhl", re.compile(r"(?<![A-Za-z0-9])((?:JJD|JVGL)\d{6,22})(?![A-Za-z0-9])", re.IGNORECASE)),
)
_NAMED = (
    ("dhl", re.compile(r"(?i)\bdhl\b"), re.compile(r"(?<!\d)(\d{10,11})(?!\d)")),
    ("orlen", re.compile(r"(?i)\b(?:orlen|ruch)\b"), re.compile(r"(?<!\d)(\d{13})(?!\d)")),
)


def tracking_candidates(text: str) -> list[TrackingCandidate]:
    found: list[TrackingCandidate] = []
    for carrier, pattern in _TRACKING:
        for match in pattern.finditer(text):
            number = match.group(1).replace(" ", "").upper()
            if all(c.number != number for c in found):
                found.append(TrackingCandidate(carrier, number))
    for carrier, named, pattern in _NAMED:
        if named.search(text):
            for match in pattern.finditer(text):
                if all(match.group(1) not in c.number for c in found):
                    found.append(TrackingCandidate(carrier, match.group(1)))
    return found[:MAX_CANDIDATES]


def same_mailbox(a: str | None, b: str | None) -> bool:
    """One mailbox: case-insensitive, a "+tag" ignored (anna+sklep@x.pl is anna@x.pl). No provider-
    specific folding (Gmail's dots): a near miss is a stranger."""
    if not a or not b:
        return False

    return _mailbox(a) == _mailbox(b)


class Disclosure(StrEnum):
    ORDER = "order"  # the sender is the order's customer (and trusted): answer about the order
    NOTHING = "nothing"  # an order number was given: answer without saying whether it exists
    NO_ORDER = "no_order"  # nothing to go on: ask for the order number


def disclosure(
    candidate_given: bool, order_email: str | None, sender: str | None, sender_trusted: bool
) -> Disclosure:
    """Never attach a stranger's mail to someone's order on a guess. `order_email` is the e-mail of the
    order a candidate matched (None: no candidate matched an order). A number that matched nothing and a
    number that matched someone else's order get the same answer, so the answer tells nothing."""
    if order_email is not None and sender_trusted and same_mailbox(order_email, sender):
        return Disclosure.ORDER
    return Disclosure.NOTHING if candidate_given else Disclosure.NO_ORDER
