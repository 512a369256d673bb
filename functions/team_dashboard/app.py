"""The team's live dashboard: GET /team, and its sign-in by an e-mailed single-use link.

GET  /team              the dashboard with a valid session cookie, else the sign-in form
POST /team/login        ask for a link (form: email); the same answer for any address
GET  /team/login        a link from the e-mail: a page with one button (mail scanners open links too)
POST /team/session      use the link (form: n, t): the session cookie, then back to /team
POST /team/logout       drop the cookie
"""

import re
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Annotated
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from zwrotnica import startup
from zwrotnica.domain import team_access
from zwrotnica.flows import team
from zwrotnica.http import (
    HTML,
    JSON,
    Query,
    client_ip,
    create_app,
    documented,
    html_response,
    raw_body,
    request_body,
)
from zwrotnica.models.order import EMAIL_PATTERN
from zwrotnica.observability import logger, metrics
from zwrotnica.settings import get_brand, get_settings
from zwrotnica.web import dashboard as pages

app = create_app()
PAGE = {"media": (JSON, HTML), "ok_media": (HTML,)}  # errors: JSON unless a browser asks for HTML
SENT = "Jeśli ten adres jest na liście zespołu, właśnie wysłaliśmy na niego link do logowania."


def _form() -> dict[str, str]:
    return dict(parse_qsl(raw_body(app).decode("utf-8", "replace"), keep_blank_values=True))


def _back_to_dashboard(cookie: str) -> Response:
    return Response(
        status_code=HTTPStatus.SEE_OTHER,
        content_type=HTML,
        body='<!doctype html><html lang="pl"><title>Panel zespołu</title><a href="/team">Panel zespołu</a>',
        headers={"Location": "/team", "Cache-Control": "no-store"},
        cookies=[cookie],
    )


@app.get("/team", responses=documented({200: "The dashboard, or the sign-in form"}, (503,), **PAGE))
def dashboard():
    now = datetime.now(UTC)
    member = team.member(app.current_event.cookies, now)
    if member is None:
        return html_response(HTTPStatus.OK, pages.login_page(get_brand()))
    return html_response(HTTPStatus.OK, pages.dashboard_page(team.figures(now), get_brand(), member))


@app.post(
    "/team/login",
    responses=documented(
        {200: "Asked: a link goes out if the address is on the list"}, (413, 422, 429, 503), **PAGE
    ),
    openapi_extensions=request_body(form={"email": "the team member's address"}),
)
def ask_for_link():
    email = _form().get("email", "").strip()
    if not re.fullmatch(EMAIL_PATTERN, email):
        page = pages.login_page(get_brand(), error="Podaj adres e-mail, np. imie@sklep.pl.")
        return html_response(HTTPStatus.UNPROCESSABLE_ENTITY, page)
    team.request_link(email, datetime.now(UTC), client_ip(app))
    return html_response(HTTPStatus.OK, pages.login_page(get_brand(), notice=SENT))


@app.get("/team/login", responses=documented({200: "Confirm signing in"}, (410, 422), **PAGE))
def open_link(
    n: Annotated[str, Query(max_length=64)] = "",
    t: Annotated[str, Query(max_length=100)] = "",
):
    if not team.link_looks_valid(n, t, datetime.now(UTC)):
        return html_response(HTTPStatus.GONE, pages.refused_page(get_brand()))
    return html_response(HTTPStatus.OK, pages.confirm_page(get_brand(), n, t))


@app.post(
    "/team/session",
    responses=documented({303: "Signed in: the session cookie, back to /team"}, (410, 413, 503), **PAGE),
    openapi_extensions=request_body(form={"n": "the link's nonce", "t": "the link's signature"}),
)
def use_link():
    form = _form()
    value = team.sign_in(form.get("n", "")[:64], form.get("t", "")[:100], datetime.now(UTC))
    if value is None:
        return html_response(HTTPStatus.GONE, pages.refused_page(get_brand()))
    return _back_to_dashboard(team_access.session_cookie(value, get_settings().session_hours * 3600))


@app.post("/team/logout", responses=documented({303: "Signed out, back to /team"}, (), **PAGE))
def sign_out():
    return _back_to_dashboard(team_access.cleared_cookie())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)


startup.ready()  # the handler is loaded: collection resumes (zwrotnica/startup.py)
