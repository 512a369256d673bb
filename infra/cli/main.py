"""`zwrotnica`: the operator CLI for a small team without a helpdesk.

  python -m infra.cli --local tickets list --breached        # against `make run`
  python -m infra.cli --profile shop --stack zwrotnica report weekly --print
  make cli ARGS="tickets show TK-0123456789"

Tickets: list, show, reply (records the reply and e-mails the customer), pending, solve.
Cases: accept (a withdrawal, with a deduction; a complaint, with its remedy), reject (a complaint),
request-goods, transfer (a refund paid by bank transfer, with its date). Report: weekly --print |
--send. Outbox: retry. GDPR: export, erase (RODO art. 15 and 17, by e-mail address). Events: list, show,
replay (what webhooks and carrier polls brought). Stdlib only (argparse).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


def _where(parser: argparse.ArgumentParser, default: object) -> None:
    """Where to work; accepted before or after the command (`tickets list --local`)."""
    group = parser.add_argument_group("where")
    group.add_argument("--local", action="store_true", default=default, help="the stack of `make run`")
    group.add_argument("--profile", default=default, help="AWS profile")
    group.add_argument("--region", default=default, help="AWS region (default: the profile's)")
    group.add_argument("--stack", default=default, help="CloudFormation stack: table, secret, topic from it")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="zwrotnica",
        description="Zwrotnica operator CLI. Say where: --local, or --stack NAME [--profile P] [--region R], "
        "or TABLE_NAME, SECRETS_NAME, TEAM_TOPIC_ARN, EMAIL_FROM, REPORT_EMAIL in the environment.",
    )
    _where(top, None)
    top.set_defaults(local=False)
    where = argparse.ArgumentParser(add_help=False)
    _where(where, argparse.SUPPRESS)  # a leaf's copy must not reset what was given before the command
    commands = top.add_subparsers(dest="group", required=True)

    tickets = commands.add_parser("tickets", help="list, show, reply, pending, solve").add_subparsers(
        dest="command", required=True
    )
    listing = tickets.add_parser(
        "list", parents=[where], help="open tickets (the SLA queue and recent weeks; no Scan)"
    )
    listing.add_argument("--breached", action="store_true", help="only tickets that breached an SLA target")
    listing.add_argument("--team", choices=("customer_service", "logistics", "finance", "it"))
    listing.add_argument("--all", action="store_true", help="solved and closed ones too")
    listing.add_argument("--weeks", type=int, default=8, help="week buckets to read besides the queue (8)")
    listing.set_defaults(run="tickets_list")
    show = tickets.add_parser("show", parents=[where], help="one ticket: fields, SLA clocks, history, notes")
    show.add_argument("id")
    show.set_defaults(run="tickets_show")
    reply = tickets.add_parser(
        "reply", parents=[where], help="record the team's answer and e-mail it to the customer"
    )
    reply.add_argument("id")
    reply.add_argument("--text", required=True, help="the answer in Polish; blank lines separate paragraphs")
    reply.set_defaults(run="tickets_reply")
    pending = tickets.add_parser(
        "pending", parents=[where], help="wait on the customer or a courier (pauses a clock)"
    )
    pending.add_argument("id")
    pending.add_argument("--on", choices=("customer", "courier"), default="customer")
    pending.set_defaults(run="tickets_pending")
    solve = tickets.add_parser("solve", parents=[where], help="solved: the ticket leaves the SLA queue")
    solve.add_argument("id")
    solve.set_defaults(run="tickets_solve")

    cases = commands.add_parser(
        "cases", help="decide on a case: accept, reject (complaints), request-goods, transfer"
    ).add_subparsers(dest="decision", required=True)
    accept = cases.add_parser(
        "accept",
        parents=[where],
        help="accept a withdrawal (optionally with a deduction) or a complaint (with its remedy)",
    )
    accept.add_argument("rma")
    accept.add_argument(
        "--deduction",
        type=int,
        default=0,
        help="withdrawal: grosze deducted for a loss of value (UPK art. 34 ust. 4); needs --reason",
    )
    accept.add_argument(
        "--remedy",
        choices=("repair", "replacement", "price_reduction", "withdrawal"),
        help="complaint: what we do (default: what the customer demanded)",
    )
    accept.add_argument("--amount", type=int, help="complaint: the price reduction or refund in grosze")
    accept.add_argument("--reason", help="for the customer, in Polish: the deduction's reason, or details")
    accept.set_defaults(run="cases_decide")
    reject = cases.add_parser(
        "reject", parents=[where], help="reject a complaint with its reasons (never a withdrawal)"
    )
    reject.add_argument("rma")
    reject.add_argument("--reason", required=True, help="the reasons, for the customer, in Polish")
    reject.set_defaults(run="cases_decide")
    goods = cases.add_parser(
        "request-goods", parents=[where], help="ask for a complaint's goods (the answer clock keeps running)"
    )
    goods.add_argument("rma")
    goods.set_defaults(run="cases_decide")
    transfer = cases.add_parser(
        "transfer", parents=[where], help="confirm the bank transfer of a case's refund, with its date"
    )
    transfer.add_argument("rma")
    transfer.add_argument("--on", required=True, help="the day the transfer was ordered: YYYY-MM-DD")
    transfer.set_defaults(run="cases_transfer")

    report = commands.add_parser("report", help="the weekly report").add_subparsers(
        dest="kind", required=True
    )
    weekly = report.add_parser("weekly", parents=[where], help="last week's report (or --week 2026-W48)")
    mode = weekly.add_mutually_exclusive_group(required=True)
    mode.add_argument("--print", action="store_true", help="print the text part; nothing is sent")
    mode.add_argument("--send", action="store_true", help="e-mail it (once per week) to REPORT_EMAIL or --to")
    weekly.add_argument("--week", help="ISO week in Warsaw time, e.g. 2026-W48 (default: last week)")
    weekly.add_argument("--to", action="append", help="recipient instead of REPORT_EMAIL (repeatable)")
    weekly.add_argument("--csv", help="with --print: also write the CSV attachment to this file")
    weekly.add_argument("--html", help="with --print: also write the HTML e-mail to this file")
    weekly.set_defaults(run="report_weekly")

    outbox = commands.add_parser("outbox", help="customer messages").add_subparsers(
        dest="command", required=True
    )
    retry = outbox.add_parser(
        "retry", parents=[where], help="send the due pending messages now (what the sweeper does)"
    )
    retry.add_argument("--budget", type=int, default=25, help="messages per batch (25)")
    retry.set_defaults(run="outbox_retry")

    gdpr = commands.add_parser("gdpr", help="a customer's data (RODO): export, erase").add_subparsers(
        dest="command", required=True
    )
    export = gdpr.add_parser(
        "export", parents=[where], help="everything about an e-mail address as JSON (scans the table)"
    )
    export.add_argument("email")
    export.add_argument("--out", help="write the JSON to this file instead of printing it")
    export.set_defaults(run="gdpr_export")
    erase = gdpr.add_parser(
        "erase", parents=[where], help="anonymise what the law lets go, list what it keeps and why"
    )
    erase.add_argument("email")
    erase.add_argument("--yes", action="store_true", help="do not ask before erasing")
    erase.set_defaults(run="gdpr_erase")

    events = commands.add_parser(
        "events", help="inbound events (webhooks, carrier polls): list, show, replay"
    ).add_subparsers(dest="command", required=True)
    listing_events = events.add_parser(
        "list", parents=[where], help="an order's, a parcel's, or every event since a time"
    )
    about = listing_events.add_mutually_exclusive_group(required=True)
    about.add_argument("--order", help="the order's events and its parcels'")
    about.add_argument("--parcel", help="CARRIER:NUMBER, e.g. dpd:1000635967411U")
    about.add_argument("--since", help="ISO time, e.g. 2026-11-20T10:00:00Z (one query per day)")
    listing_events.add_argument("--limit", type=int, default=200, help="events per query (200)")
    listing_events.set_defaults(run="events_list")
    show_event = events.add_parser(
        "show", parents=[where], help="one event: verdict, outcome, what it caused"
    )
    show_event.add_argument("id")
    show_event.set_defaults(run="events_show")
    replay = events.add_parser(
        "replay", parents=[where], help="apply a stored event again (a duplicate changes nothing)"
    )
    replay.add_argument("id")
    replay.add_argument(
        "--force", action="store_true", help="also an event that was refused (you vouch for it)"
    )
    replay.set_defaults(run="events_replay")
    return top


def main(argv: list[str] | None = None) -> int:
    """Run one command; everything it prints passes through infra.cli.terminal (no raw outside text)."""
    from infra.cli import terminal

    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = terminal.Safe(out), terminal.Safe(err)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = out, err


def _main(argv: list[str] | None) -> int:
    args = parser().parse_args(argv)
    if str(FUNCTIONS) not in sys.path:
        sys.path.insert(0, str(FUNCTIONS))
    from botocore.exceptions import BotoCoreError, ClientError

    from infra.cli import env

    if not (args.local or args.profile or args.region or args.stack or os.environ.get("TABLE_NAME")):
        print("Where? Pass --local (the stack `make run` started) or --stack NAME [--profile P], or set")
        print("TABLE_NAME (and SECRETS_NAME, TEAM_TOPIC_ARN, EMAIL_FROM, REPORT_EMAIL) in the environment.")
        return 2
    try:
        if args.local:
            env.use_local()
        elif args.profile or args.region or args.stack:
            env.use_aws(args.profile, args.region, args.stack)
        from infra.cli import commands  # after the environment: settings and clients read it once
        from zwrotnica.errors import ZwrotnicaError

        command: Callable[[argparse.Namespace], int] = getattr(commands, args.run)
        try:
            return command(args)
        except ZwrotnicaError as exc:
            print(f"Refused: {exc}", file=sys.stderr)
    except LookupError as exc:
        print(f"Not found: {exc}", file=sys.stderr)
    except ValueError as exc:
        print(f"Refused: {exc}", file=sys.stderr)
    except (BotoCoreError, ClientError) as exc:
        print(f"AWS said no: {exc}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
