"""Shared test setup. Unit tests need no AWS; integration tests get moto from tests/integration."""

from __future__ import annotations

import os

# Before any boto3 client exists: a region and dummy credentials, never a real account.
os.environ.update(
    {
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_REGION": "eu-central-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "POWERTOOLS_METRICS_NAMESPACE": "Zwrotnica",
        "POWERTOOLS_SERVICE_NAME": "tests",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("AWS_PROFILE", None)
