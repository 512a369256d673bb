"""One moto for the whole session, reset between tests (a fresh mock per test costs ~150 ms)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_api._internal.models import moto_api_backend

from infra import template
from infra.local import bootstrap
from tests.factories import lambda_context
from tests.integration import browser as browser_setup

REGION = "eu-central-1"


@pytest.fixture(scope="session")
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def fresh_resources() -> dict[str, str]:
    """Empty moto, then create what template.yaml declares; logical id -> local name or ARN."""
    from aws_lambda_powertools.utilities import parameters

    moto_api_backend.reset()
    parameters.clear_caches()
    return bootstrap.bootstrap(REGION)


@pytest.fixture
def stack(aws: None) -> Iterator[dict[str, str]]:
    """Fresh resources from template.yaml, and the function environment the template declares."""
    resolved = fresh_resources()
    env = template.environment(resolved) | {"PUBLIC_BASE_URL": "https://sklep.example.com/api"}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    from zwrotnica.settings import get_settings

    get_settings.cache_clear()
    from zwrotnica.store import attempts

    attempts.forget()  # lookups this container saw over their limit belong to the previous table
    yield resolved
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()


@pytest.fixture
def context() -> Any:
    return lambda_context("test")


class Sent:
    """What reached SES and SNS in moto."""

    @property
    def emails(self) -> list[Any]:
        from moto.ses.models import ses_backends

        return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)

    @property
    def sms(self) -> list[tuple[str, str]]:
        from moto.sns.models import sns_backends

        return [
            (phone, text)
            for phone, text, *_ in sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values()
        ]


@pytest.fixture
def sent(stack: dict[str, str]) -> Sent:
    return Sent()


@pytest.fixture
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=browser_setup.CHROMIUM, headless=True, args=browser_setup.FLAGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def carriers(stack: dict[str, str]) -> Iterator[object]:
    """ShipX's tracking read and InPost's points API as mock transports (status_scenarios.Carriers)."""
    from tests.integration.status_scenarios import Carriers

    fake = Carriers()
    fake.install()
    yield fake
    fake.uninstall()


@pytest.fixture
def team_site(stack: dict[str, str], carriers: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The local gateway with a team allow-list, on `localhost` (a secure context: the dashboard's Secure
    session cookie is kept over plain HTTP, as browsers do for localhost)."""
    monkeypatch.setenv("TEAM_ALLOWED_EMAILS", "ola@sklep.example.com, @magazyn.example.com")
    from zwrotnica.settings import get_settings

    get_settings.cache_clear()
    with browser_setup.serving() as base:
        yield base.replace("127.0.0.1", "localhost")
    get_settings.cache_clear()


@pytest.fixture
def faults(stack: dict[str, str]) -> Iterator[object]:
    """AWS faults through botocore hooks on the project's cached clients (tests/integration/faults.py),
    removed after the test."""
    from tests.integration.faults import Faults

    injected = Faults()
    yield injected
    injected.undo()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> object:
    """The edges' and the sweeper's `datetime.now`, frozen at faults.START and moved by the test."""
    import importlib

    from tests.integration.faults import FROZEN, START, Clock, frozen_datetime

    frozen = Clock(START)
    for name in FROZEN:
        monkeypatch.setattr(importlib.import_module(name), "datetime", frozen_datetime(frozen))
    return frozen
