"""The only code that talks to SES and SNS: hands one rendered message to the right channel."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr
from functools import lru_cache
from typing import Any

from zwrotnica import aws
from zwrotnica.models.outbox import Channel, OutboxMessage
from zwrotnica.settings import get_settings


# A failed send is retried by the sweeper, so fail fast here instead of holding the webhook (aws.MESSAGES).
@lru_cache(maxsize=1)
def ses_client() -> Any:
    return aws.client("sesv2", aws.MESSAGES)


@lru_cache(maxsize=1)
def sns_client() -> Any:
    return aws.client("sns", aws.MESSAGES)


def send(message: OutboxMessage) -> str:
    """Send and return the provider's message id. Raises on any failure; the caller retries."""
    settings = get_settings()
    if message.channel is Channel.EMAIL:
        content: dict[str, Any] = {
            "Subject": {"Data": message.subject or "", "Charset": "UTF-8"},
            "Body": {"Text": {"Data": message.text, "Charset": "UTF-8"}},
        }
        if message.html:
            content["Body"]["Html"] = {"Data": message.html, "Charset": "UTF-8"}
        if message.unsubscribe_url:
            content["Headers"] = unsubscribe_headers(message.unsubscribe_url)
        answer = ses_client().send_email(
            FromEmailAddress=formataddr((settings.shop_name, settings.email_from)),  # quoted, encoded
            Destination={"ToAddresses": [message.recipient]},
            Content={"Simple": content},
        )
        return answer["MessageId"]
    answer = sns_client().publish(
        PhoneNumber=message.recipient,
        Message=message.text,
        MessageAttributes={
            "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"},
            "AWS.SNS.SMS.SenderID": {"DataType": "String", "StringValue": settings.sms_sender_id},
        },
    )
    return answer["MessageId"]


def unsubscribe_headers(url: str) -> list[dict[str, str]]:
    """RFC 2369 `List-Unsubscribe` with our signed HTTPS link, and RFC 8058 `List-Unsubscribe-Post`: a
    mail client's one-click button POSTs `List-Unsubscribe=One-Click` to that link, which withdraws the
    consent by itself. SES v2 takes them in the simple content's `Headers` (printable ASCII values of at
    most 870 characters: our link is ASCII by construction, domain.links)."""
    return [
        {"Name": "List-Unsubscribe", "Value": f"<{url}>"},
        {"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"},
    ]


def send_report(
    recipients: list[str], subject: str, text: str, html: str, attachments: dict[str, tuple[bytes, str]]
) -> str:
    """A team e-mail with attachments (filename -> (bytes, content type)): SES v2 raw content, which needs
    the same `ses:SendEmail` permission as a simple one. Returns SES's message id; raises on failure."""
    settings = get_settings()
    sender_address = formataddr((settings.shop_name, settings.email_from))
    mime = EmailMessage(policy=SMTP)
    mime["Subject"] = subject
    mime["From"] = sender_address
    mime["To"] = ", ".join(recipients)
    mime.set_content(text, cte="base64")
    mime.add_alternative(html, subtype="html", cte="base64")
    for filename, (data, content_type) in attachments.items():
        maintype, _, rest = content_type.partition("/")
        subtype, *params = (p.strip() for p in rest.split(";"))
        extra = dict(p.split("=", 1) for p in params)  # e.g. charset=utf-8
        mime.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename, params=extra)
    answer = ses_client().send_email(
        FromEmailAddress=sender_address,
        Destination={"ToAddresses": recipients},
        Content={"Raw": {"Data": mime.as_bytes()}},
    )
    return answer["MessageId"]


def notify_team(subject: str, text: str, team: str = "all") -> None:
    """Team notifications (digests, escalations) go to one SNS topic; people subscribe by e-mail or a
    chat webhook, each with a filter policy on the `team` attribute if they want only theirs."""
    topic = get_settings().team_topic_arn
    if topic:
        sns_client().publish(
            TopicArn=topic,
            Subject=subject[:100],
            Message=text,
            MessageAttributes={"team": {"DataType": "String", "StringValue": team}},
        )
