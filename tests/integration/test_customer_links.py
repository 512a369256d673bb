"""Links customers get (issue 12): they point where configuration says, never where a request's Host
says (defect 6), and a return label's link works for the 7 days its e-mail promises, whatever AWS
credentials were around when it was made (defect 5)."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from order_status.app import lambda_handler as orders
from return_form.app import lambda_handler as returns_app
from team_dashboard.app import lambda_handler as team_app
from tests.factories import DEV_SECRETS, api_event, woo_order, woo_webhook
from zwrotnica.domain import links
from zwrotnica.store import cases

pytestmark = pytest.mark.integration
ANNA = "anna.kowalska@example.com"
ATTACKER = "attacker.example"
KEY = DEV_SECRETS["link_signing_key"]


def forged(event: dict) -> dict:
    """The same request with the Host (and every header a proxy might trust) naming someone else."""
    event["headers"] |= {"host": ATTACKER, "x-forwarded-host": ATTACKER, "forwarded": f"host={ATTACKER}"}
    event["requestContext"]["domainName"] = ATTACKER
    event["requestContext"]["domainPrefix"] = "attacker"
    return event


def submission(number: str = "1001", key: str = "links-0001") -> dict:
    body = {
        "order_number": number,
        "email": ANNA,
        "items": {"CZAPKA-WEL": 1},
        "kind": "withdrawal",
        "return_method": "paczkomat",
        "submission_key": key,
    }
    return api_event("POST", "/returns", body=json.dumps(body), headers={"content-type": "application/json"})


@pytest.fixture
def no_public_base_url(stack, monkeypatch):
    """The template's default: PublicBaseUrl empty. The API's own URL is what the stack wrote to SSM."""
    from zwrotnica.settings import get_settings

    monkeypatch.setenv("PUBLIC_BASE_URL", "")
    monkeypatch.setenv("TEAM_ALLOWED_EMAILS", "ola@sklep.example.com")
    get_settings.cache_clear()
    name = stack["ApiUrlParameter"]
    yield boto3.client("ssm").get_parameter(Name=name)["Parameter"]["Value"]
    get_settings.cache_clear()


def test_a_forged_host_never_decides_where_customer_links_point(no_public_base_url, context, sent):
    api = no_public_base_url
    assert api.startswith("https://") and ATTACKER not in api
    # The order's e-mail (shop webhook), the JSON answer of the return form and its label e-mail
    assert orders(forged(woo_webhook(woo_order("1001"))), context)["statusCode"] == 200
    opened = returns_app(forged(submission()), context)
    assert opened["statusCode"] == 201, opened["body"]
    answer = json.loads(opened["body"])
    assert answer["status_url"].startswith(f"{api}/orders/1001/status?t=")
    bodies = [mail.body for mail in sent.emails]
    assert any(f"{api}/orders/1001/status?t=" in body for body in bodies)
    assert any(f"{api}/labels/{answer['case_id']}?t=" in body for body in bodies)
    # The status page's link to the return form
    token = links.make_token(KEY, "1001", datetime.now(UTC), timedelta(days=1))
    page = orders(
        forged(api_event("GET", "/orders/1001/status", query=f"t={token}", headers={"accept": "text/html"})),
        context,
    )
    assert page["statusCode"] == 200 and f'href="{api}/returns?order=1001' in page["body"]
    # The team's sign-in link
    asked = team_app(
        forged(
            api_event(
                "POST",
                "/team/login",
                body="email=ola%40sklep.example.com",
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
        ),
        context,
    )
    assert asked["statusCode"] == 200
    assert f"{api}/team/login?n=" in sent.emails[-1].body
    # And nothing anywhere names the forged host
    assert all(ATTACKER not in mail.body for mail in sent.emails)
    assert ATTACKER not in opened["body"] and ATTACKER not in page["body"]


def test_a_configured_public_base_url_wins(stack, context, sent):
    # The stack fixture sets PUBLIC_BASE_URL (a custom domain)
    assert orders(forged(woo_webhook(woo_order("1001"))), context)["statusCode"] == 200
    assert "https://sklep.example.com/api/orders/1001/status?t=" in sent.emails[-1].body


def test_a_marketing_e_mails_unsubscribe_link_ignores_a_forged_host(
    no_public_base_url, context, sent, monkeypatch
):
    """The one-click unsubscribe link (RFC 8058) of a marketing e-mail made while a webhook with a forged
    Host is answered points at the configured URL like every other link."""
    from courier_webhook.app import lambda_handler as couriers
    from tests.factories import tracking_webhook, woo_order_shipped
    from zwrotnica.settings import get_settings
    from zwrotnica.store import outbox

    api = no_public_base_url
    monkeypatch.setenv("GOODWILL_CODE", "PRZEPRASZAMY10")  # a delay brings a goodwill code (marketing)
    get_settings.cache_clear()
    order = woo_order_shipped("3003", "00340434161094042557", "DHL")
    order["meta_data"].append({"key": "_marketing_consent", "value": "yes"})
    assert orders(forged(woo_webhook(order)), context)["statusCode"] == 200
    data = {"carrier": "dhl", "tracking_number": "00340434161094042557", "status": "DELAYED"}
    data |= {"raw_code": "delay", "occurred_at": datetime.now(UTC).isoformat()}
    assert couriers(forged(tracking_webhook(data, msg_id="trk_forged_1")), context)["statusCode"] == 200
    [goodwill] = [m for m in outbox.list_for_order("3003") if m.kind == "marketing"]
    assert goodwill.unsubscribe_url.startswith(f"{api}/orders/3003/unsubscribe?t=")
    assert all(ATTACKER not in mail.body for mail in sent.emails)


def test_link_tokens_open_only_their_own_purpose_unsubscribe_included(stack, context):
    """A status, label or return-form token (or a bare-number one from before issue 12) withdraws no
    consent, and the unsubscribe token, valid for years, opens no status page."""
    from zwrotnica.store import orders as order_store

    assert orders(woo_webhook(woo_order("1001")), context)["statusCode"] == 200
    now = datetime.now(UTC)
    unsubscribe = links.make_token(KEY, links.unsubscribe_scope("1001"), now, timedelta(days=1))
    others = [
        links.make_token(KEY, purpose, now, timedelta(days=1))
        for purpose in ("status:1001", "1001", "label:1001", "returns:1001", "form:1001")
    ]
    for token in others:
        for method in ("GET", "POST"):
            event = api_event(method, "/orders/1001/unsubscribe", query=f"t={token}")
            assert orders(event, context)["statusCode"] == 404, (method, token)
    assert "marketing_withdrawn_at" not in order_store.load_view("1001").order
    status = orders(api_event("GET", "/orders/1001/status", query=f"t={unsubscribe}"), context)
    assert status["statusCode"] == 404
    page = orders(api_event("GET", "/orders/1001/unsubscribe", query=f"t={unsubscribe}"), context)
    assert page["statusCode"] == 200


# --- the return label's own link -------------------------------------------------------------------------
def label_link(sent, rma: str) -> tuple[str, str]:
    mail = next(m for m in sent.emails if m.subject == f"Zgłoszenie nr {rma}: instrukcja odesłania paczki")
    url = re.search(r"https://\S+/labels/" + re.escape(rma) + r"\?t=[A-Za-z0-9._-]+", mail.body).group()
    return url, parse_qs(urlsplit(url).query)["t"][0]


def download(context, rma: str, token: str, at: datetime, accept: str = "text/html") -> dict:
    import return_form.app

    class Then(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return at.astimezone(tz) if tz else at.replace(tzinfo=None)

    original = return_form.app.datetime
    return_form.app.datetime = Then
    try:
        event = api_event("GET", f"/labels/{rma}", query=f"t={token}", headers={"accept": accept})
        return returns_app(event, context)
    finally:
        return_form.app.datetime = original


@pytest.fixture
def case_with_label(stack, context, sent) -> str:
    assert orders(woo_webhook(woo_order("1001")), context)["statusCode"] == 200
    opened = returns_app(submission(), context)
    assert opened["statusCode"] == 201, opened["body"]
    return json.loads(opened["body"])["case_id"]


def test_the_label_link_outlives_the_lambdas_credentials(case_with_label, context, sent, monkeypatch):
    rma = case_with_label
    url, token = label_link(sent, rma)
    assert "X-Amz-" not in url  # no S3 pre-signed URL: it would die with the function's credentials
    stored = (
        boto3.client("s3").get_object(Bucket="labelsbucket", Key=cases.get(rma)["label_key"])["Body"].read()
    )
    # Three days later: the temporary credentials that were around when the e-mail went out are long gone
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIAROTATEDLATER0001")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "rotated-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "rotated-session-token")
    from zwrotnica.store import labels

    labels.s3_client.cache_clear()
    answer = download(context, rma, token, datetime.now(UTC) + timedelta(days=3))
    # Then the link still gives the PDF, as a download
    assert answer["statusCode"] == 200, answer["body"][:300]
    assert answer["headers"]["Content-Type"] == "application/pdf"
    assert answer["headers"]["Content-Disposition"] == f'attachment; filename="{rma}.pdf"'
    assert answer["isBase64Encoded"] and base64.b64decode(answer["body"]) == stored
    labels.s3_client.cache_clear()


def test_an_expired_or_changed_label_link_is_refused_in_polish(case_with_label, context, sent):
    rma = case_with_label
    _, token = label_link(sent, rma)
    now = datetime.now(UTC)
    expired = download(context, rma, token, now + timedelta(days=7, minutes=1))
    assert expired["statusCode"] == 410
    assert expired["headers"]["Content-Type"].startswith("text/html")
    assert "Ten link jest nieważny albo wygasł" in expired["body"] and 'lang="pl"' in expired["body"]
    expires, _, signature = token.partition(".")
    later = str(int(expires) + 30 * 86400)  # a month more, same signature
    changed = [
        f"{later}.{signature}",
        f"{expires}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        "",
    ]
    for tampered in changed:
        assert download(context, rma, tampered, now)["statusCode"] == 410
    # A token for the order's status page (or for another case) opens no label
    status_token = links.make_token(KEY, "1001", now, timedelta(days=1))
    other = links.make_token(KEY, "label:ZW-2026-999999", now, timedelta(days=1))
    assert download(context, rma, status_token, now)["statusCode"] == 410
    assert download(context, rma, other, now)["statusCode"] == 410
    json_answer = download(context, rma, "", now, accept="application/json")
    assert json_answer["statusCode"] == 410 and "wygasł" in json.loads(json_answer["body"])["message"]


def test_a_label_the_bucket_let_go_is_a_polish_404(case_with_label, context, sent):
    rma = case_with_label
    _, token = label_link(sent, rma)
    boto3.client("s3").delete_object(Bucket="labelsbucket", Key=cases.get(rma)["label_key"])
    answer = download(context, rma, token, datetime.now(UTC))
    assert answer["statusCode"] == 404 and "Nie znaleźliśmy tego dokumentu zwrotu" in answer["body"]
