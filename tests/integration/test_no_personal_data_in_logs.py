"""Every log line of an order's whole life, captured: no e-mail, phone, name, address or account in clear."""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from order_status.app import lambda_handler as orders
from return_form.app import lambda_handler as returns_app
from sla_sweeper.app import lambda_handler as sweeper
from tests import usecases
from tests.factories import api_event, sweeper_context, woo_order, woo_webhook
from zwrotnica.observability import logger

pytestmark = pytest.mark.integration
PERSONAL = [
    "anna.kowalska@example.com",
    "600100200",
    "600 100 200",
    "Anna",
    "Kowalska",
    "Testowa",
    "30-001",
    "61109010140000071219812874",
    "1090 1014",
]


def test_a_whole_order_life_logs_no_personal_data(stack, context):
    # The same formatter the Lambda output uses, into a buffer we can read.
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)  # the most talkative level, so nothing hides below the threshold
    try:
        orders(woo_webhook(woo_order("1001", payment_method="cod")), context)
        orders(api_event("GET", "/orders/1001/status", query="email=anna.kowalska%40example.com"), context)
        orders(api_event("GET", "/orders/1001/status", query="phone=600100200"), context)
        orders(api_event("GET", "/orders/1001/status", query="email=wrong%40example.com"), context)
        body = json.dumps(
            {
                "order_number": "1001",
                "email": "anna.kowalska@example.com",
                "items": {"CZAPKA-WEL": 1},
                "kind": "withdrawal",
                "return_method": "paczkomat",
                "submission_key": "pii-test-1",
                "bank_account": "PL61 1090 1014 0000 0712 1981 2874",
            }
        )
        created = returns_app(
            api_event("POST", "/returns", body=body, headers={"content-type": "application/json"}), context
        )
        rma = json.loads(created["body"])["case_id"]
        now = datetime.now(UTC)
        usecases.on_return_parcel("1001", delivered=True, now=now, base_url="https://x")
        usecases.decide(rma, {"verdict": "accept"}, now, "https://x")
        usecases.confirm_transfer(rma, now.astimezone(ZoneInfo("Europe/Warsaw")).date(), now, "https://x")
        sweeper({"source": "aws.scheduler"}, sweeper_context())
    finally:
        logger.setLevel(logging.INFO)
        logger.removeHandler(handler)
    lines = buffer.getvalue().splitlines()
    assert len(lines) >= 8, "the flow should have logged"
    leaks = [(word, line) for line in lines for word in PERSONAL if word in line]
    assert leaks == []
