"""What a customer's e-mail asks for, by transparent rules: where is my parcel, a return (odstąpienie),
a complaint (reklamacja), or something else.

Every rule is a named cue: a pattern over the normalised text (lower case, no diacritics, common typos
mended) with a weight for one intent; a negative weight takes evidence away ("nie chcę zwracać"). The
cues that fired are the explanation: they go to the ticket and the logs (names only, never the text).

Only the customer's new text is read (domain.reply_text cut the quoted history), and the subject unless
it answers ours ("Re: Zamówienie nr 1001 jest w drodze" says nothing about what the customer wants).

A wrong automatic answer is worse than none: the parcel answer goes out only when the mail asks about the
parcel, does so clearly (confidence at or above AUTO_THRESHOLD), and asks nothing else (no cue of another
intent at all: an invoice, an address change, a damaged item, a return). Everything else gets the
acknowledgement and a human.

A mail that clearly is a complaint IS a complaint in law (UPK art. 7a: the 14-day answer clock starts when
it arrives), whatever else it asks: `complaint_in_law` says so, and the team confirms it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from zwrotnica.domain.intent_cues import CUES, VOCABULARY, Cue


class Intent(StrEnum):
    WHERE_IS_PARCEL = "where_is_parcel"
    RETURN = "return"
    COMPLAINT = "complaint"
    OTHER = "other"


AUTO_THRESHOLD = 0.6  # parcel answers: below this, a human with the acknowledgement only
FORM_THRESHOLD = 0.55  # return/complaint answers with the form link
MIN_SCORE = 1.5  # below this nothing was asked clearly: other
COMPLAINT_IN_LAW = 2.5  # complaint evidence that starts the legal clock, whatever else the mail asks
BLOCKING = 1.0  # a cue of another intent this strong stops the automatic parcel answer
TRACKING_EVIDENCE = 1.0
QUESTION_EVIDENCE = 0.5

# Equal evidence: a complaint outranks a return (a defect makes it one, and its legal clock matters most),
# a return outranks a parcel question, anything outranks "other".
TIE_ORDER = (Intent.OTHER, Intent.WHERE_IS_PARCEL, Intent.RETURN, Intent.COMPLAINT)
_DIACRITICS = str.maketrans("ąćęłńóśźż", "acelnoszz")
_REPEATS = re.compile(r"([a-z])\1{2,}")
_WORD = re.compile(r"[a-z]+")
_NOISE = re.compile(r"[^a-z0-9?!.,:#/\n -]+")
_SPACES = re.compile(r"[ \t]+")
# Replies, forwards and auto-replies carry our subject, not the customer's words.
_REPLY_SUBJECT = re.compile(
    r"^\s*(?:re|odp|odp\.|aw|fw|fwd|pd|wg|sv|tr|auto|autoodpowied[źz]|automatyczna odpowied[źz]|"
    r"odpowied[źz] automatyczna|automatic reply)\s*(?:\[\d+\])?\s*:",
    re.IGNORECASE,
)


def _near(word: str, target: str) -> bool:
    """Damerau-Levenshtein distance 1 (one letter wrong, missing, extra, or two swapped)."""
    if abs(len(word) - len(target)) > 1 or word[0] != target[0]:
        return False
    if len(word) == len(target):
        diff = [i for i in range(len(word)) if word[i] != target[i]]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and word[diff[0]] == target[diff[1]]
            and word[diff[1]] == target[diff[0]]
        )
    short, long_ = sorted((word, target), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _shared_prefix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _mend(word: str) -> str:
    """A key word one typo away becomes that word; another ending of the same stem ("przesylce" next to
    "przesylke") is an inflection, not a typo, and stays."""
    if len(word) < 5 or word in VOCABULARY:
        return word
    return next(
        (v for v in VOCABULARY if _near(word, v) and _shared_prefix(word, v) < len(v) - 2),
        word,
    )


def normalise(text: str) -> str:
    """Lower case, no diacritics, no stretched letters, typos in key words mended, split words joined."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_DIACRITICS)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = _REPEATS.sub(r"\1", _NOISE.sub(" ", text))
    words = text.split(" ")
    out: list[str] = []
    i = 0
    while i < len(words):
        if i + 1 < len(words) and words[i] and words[i + 1] and words[i] + words[i + 1] in VOCABULARY:
            out.append(words[i] + words[i + 1])  # "pacz ka"
            i += 2
            continue
        out.append(_WORD.sub(lambda m: _mend(m.group(0)), words[i]))
        i += 1
    return _SPACES.sub(" ", " ".join(out)).strip()


@dataclass(frozen=True)
class Classification:
    intent: Intent
    confidence: float  # 0..1: the winning intent's share of all the evidence
    scores: dict[Intent, float]
    cues: tuple[str, ...]  # names of the rules that fired: the explanation, no customer text
    complaint_in_law: bool
    automatic_answer: bool  # the parcel answer (WHERE_IS_PARCEL) or the form link (RETURN, COMPLAINT)


def classify(subject: str, new_text: str, has_tracking_number: bool = False) -> Classification:
    """Classify what the customer wrote this time (`new_text`) with the subject (unless it is a reply)."""
    own_subject = "" if _REPLY_SUBJECT.match(subject) else subject
    text = normalise(f"{own_subject}\n{new_text}")
    fired: list[Cue] = [cue for cue in CUES if cue.pattern.search(text)]
    scores = {intent: 0.0 for intent in Intent}
    for cue in fired:
        scores[Intent(cue.intent)] += cue.weight
    names = [cue.name for cue in fired]
    if scores[Intent.WHERE_IS_PARCEL] > 0:
        if has_tracking_number:
            scores[Intent.WHERE_IS_PARCEL] += TRACKING_EVIDENCE
            names.append("tracking_number")
        if "?" in text:
            scores[Intent.WHERE_IS_PARCEL] += QUESTION_EVIDENCE
            names.append("question")
    scores = {intent: max(score, 0.0) for intent, score in scores.items()}
    top = max(scores, key=lambda i: (scores[i], TIE_ORDER.index(i)))
    if scores[top] < MIN_SCORE:
        top = Intent.OTHER
    confidence = scores[top] / (sum(scores.values()) + 1.0)
    explicit = any(cue.name == "c_explicit" for cue in fired)
    complaint = scores[Intent.COMPLAINT]
    # Mixed mails too: a damaged item next to a parcel question is still a complaint the clock runs for.
    in_law = explicit or complaint >= COMPLAINT_IN_LAW or top is Intent.COMPLAINT
    return Classification(
        intent=top,
        confidence=round(confidence, 3),
        scores=scores,
        cues=tuple(names),
        complaint_in_law=in_law,
        automatic_answer=_automatic(top, confidence, scores),
    )


def _automatic(top: Intent, confidence: float, scores: dict[Intent, float]) -> bool:
    others = {intent for intent, score in scores.items() if intent is not top and score >= BLOCKING}
    if top is Intent.WHERE_IS_PARCEL:
        return confidence >= AUTO_THRESHOLD and not others
    if top in (Intent.RETURN, Intent.COMPLAINT):
        return confidence >= FORM_THRESHOLD and Intent.OTHER not in others
    return False
