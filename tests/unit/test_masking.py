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
