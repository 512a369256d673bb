"""No personal data in logs: masked by key and by pattern before a line is written."""

from __future__ import annotations

import json
import logging

from zwrotnica.observability import MASK, MaskingFormatter, mask


def test_mask_by_key_and_by_pattern():
    data = {
        "email": "a@b.pl",
        "order_number": "1001",
        "note": "call +48 600 700 800 or jan@example.com",
        "nested": [{"phone": "600700800"}],
        "iban": "PL61109010140000071219812874",
        "count": 3,
    }
    assert mask(data) == {
        "email": MASK,
        "order_number": "1001",
        "note": f"call {MASK} or {MASK}",
        "nested": [{"phone": MASK}],
        "iban": MASK,
        "count": 3,
    }


def test_formatter_masks_message_and_extra_but_keeps_the_context():
    formatter = MaskingFormatter()
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "sending to anna.kowalska@example.com", None, None
    )
    record.recipient = "+48600100200"
    record.order_number = "1001"
    line = json.loads(formatter.format(record))
    assert line["message"] == f"sending to {MASK}"
    assert line["recipient"] == MASK and line["order_number"] == "1001" and line["level"] == "INFO"


def test_mask_url_masks_query_values_by_key_and_pattern_and_named_path_parameters():
    from zwrotnica.observability import mask_url

    status = "/orders/ZW1001/status?email=anna.kowalska%40example.com&phone=%2B48600100200&t=eyJvIjoxfQ.c2ln"
    assert mask_url(status) == "/orders/ZW1001/status?email=***&phone=***&t=***"
    assert (
        mask_url("/returns?order=ZW1001&note=dzwo%C5%84+600+700+800")
        == "/returns?order=ZW1001&note=dzwo%C5%84+***"
    )
    inpost = "/webhooks/couriers/inpost/Xy7kQ2pLm9"
    assert mask_url(inpost, {"token": "Xy7kQ2pLm9"}) == "/webhooks/couriers/inpost/***"
    assert mask_url("/webhooks/couriers/aftership", {"source": "aftership"}) == "/webhooks/couriers/aftership"
    assert mask_url("/orders/jan%40example.com/status") == "/orders/***/status"


def test_the_local_stack_access_log_prints_no_personal_data_or_tokens(capsys):
    from types import SimpleNamespace

    from infra import template
    from infra.local.run import make_handler

    handler = make_handler(template.routes(), "ZwrotnicaTable")
    requests = [
        ("GET", "/orders/ZW1001/status?email=anna.kowalska%40example.com&phone=600100200"),
        ("GET", "/orders/ZW1001/status?t=eyJvIjoxfQ.c2lnbmF0dXJl"),
        ("POST", "/webhooks/couriers/inpost/Xy7kQ2pLm9"),
    ]
    for method, path in requests:
        handler.log_message(SimpleNamespace(command=method, path=path), '"%s" %s %s', "req", "200", "-")
    log = capsys.readouterr().err
    for secret in ("anna.kowalska", "example.com", "600100200", "eyJvIjoxfQ", "Xy7kQ2pLm9"):
        assert secret not in log
    assert "GET /orders/ZW1001/status?email=***&phone=*** -> 200" in log
    assert "POST /webhooks/couriers/inpost/*** -> 200" in log
