"""The operator CLI's commands: each calls one flow and prints what happened (English, Warsaw times).

Imported only after infra.cli.env has pointed the environment at a stack."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from zwrotnica.domain import sla
from zwrotnica.domain.report import parse
from zwrotnica.domain.sla_policy import default_policy
from zwrotnica.domain.weeks import WARSAW, previous_week, week_key, weeks_back
from zwrotnica.flows import tickets
from zwrotnica.messages.charts import text_table
from zwrotnica.models.ticket import TicketCategory, TicketChannel, TicketEvent, TicketPriority
from zwrotnica.store import ticket_queries
from zwrotnica.store import tickets as ticket_store

CLOSED = ("solved", "closed")


def now() -> datetime:
    return datetime.now(UTC)


def local(value: str | None) -> str:
    moment = parse(value)
    return moment.astimezone(WARSAW).strftime("%Y-%m-%d %H:%M") if moment else "-"


def hours(delta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} h"


def tickets_list(args: argparse.Namespace) -> int:
    found = ticket_queries.listed(weeks_back(week_key(now()), args.weeks - 1))
    rows = [
        t
        for t in found
        if (args.all or t.get("status") not in CLOSED)
        and (not args.breached or t.get("breached"))
        and (not args.team or t.get("team") == args.team)
    ]
    rows.sort(key=lambda t: (t.get("due_at") or "9999", t["created_at"]))
    headers = (
        "ticket",
        "status",
        "priority",
        "team",
        "category",
        "channel",
        "order",
        "opened",
        "next SLA step",
    )
    table = [
        (
            t["ticket_id"],
            t.get("status", "-"),
            t.get("priority", "-"),
            t.get("team", "-"),
            t.get("category", "-"),
        )
        + (
            t.get("channel", "-"),
            t.get("order_number") or "-",
            local(t.get("created_at")),
            local(t.get("due_at")),
        )
        + (("BREACHED",) if t.get("breached") else ("",))
        for t in rows
    ]
    print(text_table((*headers, ""), table, numbers=False) if table else "No tickets match.")
    print(f"\n{len(rows)} ticket(s): the SLA queue and tickets opened in the last {args.weeks} week(s).")
    return 0


def tickets_show(args: argparse.Namespace) -> int:
    t = ticket_store.get(args.id)
    if t is None:
        print(f"No ticket {args.id}.")
        return 1
    fields = [
        ("status", t.get("status")),
        ("priority", f"{t['priority']} (SLA targets as {t.get('sla_priority', t['priority'])})"),
        ("team / category", f"{t['team']} / {t['category']}"),
        ("channel", t["channel"]),
        ("order / case", f"{t.get('order_number') or '-'} / {t.get('case_id') or '-'}"),
        ("subject", t.get("subject")),
        ("opened", local(t.get("created_at"))),
        ("next SLA step", local(t.get("due_at"))),
        ("breached", "yes" if t.get("breached") else "no"),
        ("escalations", ", ".join(sorted(t.get("escalations", ()))) or "-"),
        ("legal deadline", local(t.get("legal_deadline"))),
    ]
    print(f"Ticket {t['ticket_id']}")
    for key, value in fields:
        print(f"  {key:<16}{value if value is not None else '-'}")
    print("\nSLA clocks (business time so far / target):")
    print(_clocks(t))
    print("\nHistory:")
    for event in t.get("history", []):
        status = f" -> {event['status']}" if event.get("status") else ""
        print(f"  {local(event['at'])}  {event['kind']}{status}")
    print("\nNotes:")
    for note in t.get("notes", []):
        print(f"  {local(note['at'])}  {note['text']}")
    return 0


def _clocks(t: dict) -> str:
    policy = default_policy()
    targets = policy.targets_for(
        TicketChannel(t["channel"]),
        TicketCategory(t["category"]),
        TicketPriority(t.get("sla_priority", t["priority"])),
    )
    history = [TicketEvent.model_validate(e) for e in t.get("history", [])]
    clocks = sla.clocks(history, targets, policy.calendars(targets), policy.escalation, now())
    rows = [
        (
            c.metric,
            hours(c.elapsed),
            f"{hours(c.target)} {'business' if targets.business_hours(c.metric) else 'calendar'}",
            "paused" if c.paused else "running" if c.running else "stopped",
        )
        for c in clocks
    ]
    return text_table(("clock", "elapsed", "target", "state"), rows, numbers=False)


def _run(use_case):
    """A team action as a use case: decided, committed, then what follows (e-mails, commands)."""
    from zwrotnica.context import Context
    from zwrotnica.dispatch import bus

    ctx = Context.build(now())
    return bus.run(lambda fresh: use_case(ctx, fresh), ctx)


def tickets_reply(args: argparse.Namespace) -> int:
    result = _run(lambda ctx, fresh: tickets.reply(args.id, args.text, ctx, fresh)).data["reply"]
    kind = "first reply" if result.first else "next reply"
    print(f"{args.id}: {kind} recorded.")
    print(
        "E-mail to the customer sent (or queued for retry)."
        if result.emailed
        else f"No e-mail: {result.why_not}."
    )
    return 0


def tickets_pending(args: argparse.Namespace) -> int:
    status = _run(lambda ctx, fresh: tickets.pending(args.id, args.on, ctx, fresh)).data["status"]
    print(
        f"{args.id}: {status.value} (the {'reply' if args.on == 'customer' else 'resolution'} clock pauses)."
    )
    return 0


def tickets_solve(args: argparse.Namespace) -> int:
    _run(lambda ctx, fresh: tickets.solve(args.id, ctx, fresh))
    print(f"{args.id}: solved; it left the SLA queue.")
    return 0


def report_weekly(args: argparse.Namespace) -> int:
    from zwrotnica.flows import report

    week = args.week or previous_week(now())
    if args.send:
        result = report.send_weekly(now(), week=week, to=args.to or None)
        if result["sent"]:
            print(f"Weekly report {week} sent ({result['message_id']}).")
        elif result["reason"] == "already_sent":
            print(f"Weekly report {week} was already sent (or is being sent): nothing sent.")
        else:
            print("Not sent: no recipients (set REPORT_EMAIL or pass --to).")
        return 0
    content = report.render_weekly(week, now())
    print(content.text)
    for path, data in ((args.csv, content.csv), (args.html, content.html.encode())):
        if path:
            Path(path).write_bytes(data)
            print(f"\nWritten: {path}")
    return 0


def outbox_retry(args: argparse.Namespace) -> int:
    from zwrotnica.context import Context
    from zwrotnica.dispatch import bus

    totals = {"sent": 0, "failed": 0, "given_up": 0}
    more = True
    while more:
        result, more = bus.retry_messages(Context.build(now()), args.budget)
        for key in totals:
            totals[key] += getattr(result, key)
        more = more and (result.sent + result.failed + result.given_up) > 0
    sent, failed, given_up = totals.values()
    print(f"Outbox: {sent} sent, {failed} failed (will retry), {given_up} given up.")
    return 0


VERDICTS = {"accept": "accept", "reject": "reject", "request-goods": "request_goods"}


def cases_decide(args: argparse.Namespace) -> int:
    from zwrotnica.flows import cases
    from zwrotnica.models.case import CaseDecision
    from zwrotnica.store import cases as case_store

    fields = {
        "verdict": VERDICTS[args.decision],
        "deduction": getattr(args, "deduction", 0) or 0,
        "reason": getattr(args, "reason", None),
        "remedy": getattr(args, "remedy", None),
        "amount": getattr(args, "amount", None),
    }
    decision = CaseDecision.model_validate({k: v for k, v in fields.items() if v is not None})
    _run(lambda ctx, fresh: cases.decide(args.rma, decision, ctx, fresh))
    status = (case_store.get(args.rma) or {}).get("status", "?")
    print(f"{args.rma}: {status}; the customer was e-mailed.")
    return 0


def cases_transfer(args: argparse.Namespace) -> int:
    from datetime import date

    from zwrotnica.flows import refunds
    from zwrotnica.store import cases as case_store

    on = date.fromisoformat(args.on)
    _run(lambda ctx, fresh: refunds.confirm_transfer(args.rma, on, ctx, fresh))
    status = (case_store.get(args.rma) or {}).get("status", "?")
    print(f"{args.rma}: {status}; transfer of {on.isoformat()} recorded, the finance ticket solved.")
    return 0


def gdpr_export(args: argparse.Namespace) -> int:
    """The JSON goes to stdout (or --out); what was found goes to stderr, so the JSON pipes clean."""
    import json
    import sys

    from zwrotnica.flows import gdpr

    document = gdpr.export(args.email, now())
    text = json.dumps(document, ensure_ascii=False, indent=2)
    summary = (
        f"{len(document['orders'])} order(s), {len(document['tickets'])} ticket(s) for the address given; "
        "personal data in clear: for the data subject only (answer within a month, RODO art. 12(3))."
    )
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
        print(f"{summary}\nWritten: {args.out}")
    else:
        print(text)
        print(summary, file=sys.stderr)
    return 0


def _verdict_rows(verdicts, what) -> list[tuple[str, str, str]]:
    return [(v.order_number, v.label, what(v)) for v in verdicts]


def _changes(verdict) -> str:
    if verdict.delete:
        return "delete (never sent)"
    return "erase " + ", ".join(sorted({path.split(".")[0].split("[")[0] for path in verdict.changes}))


def _kept_table(verdicts) -> str:
    """What stays, with the reasons as numbered notes under the table (they are long and repeat)."""
    reasons: dict[str, int] = {}
    rows = [
        (
            v.order_number,
            v.label,
            k.what,
            k.until_label,
            f"[{reasons.setdefault(k.reason, len(reasons) + 1)}]",
        )
        for v in verdicts
        for k in v.kept
    ]
    notes = "\n".join(f"  [{n}] {reason}" for reason, n in reasons.items())
    return text_table(("order", "item", "kept", "until", "why"), rows, numbers=False) + "\n\nWhy:\n" + notes


def gdpr_erase(args: argparse.Namespace) -> int:
    """Shows the plan (only this address's orders and tickets), asks unless --yes, then erases."""
    from zwrotnica.flows import gdpr

    plan = gdpr.plan_erasure(args.email, now())
    if not plan.orders:
        print(f"No order has that e-mail address ({plan.scanned} items scanned): nothing to erase.")
        return 0
    print(f"Orders with that address: {', '.join(plan.orders)}; tickets on them: {len(plan.tickets)}.")
    acting = _verdict_rows(plan.acting, _changes)
    print("\nTo erase:")
    print(text_table(("order", "item", "change"), acting, numbers=False) if acting else "  nothing")
    print("\nKept (the law or an open order/case needs it):")
    print(_kept_table(plan.keeping) if plan.keeping else "  nothing")
    if not acting:
        print("\nNothing to erase now.")
        return 0
    if not args.yes:
        try:
            answer = input("\nErase now? Type 'yes' to go on: ")
        except EOFError:
            answer = ""
        if answer.strip().lower() != "yes":
            print("Nothing changed.")
            return 1
    result = gdpr.apply_erasure(plan)
    done = len(result.anonymised), len(result.deleted), len(result.kept)
    print("\nDone: {} item(s) anonymised, {} deleted, {} keep something (listed above).".format(*done))
    if result.changed_meanwhile:
        print(f"{len(result.changed_meanwhile)} item(s) changed meanwhile (sent or gone): run erase again.")
    print("Erase the customer in the shop too: its next update of an order would write the data back.")
    return 0


# --- Inbound events (issue 18): what each webhook or carrier poll brought, and replaying one ----------------


ABOUT = {"SHIP": "parcel", "ORDER": "order", "PAY": "payment"}


def _event_rows(found: list[dict]) -> list[tuple[str, ...]]:
    rows = []
    for e in sorted(found, key=lambda e: e["id"]):
        kind, _, ref = e.get("gsi1pk", "").removeprefix("INBOUND#").partition("#")
        about = f"{ABOUT.get(kind, kind)} {ref.replace('#', ' ')}" if ref else "-"
        rows.append(
            (
                e["id"],
                local(e.get("received_at")),
                f"{e['source']} ({e['channel']})",
                e.get("verdict", "-"),
                e.get("outcome", "-"),
                e.get("order_number") or "-",
                about,
                str(len(e.get("caused") or ())),
            )
        )
    return rows


def events_list(args: argparse.Namespace) -> int:
    """By order (its own events and its parcels'), by parcel, or since a time (one Query per day)."""
    from zwrotnica.store import inbound
    from zwrotnica.store import orders as order_store

    if args.order:
        found = inbound.by_lookup(inbound.order_lookup(args.order), args.limit)
        view = order_store.load_view(args.order)
        for parcel in view.shipments if view else []:
            lookup = inbound.parcel_lookup(parcel["carrier"], parcel["tracking_number"])
            found += inbound.by_lookup(lookup, args.limit)
        what = f"order {args.order}"
    elif args.parcel:
        carrier, _, number = args.parcel.partition(":")
        if not number:
            raise ValueError("--parcel CARRIER:NUMBER, e.g. dpd:1000635967411U")
        found, what = inbound.by_lookup(inbound.parcel_lookup(carrier, number), args.limit), args.parcel
    else:
        since = parse(args.since)
        if since is None:
            raise ValueError("--since takes an ISO time, e.g. 2026-11-20T10:00:00Z")
        found, what = inbound.since(since, now(), args.limit), f"since {local(args.since)}"
    headers = ("id", "received", "source", "verdict", "outcome", "order", "about", "caused")
    unique = list({e["id"]: e for e in found}.values())
    print(text_table(headers, _event_rows(unique), numbers=False) if unique else f"No events for {what}.")
    if unique:
        print(f"\n{len(unique)} event(s) for {what}: `events show ID` for one, `events replay ID` again.")
    return 0


def events_show(args: argparse.Namespace) -> int:
    import json

    from zwrotnica.store import inbound

    item = inbound.get(args.id)
    if item is None:
        raise LookupError(f"no event {args.id} (events are kept INBOUND_LOG_DAYS days)")
    shown = {k: v for k, v in sorted(item.items()) if k not in ("pk", "sk", "gsi1sk", "type")}
    for key in ("event",):
        if isinstance(shown.get(key), str):
            shown[key] = json.loads(shown[key])
    print(json.dumps(shown, ensure_ascii=False, indent=2, default=str))
    return 0


def events_replay(args: argparse.Namespace) -> int:
    """Through the normal path: an event applied before is a duplicate and changes nothing."""
    from zwrotnica.context import Context
    from zwrotnica.dispatch import inbound as inbound_dispatch
    from zwrotnica.store import inbound

    item = inbound.get(args.id)
    if item is None:
        raise LookupError(f"no event {args.id}")
    ctx = Context.build(now())
    try:
        done = inbound_dispatch.replay(item, ctx, force=args.force)
    except inbound_dispatch.NotReplayable as exc:
        print(f"Not replayed: {exc}.")
        return 1
    if not done.changed:
        print(
            f"{args.id}: nothing changed (outcome {done.effect.outcome}: applied before, or nothing to do)."
        )
    else:
        print(f"{args.id}: replayed, outcome {done.effect.outcome}.")
        for line in inbound_dispatch.caused(done.effect):
            if not line.startswith("timeline:") or "shipment" in line:
                print(f"  {line}")
    return 0
