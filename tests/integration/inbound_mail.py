"""Inbound e-mail as the tests drive it: store a raw message as SES's S3 action does and invoke the
function with the Lambda action's documented event (inbound-email.md §1.5); orders made through the
shop's webhook; what SES was asked to send, read from the SendEmail request (`ses` fixture, conftest)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import boto3

from inbound_email import app
from infra.local.bootstrap import DEV_SECRETS
from tests.factories import load_event
from tests.integration.status_scenarios import _order, push_inpost
from zwrotnica.store import tickets as ticket_store
from zwrotnica.store.table import client, from_item, to_item

EMAIL = Path(__file__).parents[1] / "events" / "email"
EVENT = json.loads((EMAIL / "ses_lambda_event.json").read_text())
BUCKET = "inboundmailbucket"  # InboundMailBucket, as the local stack names it
DOMAIN = "zwrotnica.example"
INBOX = f"pomoc@{DOMAIN}"
KEY = DEV_SECRETS["link_signing_key"]
ANNA = "anna.kowalska@example.com"


class Ses:
    """The SendEmail requests our sender made (as SES receives them), newest last."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    def __call__(self, params: dict[str, Any], **_: Any) -> None:
        self.requests.append(copy.deepcopy(params))

    def headers(self, n: int = -1) -> dict[str, str]:
        simple = self.requests[n]["Content"]["Simple"]
        return {h["Name"]: h["Value"] for h in simple.get("Headers", [])}

    def text(self, n: int = -1) -> str:
        return self.requests[n]["Content"]["Simple"]["Body"]["Text"]["Data"]

    def subject(self, n: int = -1) -> str:
        return self.requests[n]["Content"]["Simple"]["Subject"]["Data"]

    def to(self, n: int = -1) -> list[str]:
        return self.requests[n]["Destination"]["ToAddresses"]


def receive(
    raw: bytes,
    context: Any,
    message_id: str = "0107019a-inbound-0001",
    at: datetime | None = None,
    recipients: tuple[str, ...] = (INBOX,),
    **verdicts: str,
) -> dict[str, Any]:
    """Store `raw` as SES's S3 action does, then invoke the function with the documented event."""
    boto3.client("s3", region_name="eu-central-1").put_object(
        Bucket=BUCKET, Key=f"inbound/{message_id}", Body=raw
    )
    event = copy.deepcopy(EVENT)
    record = event["Records"][0]["ses"]
    record["mail"]["messageId"] = message_id
    stamp = (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    record["mail"]["timestamp"] = record["receipt"]["timestamp"] = stamp
    record["receipt"]["recipients"] = list(recipients)
    # The envelope sender is the From address (SPF passes for it, as for a customer's own provider)
    record["mail"]["source"] = (
        BytesHeaderParser(policy=policy.default).parsebytes(raw)["From"].addresses[0].addr_spec
    )
    for name, status in verdicts.items():
        if name == "dmarc_policy":
            record["receipt"]["dmarcPolicy"] = status
        else:
            record["receipt"][f"{name}Verdict"] = {"status": status}
    (result,) = app.lambda_handler(event, context)["results"]
    return result


def mail(
    text: str,
    subject: str = "Gdzie jest moja paczka?",
    sender_address: str = ANNA,
    to: str = INBOX,
    message_id: str = "<q1@poczta.example.pl>",
    **headers: str,
) -> bytes:
    message = EmailMessage()
    message["From"] = f"Anna Kowalska <{sender_address}>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["Date"] = "Mon, 07 Dec 2026 09:02:07 +0100"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message.as_bytes()


def shop_order(
    context: Any, carriers: Any, number: str, email: str = ANNA, parcel: str | None = None
) -> None:
    """The order through WooCommerce's webhook; its InPost parcel picked up by the courier an hour ago."""
    billing = load_event("woocommerce/order_created.json")["billing"] | {"email": email}
    _order(context, number, tracking=[("InPost", parcel)] if parcel else [], billing=billing)
    if parcel:
        push_inpost(context, carriers, parcel, "taken_by_courier", datetime.now(UTC) - timedelta(hours=1))


def ticket_messages(ticket_id: str) -> list[dict[str, Any]]:
    return ticket_store.conversation(ticket_id)[1]


def item(pk: str, sk: str) -> dict[str, Any] | None:
    found = client().get_item(TableName="ZwrotnicaTable", Key=to_item({"pk": pk, "sk": sk})).get("Item")
    return from_item(found) if found else None
