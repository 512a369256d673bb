"""Inbound e-mail: the SES receiving event, and the raw MIME message SES stored in S3, parsed.

`parse_mime` never raises: a message it will not read (over a size limit, a MIME bomb, not mail at all)
comes back as `Rejected` with the reason, everything else as `ParsedMail`. The standard library's `email`
package parses (modern policy), with the compat32 policy as the fallback for the header shapes on which
the modern one raises (inbound-email.md §5); headers we read are decoded by hand from their raw values,
so an undeclared 8-bit header or a broken encoded word degrades to a best guess, never to a crash.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from pydantic import ValidationError

from zwrotnica.domain.reply_text import new_text
from zwrotnica.errors import InvalidPayload
from zwrotnica.models.inbound import AttachmentInfo, InboundEmail, Rejected, RejectReason, SesEvent
from zwrotnica.models.order import EMAIL_PATTERN
from zwrotnica.providers.mail_text import decode_text, html_to_text

MiB = 1024 * 1024


@dataclass(frozen=True)
class MailLimits:
    """Proposals (inbound-email.md §5: the stdlib has no limits of its own); SES stores at most 40 MB."""

    max_message_bytes: int = 40 * MiB
    max_header_bytes: int = 256 * 1024
    max_parts: int = 200
    max_depth: int = 20
    max_attachments: int = 50
    max_attachment_bytes: int = 25 * MiB  # a bigger one is listed, not kept
    max_text_chars: int = 100_000


LIMITS = MailLimits()


@dataclass(frozen=True)
class ParsedMail:
    email: InboundEmail
    payloads: tuple[bytes | None, ...]  # one per attachment, None where it was not kept


SIGNAL_HEADERS = (
    "auto-submitted",
    "precedence",
    "x-precedence",
    "list-id",
    "list-unsubscribe",
    "x-autoreply",
    "x-autorespond",
    "x-autoresponder",
    "return-path",
    "x-zwrotnica",
    "x-loop",
    "content-type",
    "authentication-results",
    "x-ses-spam-verdict",
    "x-ses-virus-verdict",
)
_EMAIL = re.compile(EMAIL_PATTERN)
_MSG_ID = re.compile(r"<[^<>\s]{1,250}>")
_FIRST_HEADER = re.compile(rb"^[!-9;-~]{1,100}:")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_FOLD = re.compile(r"\r?\n[ \t]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FILENAME_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]+")


def parse_ses_event(event: Mapping[str, Any]) -> SesEvent:
    """The Lambda action's event (§1.5); raises InvalidPayload for anything else."""
    try:
        return SesEvent.model_validate(event)
    except ValidationError as exc:
        raise InvalidPayload("not an SES receiving event") from exc


def parse_mime(raw: bytes, limits: MailLimits = LIMITS) -> ParsedMail | Rejected:
    try:
        return _parse(raw, limits)
    except RecursionError:
        return Rejected(reason=RejectReason.TOO_DEEP, detail="nesting too deep to parse")
    except Exception as exc:  # the stdlib raises IndexError, ValueError... on hostile shapes
        return Rejected(reason=RejectReason.MALFORMED, detail=f"unreadable message ({type(exc).__name__})")


def _precheck(raw: bytes, limits: MailLimits) -> Rejected | None:
    if len(raw) > limits.max_message_bytes:
        return Rejected(reason=RejectReason.TOO_LARGE, detail=f"{len(raw)} bytes")
    if not _FIRST_HEADER.match(raw):
        return Rejected(reason=RejectReason.MALFORMED, detail="does not start with a header field")
    end = _HEADER_END.search(raw, 0, limits.max_header_bytes + 4)
    if end is None and len(raw) > limits.max_header_bytes:
        return Rejected(reason=RejectReason.HEADERS_TOO_LARGE, detail="header section over the limit")
    # Each part starts with a boundary line: far more "--" lines than parts allowed is a MIME bomb,
    # refused before the parser builds thousands of objects.
    if raw.count(b"\n--") > 4 * limits.max_parts + 100:
        return Rejected(reason=RejectReason.TOO_MANY_PARTS, detail="too many boundary lines")
    return None


def _message(raw: bytes) -> Message:
    try:
        return BytesParser(policy=policy.default).parsebytes(raw)
    except RecursionError:
        raise
    except Exception:  # e.g. `Content-Type: text/plain; name*` raises IndexError inside the parser
        return BytesParser(policy=policy.compat32).parsebytes(raw)


def _walk(msg: Message, limits: MailLimits) -> tuple[list[Message], Rejected | None]:
    """The leaf parts to read, in order; a forwarded message (message/rfc822) is one part, listed as an
    attachment (its text is not the customer's), but its inside counts against the depth and part limits."""
    leaves: list[Message] = []
    stack: list[tuple[Message, int, bool]] = [(msg, 0, False)]
    count = 0
    while stack:
        part, depth, inside = stack.pop()
        count += 1
        if count > limits.max_parts:
            return leaves, Rejected(reason=RejectReason.TOO_MANY_PARTS, detail=f"over {limits.max_parts}")
        if depth > limits.max_depth:
            return leaves, Rejected(reason=RejectReason.TOO_DEEP, detail=f"over {limits.max_depth} levels")
        # message/rfc822 (a forwarded mail), message/delivery-status (a bounce's report): one part each
        forwarded = _content_type(part).startswith("message/")
        if not inside and (forwarded or not part.is_multipart()):
            leaves.append(part)
        children = part.get_payload() if part.is_multipart() else None
        if isinstance(children, list):
            stack.extend((child, depth + 1, inside or forwarded) for child in reversed(children))
    return leaves, None


def _parse(raw: bytes, limits: MailLimits) -> ParsedMail | Rejected:
    rejected = _precheck(raw, limits)
    if rejected:
        return rejected
    msg = _message(raw)
    headers = _raw_headers(msg)
    if not headers:
        return Rejected(reason=RejectReason.MALFORMED, detail="no header fields")
    leaves, rejected = _walk(msg, limits)
    if rejected:
        return rejected
    notes: list[str] = []
    plain, html, attachments, payloads = [], [], [], []
    for part in leaves:
        kind = _content_type(part)
        if _is_body(part, kind):
            text, guessed = _part_text(part)
            (plain if kind == "text/plain" else html).append(text)
            if guessed and "charset_guessed" not in notes:
                notes.append("charset_guessed")
            continue
        if len(attachments) >= limits.max_attachments:
            if "attachments_dropped" not in notes:
                notes.append("attachments_dropped")
            continue
        info, payload = _attachment(part, kind, len(attachments) + 1, limits)
        attachments.append(info)
        payloads.append(payload)
    body_plain = "\n\n".join(t for t in plain if t.strip())
    body_html = "\n\n".join(html_to_text(t) for t in html if t.strip())
    text = body_plain or body_html
    if len(text) > limits.max_text_chars:
        text = text[: limits.max_text_chars]
        notes.append("text_truncated")
    email = _email(headers, text, html_only=not body_plain and bool(body_html), notes=notes)
    return ParsedMail(email=email.model_copy(update={"attachments": attachments}), payloads=tuple(payloads))


# --- headers ------------------------------------------------------------------------------------------


def _raw_headers(msg: Message) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        out.setdefault(str(name).strip().lower(), []).append(str(value))
    return out


def header_text(value: str) -> str:
    """A header value as text: unfolded, raw 8-bit bytes and RFC 2047 words decoded, controls removed."""
    value = _FOLD.sub(" ", value)
    if any("\udc80" <= ch <= "\udcff" for ch in value):  # undeclared 8-bit bytes kept as surrogates
        value, _ = decode_text(value.encode("ascii", "surrogateescape"), None)
    try:
        chunks = decode_header(value)
    except Exception:
        return _CONTROL.sub("", value).strip()
    pieces = []
    for chunk, charset in chunks:
        pieces.append(decode_text(chunk, charset)[0] if isinstance(chunk, bytes) else chunk)
    return _CONTROL.sub("", "".join(pieces)).replace("\r", " ").replace("\n", " ").strip()


def _first(headers: dict[str, list[str]], name: str) -> str:
    values = headers.get(name)
    return header_text(values[0])[:2000] if values else ""


def _addresses(headers: dict[str, list[str]], name: str) -> list[tuple[str, str]]:
    values = [header_text(v) for v in headers.get(name, [])][:5]
    out = []
    for display, address in getaddresses(values)[:100]:
        address = address.strip().strip("<>")
        local, at, domain = address.rpartition("@")
        address = f"{local}@{domain.lower()}" if at else ""
        if address and _EMAIL.fullmatch(address):
            out.append((display.strip()[:200], address))
    return out


def _date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed.replace(tzinfo=UTC) if parsed and parsed.tzinfo is None else parsed


def _email(headers: dict[str, list[str]], text: str, html_only: bool, notes: list[str]) -> InboundEmail:
    sender = _addresses(headers, "from")
    reply_to = _addresses(headers, "reply-to")
    message_ids = _MSG_ID.findall(_first(headers, "message-id"))
    in_reply_to = _MSG_ID.findall(_first(headers, "in-reply-to"))
    signals = {name: _first(headers, name)[:500] for name in SIGNAL_HEADERS if name in headers}
    return InboundEmail(
        message_id=message_ids[0] if message_ids else None,
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=_MSG_ID.findall(_first(headers, "references"))[-50:],
        subject=_first(headers, "subject")[:500],
        from_address=sender[0][1] if sender else None,
        from_name=sender[0][0] if sender else "",
        reply_to=reply_to[0][1] if reply_to else None,
        to=[a for _, a in _addresses(headers, "to")],
        cc=[a for _, a in _addresses(headers, "cc")],
        date=_date(_first(headers, "date")),
        text=text,
        new_text=new_text(text),
        html_only=html_only,
        signals=signals,
        notes=notes,
    )


# --- parts --------------------------------------------------------------------------------------------


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


def _is_body(part: Message, kind: str) -> bool:
    return kind in ("text/plain", "text/html") and _disposition(part) != "attachment"


def _payload(part: Message) -> bytes:
    kind = _content_type(part)
    if kind == "message/rfc822":
        inner = part.get_payload()
        message = inner[0] if isinstance(inner, list) and inner else None
        return message.as_bytes(policy=policy.compat32) if isinstance(message, Message) else b""
    if kind.startswith("message/"):
        inner = part.get_payload()
        blocks = inner if isinstance(inner, list) else []
        return b"\r\n".join(b.as_bytes(policy=policy.compat32) for b in blocks if isinstance(b, Message))
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _part_text(part: Message) -> tuple[str, bool]:
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return decode_text(_payload(part), charset)


def _filename(part: Message, kind: str, n: int) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    name = header_text(str(name)) if name else ""
    name = _FILENAME_UNSAFE.sub("_", name).strip(" .")[:200]
    if name:
        return name
    return f"zalacznik-{n}.eml" if kind == "message/rfc822" else f"zalacznik-{n}"


def _attachment(part: Message, kind: str, n: int, limits: MailLimits) -> tuple[AttachmentInfo, bytes | None]:
    data = _payload(part)
    keep = len(data) <= limits.max_attachment_bytes
    info = AttachmentInfo(
        filename=_filename(part, kind, n),
        content_type=kind[:127],
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        inline=_disposition(part) == "inline",
        stored=keep,
    )
    return info, data if keep else None


def iter_stored(parsed: ParsedMail) -> Iterator[tuple[AttachmentInfo, bytes]]:
    """The attachments to put into S3, with their bytes."""
    for info, payload in zip(parsed.email.attachments, parsed.payloads, strict=True):
        if payload is not None:
            yield info, payload
