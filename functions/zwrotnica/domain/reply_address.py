"""Per-thread reply addresses: `pomoc+t-TK-0A1B2C3D4E.k3v9...@sklep.pl`, signed like the status links.

A reply to any e-mail we sent comes back to an address that names its thread (a ticket, a return case or
an order) and carries an HMAC of it, so a customer's reply lands on the right ticket and nobody can write
to someone else's ticket by guessing its id. The signature is lower-case base32: mail systems are allowed
to change the case of a local part, and base32 survives that. It does not expire: customers answer
weeks later.
"""

from __future__ import annotations

import base64
import hmac
import re
from dataclasses import dataclass
from enum import StrEnum

from zwrotnica.domain.links import mac

# Every e-mail we send carries this header (notify/ adds it): mail that comes back with it is our own.
LOOP_HEADER = "X-Zwrotnica"
SIGNATURE_BYTES = 10  # 80 bits: 16 base32 characters
MAX_TAG = 64  # an e-mail local part is at most 64 characters (RFC 5321 §4.5.3.1.1)
_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_TAG = re.compile(r"^([tcon])-([A-Za-z0-9_-]{1,40})\.([a-z2-7]{16})$")


class ThreadKind(StrEnum):
    TICKET = "t"
    CASE = "c"
    ORDER = "o"
    TEAM = "n"  # a ticket's notification to the team: a reply from an allowed address answers the customer


@dataclass(frozen=True)
class ThreadRef:
    kind: ThreadKind
    id: str  # as it was written in the address (a mail system may have lower-cased it)


def _signature(key: str, kind: ThreadKind, thread_id: str) -> str:
    digest = mac(key, f"reply:{kind.value}:{thread_id.casefold()}", SIGNATURE_BYTES)
    return base64.b32encode(digest).decode().rstrip("=").lower()


def reply_tag(key: str, ref: ThreadRef) -> str:
    """The signed tag for a thread. Raises ValueError for an id a local part cannot carry (a "/" in an
    order number: such a thread is found from In-Reply-To instead)."""
    if not _ID.fullmatch(ref.id):
        raise ValueError("a reply tag carries letters, digits, '-' and '_' only, at most 40")
    return f"{ref.kind.value}-{ref.id}.{_signature(key, ref.kind, ref.id)}"


def reply_address(key: str, ref: ThreadRef, mailbox: str) -> str:
    """`pomoc@sklep.pl` + thread -> `pomoc+t-TK-0A1B2C3D4E.<signature>@sklep.pl`."""
    local, at, domain = mailbox.partition("@")
    if not at or not local or "+" in local:
        raise ValueError("the support mailbox must be a plain local@domain address")
    address = f"{local}+{reply_tag(key, ref)}@{domain}"
    if len(address.partition("@")[0]) > MAX_TAG:
        raise ValueError("the reply address would exceed 64 characters before the @")
    return address


def verify_tag(key: str, tag: str) -> ThreadRef | None:
    """The thread a tag names, or None: malformed, too long, or not signed by us (constant-time compare)."""
    if not isinstance(tag, str) or len(tag) > MAX_TAG:
        return None
    # As written; else lower-cased, for a mail system that upper-cased the whole local part.
    match = _TAG.fullmatch(tag) or _TAG.fullmatch(tag.lower())
    if not match:
        return None
    kind, thread_id, signature = ThreadKind(match.group(1)), match.group(2), match.group(3)
    expected = _signature(key, kind, thread_id)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return None
    return ThreadRef(kind, thread_id)


# --- threading headers --------------------------------------------------------------------------------
# Every e-mail of a thread also names the thread in `References` as a message id of our own receiving
# domain, `<t-TK-0A1B2C3D4E.<signature>@reply.sklep.pl>` (as GitHub names an issue's thread): a reply
# carries its parent's References, so the thread is found from the headers with no lookup, even when the
# customer's client answered the From address instead of Reply-To. SES replaces our Message-ID with its
# own (inbound-email.md §2), so the References root is the id we control.

_ASCII_ID = re.compile(r"^<[!-;=?-~]{1,250}>$")  # printable ASCII without "<" and ">"
MAX_REFERENCES = 900  # SES: a header value is at most 995 printable ASCII characters


def thread_message_id(key: str, ref: ThreadRef, domain: str) -> str:
    """The thread's own message id, `<tag@domain>` (ValueError where reply_tag refuses the id)."""
    return f"<{reply_tag(key, ref)}@{domain.strip().lower()}>"


def threads_in(key: str, message_ids: list[str], own_domains: frozenset[str] | set[str]) -> list[ThreadRef]:
    """The threads that In-Reply-To / References ids at our own domains name (signed by us), in order."""
    found: list[ThreadRef] = []
    for message_id in message_ids:
        local, at, domain = message_id.strip().strip("<>").rpartition("@")
        if not at or domain.lower() not in own_domains:
            continue
        ref = verify_tag(key, local)
        if ref is not None and ref not in found:
            found.append(ref)
    return found


def reply_headers(
    *, in_reply_to: str | None, references: list[str], root: str | None, automatic: bool
) -> dict[str, str]:
    """Headers of our answer in a thread: In-Reply-To the customer's message (RFC 5322 §3.6.4), References
    = our thread's id, their chain and their message (the newest kept when the chain is long), and for an
    automatic answer `Auto-Submitted: auto-replied` (RFC 3834 §3.1.7). Our thread's id comes first: it is
    the oldest of the thread. Ids that are not plain printable
    ASCII are left out: SES takes header values in printable ASCII only."""
    chain = [i for i in [*references, *([in_reply_to] if in_reply_to else [])] if _ASCII_ID.match(i)]
    chain = list(dict.fromkeys(chain))
    tail = [root] if root else []
    while chain and len(" ".join([*chain, *tail])) > MAX_REFERENCES:
        chain.pop(0)
    headers: dict[str, str] = {}
    if in_reply_to and _ASCII_ID.match(in_reply_to):
        headers["In-Reply-To"] = in_reply_to
    if chain or tail:
        headers["References"] = " ".join(dict.fromkeys([*tail, *chain]))
    if automatic:
        headers["Auto-Submitted"] = "auto-replied"
    return headers
