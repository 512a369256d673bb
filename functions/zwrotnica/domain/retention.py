"""What an erasure request (RODO art. 17) may remove, and what the law keeps: pure rules, as of a day.

Facts from /work/shared/specs/polish-law.md section 4 (rows cited as "4.n"); the windows beyond the
statutory minima are interpretations the sheet asks a lawyer to sign off (section 7, item 5).

Per kind of item: erased (when nothing below holds it) / kept, and why.

- order: name -> "[usunięto]", e-mail -> "" (no address to write to), phone, delivery address; marketing
  consent off (4.5). Kept: number, items, amounts, dates, payment and refund state, for accounting and
  tax (4.6, 4.8) until 31 Dec of the 6th year after the sale.
- shipment: the e-mail and phone copied from the order. Carrier, number, status: no personal data.
- courier event (timeline line): the provider's raw payload (4.1). Code, status, time stay.
- case: open, everything stays (2.4, 4.4: the answer and the refund are owed); settled, the bank account
  goes, the file stays 1 year (4.7), a rejected one until the consumer's claim is time-barred (4.9);
  after that the description and decision texts go.
- message: recipient, subject, text, html (or the blocks an e-mail's text and HTML are rendered from) of a
  delivered one; a pending one is deleted (never sent).
  Kept: a held case's messages, the durable copy of our answer (2.4, 4.7).
- ticket: subject and note texts (free-text chatter, 4.1), unless the ticket, the order or a case is open.

"Open" holds contact data too: an order still being fulfilled (4.1, 4.4: the data is still necessary)
and a case not settled keep the order's name, address, e-mail and phone, its shipments' copies, the
pending messages and the courier payloads. Run the erasure again once they are closed.

Zwrotnica is not the books: the invoice (with the buyer's name and address, if one was issued) lives in
the shop's accounting system. Here the order keeps what reconciles payments and refunds, not the buyer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from zwrotnica.domain import order_numbers

ERASED = "[usunięto]"
WARSAW = ZoneInfo("Europe/Warsaw")

OPEN_ORDER = frozenset({"pending_payment", "processing", "on_hold"})
SETTLED_CASE = frozenset({"rejected", "refund_ordered", "closed"})  # accepted: a refund or remedy is owed
DONE_TICKET = frozenset({"solved", "closed"})
# Item types with no personal data: left as they are.
NOTHING_PERSONAL = frozenset({"ticket_lock", "submission", "payment_event"})
# Field names that smell personal: an item of a type these rules do not know is reported, not touched.
PERSONAL_KEYS = frozenset(
    {"email", "phone", "recipient", "customer_name", "name", "address", "bank_account", "description", "text"}
)

# Reasons, with the rows of polish-law.md section 4 (and 2) they rest on.
ACCOUNTING = (
    "accounting and tax records: UoR art. 74 ust. 2, OP art. 70 § 1 (polish-law 4.6, 4.8); RODO art. 17(3)(b)"
)
ORDER_OPEN = (
    "the order is still being fulfilled: delivery and contact data are still necessary "
    "(polish-law 4.1, 4.4: RODO art. 17(1)(a) does not apply yet)"
)
CASE_OPEN = (
    "case {rma} is not settled: an answer on a durable medium and the refund are owed: UPK art. 7a, "
    "art. 32 (polish-law 2.4, 4.4); RODO art. 17(3)(b)"
)
CASE_FILE = (
    "complaint/withdrawal case file, 1 year after settlement: UoR art. 74 ust. 2 pkt 6 (polish-law 4.7); "
    "RODO art. 17(3)(b)"
)
CASE_CLAIM = (
    "rejected case: the consumer's claim is possible until time-barred (6 years, end of a year): "
    "KC art. 118 (polish-law 4.9, interpretation); RODO art. 17(3)(e)"
)
ANSWER_COPY = "the durable copy of what we told the customer in case {rma} (polish-law 2.4, 4.7)"
TICKET_OPEN = "the ticket is still being handled (polish-law 4.1)"
CHATTER_OPEN = "free-text chatter stays while the order, return or complaint is open (polish-law 4.1)"
UNKNOWN = "an item type the retention rules do not know: left as it is, check it by hand"
WHILE_OPEN = "while open"
CONTACT = "name, e-mail, phone, delivery address"
CASE_FILE_WHAT = "case file: items, description, demand, decision, dates"


@dataclass(frozen=True)
class Kept:
    """Something the erasure leaves, why, and until when (None: until the order or case is closed)."""

    what: str
    reason: str
    until: date | None = None

    @property
    def until_label(self) -> str:
        return self.until.isoformat() if self.until else WHILE_OPEN


@dataclass(frozen=True)
class Verdict:
    """One stored item: the changes to make (attribute path -> new value, None removes), or delete it."""

    pk: str
    sk: str
    order_number: str
    label: str  # what it is, without personal data: "order 1001", "message case_submitted (sent)"
    changes: dict[str, Any] = field(default_factory=dict)
    delete: bool = False
    kept: tuple[Kept, ...] = ()

    @property
    def acts(self) -> bool:
        return self.delete or bool(self.changes)


def day_of(value: str | None) -> date | None:
    """The Warsaw calendar day of a stored UTC time."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(WARSAW).date()


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def tax_hold_until(sale: date) -> date:
    """Order and refund records: the longer of 4.6 (vouchers: 5 years from the start of the year after
    the financial year, i.e. to 31 Dec of year + 5) and 4.8 (until the tax is time-barred: 5 years from
    the end of the year the payment deadline fell in; the annual income-tax return for a sale is due in
    the next year, so 31 Dec of year + 6: "in practice about 6 years"). Suspension or interruption of
    the limitation (4.8) is not modelled."""
    vouchers = date(sale.year + 5, 12, 31)
    tax = date(sale.year + 1 + 5, 12, 31)
    return max(vouchers, tax)


def case_file_until(settled: date, rejected: bool) -> date:
    """A settled case's file: 1 year after settlement (4.7); a rejected one until the consumer's claim is
    time-barred: 6 years, ending on the last day of a calendar year (4.9, the sheet's interpretation)."""
    one_year = add_years(settled, 1)
    if not rejected:
        return one_year
    return max(one_year, date(settled.year + 6, 12, 31))


@dataclass(frozen=True)
class _Holds:
    contact: Kept | None  # the order or a case is open: contact data and what serves it stay
    cases: dict[str, Kept]  # RMA -> why and until when its file is held (until None: open)
    case_tickets: dict[str, str]  # ticket id -> RMA of a held case: its replies are the case's answers
    rejected: frozenset[str]  # RMAs the team rejected: no refund was made


def _holds(
    order: dict[str, Any], partition: Sequence[dict[str, Any]], tickets: Sequence[dict[str, Any]], today: date
) -> _Holds:
    rejected = {
        i.get("ref") for i in partition if i.get("type") == "timeline" and i.get("kind") == "case_rejected"
    }
    rejected |= {i["case_id"] for i in partition if i.get("type") == "case" and i.get("status") == "rejected"}
    contact = Kept(CONTACT, ORDER_OPEN) if order.get("shop_status") in OPEN_ORDER else None
    cases: dict[str, Kept] = {}
    for case in (i for i in partition if i.get("type") == "case"):
        rma = case["case_id"]
        if case.get("status") not in SETTLED_CASE:
            cases[rma] = Kept(CASE_FILE_WHAT, CASE_OPEN.format(rma=rma))
            contact = contact or Kept(CONTACT, CASE_OPEN.format(rma=rma))
            continue
        settled = _settled(case)
        until = case_file_until(settled, rma in rejected)
        if today <= until:
            reason = CASE_CLAIM if until != add_years(settled, 1) else CASE_FILE
            cases[rma] = Kept(CASE_FILE_WHAT, reason, until)
    case_tickets = {t["ticket_id"]: t["case_id"] for t in tickets if t.get("case_id") in cases}
    return _Holds(contact, cases, case_tickets, frozenset(r for r in rejected if isinstance(r, str)))


def _settled(case: dict[str, Any]) -> date:
    return day_of(case.get("updated_at") or case.get("received_at")) or date.min


def _erase(item: dict[str, Any], name: str, value: Any = ERASED) -> dict[str, Any]:
    """{name: value} when the item still holds something else there; {} when it is already gone."""
    current = item.get(name)
    if current in (None, "") or current == value:
        return {}
    return {name: value}


def plan(
    partition: Sequence[dict[str, Any]], tickets: Sequence[dict[str, Any]], today: date
) -> list[Verdict]:
    """The erasure of one order: a verdict for each item of its partition and each of its tickets that
    holds (or held) personal data. The order's own verdict comes last: its e-mail is how the customer's
    orders are found, so a run that stops half-way can be repeated."""
    order = next(i for i in partition if i.get("sk") == "ORDER")
    number = str(order.get("number") or order_numbers.from_key(order["pk"].removeprefix("ORDER#")))
    holds = _holds(order, partition, tickets, today)
    verdicts: list[Verdict] = []
    for item in partition:
        kind = item.get("type")
        if item is order or kind in NOTHING_PERSONAL:
            continue
        rule = _RULES.get(kind or "")
        verdict = rule(item, number, holds, today) if rule else _unknown(item, number)
        if verdict and (verdict.acts or verdict.kept):
            verdicts.append(verdict)
    verdicts += [v for t in tickets if (v := _ticket(t, number, holds)).acts or v.kept]
    verdicts.append(_order(order, number, holds, today))
    return verdicts


def _order(order: dict[str, Any], number: str, holds: _Holds, today: date) -> Verdict:
    changes: dict[str, Any] = {}
    if order.get("marketing_consent"):
        changes["marketing_consent"] = False  # 4.5: withdrawing consent stops sending at once
    kept: list[Kept] = []
    if holds.contact:
        kept.append(holds.contact)
    else:
        changes |= _erase(order, "customer_name") | _erase(order, "email", "") | _erase(order, "phone", None)
        # the fingerprint of the erased CONTACT digests: the shop's next version writes them anew
        changes |= _erase(order, "contact_mark", None)
        delivery = order.get("delivery") or {}
        changes |= {f"delivery.{k}": None for k in ("address_line", "postcode", "city") if delivery.get(k)}
    # The sale, or a later payment or refund the provider reported (4.8 counts from that tax year).
    moments = (order.get("created_at") or order.get("received_at"), order.get("payment_updated_at"))
    until = tax_hold_until(max((d for m in moments if (d := day_of(m))), default=today))
    if today <= until:
        kept.append(Kept("order number, items, amounts, dates, payment and refund state", ACCOUNTING, until))
    return Verdict(order["pk"], order["sk"], number, f"order {number}", changes, kept=tuple(kept))


def _shipment(item: dict[str, Any], number: str, holds: _Holds, today: date) -> Verdict:
    changes: dict[str, Any] = {"marketing_consent": False} if item.get("marketing_consent") else {}
    kept: tuple[Kept, ...] = ()
    if holds.contact:
        kept = (Kept("e-mail and phone copied from the order", holds.contact.reason),)
    else:
        changes |= _erase(item, "email", None) | _erase(item, "phone", None)
    label = f"shipment {item.get('carrier', '?')} {item.get('tracking_number', '?')}"
    return Verdict(item["pk"], item["sk"], number, label, changes, kept=kept)


RAW_PAYLOAD = ("raw", "raw_z")  # the carrier's payload: as text (older lines) or compressed (store.timeline)


def _timeline(item: dict[str, Any], number: str, holds: _Holds, today: date) -> Verdict | None:
    data = item.get("data") or {}
    held = [name for name in RAW_PAYLOAD if data.get(name)]
    if item.get("kind") != "shipment" or not held:
        return None  # our own texts: no personal data
    label = f"courier event {item.get('at', '')[:10]} {data.get('raw_code', '')}".strip()
    if holds.contact:
        return Verdict(
            item["pk"], item["sk"], number, label, kept=(Kept("courier payload", holds.contact.reason),)
        )
    return Verdict(item["pk"], item["sk"], number, label, {f"data.{name}": None for name in held})


def _case(item: dict[str, Any], number: str, holds: _Holds, today: date) -> Verdict:
    rma = item["case_id"]
    label = f"case {rma}"
    if item.get("status") not in SETTLED_CASE:
        whole = Kept("the whole case file, bank account included", CASE_OPEN.format(rma=rma))
        return Verdict(item["pk"], item["sk"], number, label, kept=(whole,))
    changes = _erase(item, "bank_account", None)  # settled: the refund is made or not owed
    kept: list[Kept] = []
    if rma in holds.cases:
        kept.append(holds.cases[rma])
    else:
        changes |= _erase(item, "description") | _erase(item, "decision_reason")
    if item.get("refund_amount") and rma not in holds.rejected:  # a refund was paid: a tax record
        until = tax_hold_until(_settled(item))
        if today <= until:
            kept.append(Kept("refund amount and reference", ACCOUNTING, until))
    return Verdict(item["pk"], item["sk"], number, label, changes, kept=tuple(kept))


def _message_case(item: dict[str, Any], holds: _Holds) -> str | None:
    """The held case a message belongs to: one of its own messages, or a reply on one of its tickets."""
    kind, _, rest = str(item.get("dedup_key", "")).partition(":")
    ref = rest.split(":", 1)[0]
    if kind == "case" and ref in holds.cases:
        return ref
    if kind == "ticket":
        return holds.case_tickets.get(ref)
    return None


def _message(item: dict[str, Any], number: str, holds: _Holds, today: date) -> Verdict:
    status = item.get("status", "pending")
    label = f"message {item.get('template', '?')} ({status}, {str(item.get('created_at', ''))[:10]})"
    rma = _message_case(item, holds)
    if rma is not None:
        held = holds.cases[rma]
        kept = Kept("recipient, subject, text", ANSWER_COPY.format(rma=rma) + "; " + held.reason, held.until)
        return Verdict(item["pk"], item["sk"], number, label, kept=(kept,))
    if status == "pending":
        if holds.contact:
            kept = Kept("a message still to be sent", holds.contact.reason)
            return Verdict(item["pk"], item["sk"], number, label, kept=(kept,))
        return Verdict(item["pk"], item["sk"], number, label, delete=True)  # never sent: nothing to keep
    changes = (
        _erase(item, "recipient")
        | _erase(item, "subject")
        | _erase(item, "text")
        | _erase(item, "html", None)
    )
    if item.get("blocks"):  # an e-mail stored as the blocks its text and HTML are rendered from
        changes |= {"blocks": None, "text": ERASED}
    return Verdict(item["pk"], item["sk"], number, label, changes)


def _ticket(ticket: dict[str, Any], number: str, holds: _Holds) -> Verdict:
    label = f"ticket {ticket['ticket_id']}"
    pk, sk = ticket.get("pk", f"TICKET#{ticket['ticket_id']}"), ticket.get("sk", "TICKET")
    if ticket.get("status") not in DONE_TICKET:
        return Verdict(pk, sk, number, label, kept=(Kept("subject and notes", TICKET_OPEN),))
    if holds.contact:
        return Verdict(pk, sk, number, label, kept=(Kept("subject and notes", CHATTER_OPEN),))
    changes = _erase(ticket, "subject")
    for index, note in enumerate(ticket.get("notes") or []):
        if note.get("text") not in (None, "", ERASED):
            changes[f"notes[{index}].text"] = ERASED
    return Verdict(pk, sk, number, label, changes)


def _contact(item: dict[str, Any], number: str, holds: _Holds, today: date) -> Verdict:
    """The order's e-mail and phone as digests (what a customer's lookup is compared with): they go with
    the clear values, so an erased address no longer opens the order."""
    label = "contact digests"
    if holds.contact:
        return Verdict(
            item["pk"],
            item["sk"],
            number,
            label,
            kept=(Kept("e-mail and phone digests", holds.contact.reason),),
        )
    changes = {name: None for name in ("email_digest", "phone_digest") if item.get(name)}
    return Verdict(item["pk"], item["sk"], number, label, changes)


def _unknown(item: dict[str, Any], number: str) -> Verdict | None:
    personal = sorted(PERSONAL_KEYS & item.keys())
    if not personal:
        return None
    label = f"{item.get('type') or 'item'} {item['sk']}"
    return Verdict(item["pk"], item["sk"], number, label, kept=(Kept(", ".join(personal), UNKNOWN),))


_RULES = {
    "shipment": _shipment,
    "timeline": _timeline,
    "case": _case,
    "message": _message,
    "contact": _contact,
}
