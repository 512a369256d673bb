"""`make run`: the whole system on this machine. moto server (AWS), the API on :3000, the sweeper.

Ctrl-C stops everything.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

REGION = "eu-central-1"
_invoke_lock = threading.Lock()  # one request at a time per "container", as in Lambda


def _aws_env(endpoint: str) -> None:
    os.environ |= {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
    }


def _locked(function: Any, *args: Any) -> Any:
    with _invoke_lock:
        return function(*args)


def start_moto(port: int) -> Any:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # many keep-alive clients connect at once (make load)


def make_handler(routes: list, table: str, baselinker: Any = None) -> type[BaseHTTPRequestHandler]:
    from infra.local import devtools, gateway
    from zwrotnica.observability import mask_url

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else keep-alive requests wait ~40 ms for delayed ACKs

        def log_message(self, fmt: str, *args: Any) -> None:
            # Paths carry customers' e-mails and phones (?email=, ?phone=) and tokens (?t=, InPost's URL).
            path = urlsplit(self.path).path
            params = next((p for r in routes if (p := r.match(self.command, path)) is not None), None)
            shown = mask_url(self.path, params)
            sys.stderr.write(f"  {self.command} {shown} -> {args[1] if len(args) > 1 else ''}\n")

        def _send(self, status: int, body: bytes, headers: dict[str, str], cookies: tuple = ()) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            for cookie in cookies:
                self.send_header("Set-Cookie", cookie)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _dev(self, path: str, query: str = "") -> bool:
            if path == "/_dev/outbox":
                from email.utils import formataddr
                from urllib.parse import parse_qs

                from zwrotnica.settings import get_brand

                order = (parse_qs(query).get("order") or [""])[0]
                sender = formataddr((get_brand().name, os.environ.get("EMAIL_FROM", "sklep@example.com")))
                items = devtools.outbox_items(table, REGION)
                items += devtools.emails_outside_outbox(REGION, items)  # the team's sign-in links
                page = devtools.outbox_page(items, devtools.provider_counts(REGION), order, sender)
                # E-mails render in sandboxed srcdoc frames, which inherit this policy: no scripts anywhere.
                headers = {
                    "Content-Type": "text/html; charset=utf-8",
                    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                    "img-src https:; form-action 'self'; base-uri 'none'",
                }
                self._send(200, page.encode(), headers)
            elif path == "/openapi.json":
                from infra.build.openapi import document

                body = json.dumps(document(), ensure_ascii=False).encode()
                self._send(200, body, {"Content-Type": "application/json"})
            elif path == "/_dev/outbox.json":
                items = devtools.outbox_items(table, REGION)
                self._send(
                    200, json.dumps(items, ensure_ascii=False).encode(), {"Content-Type": "application/json"}
                )
            else:
                return False
            return True

        def _dev_post(self, path: str, body: bytes) -> bool:
            """The emulated BaseLinker's journal (an order in, as getOrders returns it), the emulated DPD
            queue (infra/local/dpd.py), and one sweep now (the schedule runs it every 5 minutes)."""
            from infra.local import dpd

            json_type = {"Content-Type": "application/json"}
            if path == "/_dev/baselinker/orders" and baselinker is not None:
                doc = json.loads(body or b"{}")
                order_id = baselinker.add(doc.get("order") or {}, doc.get("packages"))
                self._send(201, json.dumps({"order_id": order_id}).encode(), json_type)
            elif path == "/_dev/dpd/events":
                events = json.loads(body or b"[]")
                added = [dpd.QUEUE.add(e) for e in (events if isinstance(events, list) else [events])]
                answer = {"queued": len(added), "waiting": dpd.QUEUE.waiting()}
                self._send(200, json.dumps(answer).encode(), json_type)
            elif path == "/_dev/sweep":
                from infra import template
                from infra.local import gateway

                [handler] = [h for _, h, e in template.schedules() if "0/5" in e]
                context = gateway.FakeContext(function_name="SlaSweeperFunction", timeout_ms=120_000)
                with _invoke_lock:
                    totals = gateway.load_handler(handler)({"source": "local.dev"}, context)
                totals |= {"dpd_waiting": dpd.QUEUE.waiting(), "dpd_acknowledged": dpd.QUEUE.acknowledged}
                self._send(200, json.dumps(totals, default=str).encode(), json_type)
            else:
                return False
            return True

        def _handle(self) -> None:
            url = urlsplit(self.path)
            if self.command == "GET" and self._dev(url.path, url.query):
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            if (
                self.command == "POST"
                and url.path.startswith("/_dev/")
                and self._dev_post(url.path, body or b"")
            ):
                return
            for route in routes:
                params = route.match(self.command, url.path)
                if params is not None:
                    event = gateway.build_event(
                        route,
                        self.command,
                        url.path,
                        query=url.query,
                        headers=dict(self.headers.items()),
                        body=body,
                        path_params=params,
                        source_ip=self.client_address[0],
                        domain=self.headers.get("Host", "127.0.0.1"),
                    )
                    with _invoke_lock:
                        result = gateway.invoke(route, event)
                    headers = dict(result.get("headers") or {})
                    self._send(
                        result["statusCode"],
                        gateway.response_bytes(result),
                        headers,
                        tuple(result.get("cookies") or ()),
                    )
                    return
            self._send(404, b'{"message":"Not Found"}', {"Content-Type": "application/json"})

        def __getattr__(self, name: str) -> Any:
            # do_GET, do_POST, but also TRACE, QUERY…: a method no route has answers 404, as in API
            # Gateway (BaseHTTPRequestHandler would answer 501).
            if name.startswith("do_"):
                return self._handle
            raise AttributeError(name)

    return Handler


def schedule_seconds(expression: str) -> int:
    rate = re.match(r"rate\((\d+) (minute|minutes|hour|hours)\)", expression)
    if rate:
        return int(rate.group(1)) * (60 if rate.group(2).startswith("minute") else 3600)
    every = re.match(r"cron\(0/(\d+) \* \* \* \? \*\)", expression)
    if every:
        return int(every.group(1)) * 60
    raise ValueError(f"the local stack cannot run schedule {expression!r}")


def start_schedules(stop: threading.Event, schedules: list) -> None:
    from infra.local import gateway

    for function, handler, expression in schedules:
        try:
            period = int(os.environ.get("SWEEP_SECONDS") or schedule_seconds(expression))
            schedule_seconds(expression)  # SWEEP_SECONDS never turns the Monday report into a timer
        except ValueError:
            print(f"  schedule   {function}: {expression} not run locally (the weekly report: ", end="")
            print('make cli ARGS="--local report weekly --print")')
            continue

        def loop(function: str = function, handler: str = handler, period: int = period) -> None:
            while not stop.wait(period):
                with _invoke_lock:
                    try:
                        gateway.load_handler(handler)(
                            {"source": "local.schedule"},
                            gateway.FakeContext(function_name=function, timeout_ms=120_000),
                        )
                    except Exception as exc:
                        sys.stderr.write(f"  {function} failed: {exc!r}\n")

        threading.Thread(target=loop, name=function, daemon=True).start()
        print(f"  schedule   {function}: every {period} s ({expression})")


def shipx_offline() -> None:
    """Nothing leaves this machine: ShipX's tracking read answers 503, so InPost pushes are acted on and
    marked unconfirmed, exactly as when the real ShipX is down."""
    import httpx

    from zwrotnica.providers import inpost

    inpost.use_transport(httpx.MockTransport(lambda request: httpx.Response(503, json={"error": "offline"})))


def points_offline() -> None:
    """Nothing leaves this machine: InPost's points API answers 503, so the status page shows the point
    the tracking read named (or none) without opening hours, as when the real API is down."""
    import httpx

    from zwrotnica.providers import inpost_points

    inpost_points.use_transport(
        httpx.MockTransport(lambda request: httpx.Response(503, json={"error": "offline"}))
    )


def p24_sandbox() -> None:
    """Nothing leaves this machine: Przelewy24's `transaction/verify` is answered here, as P24 answers a
    paid transaction: success when the request is signed with the (dev) CRC key, 400 when it is not.
    Any other P24 call (refunds) answers 503, as when P24 is down."""
    import httpx

    from zwrotnica.providers import payment_clients
    from zwrotnica.providers.przelewy24 import VERIFY_FIELDS, Przelewy24Client, fields_sign
    from zwrotnica.secrets import get_secrets

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method != "PUT" or not request.url.path.endswith("/transaction/verify"):
            return httpx.Response(503, json={"error": "offline", "code": 503})
        body = json.loads(request.content)
        if body.get("sign") != fields_sign(body, VERIFY_FIELDS, get_secrets().p24_crc):
            return httpx.Response(400, json={"error": "Incorrect sign", "code": 400})
        return httpx.Response(200, json={"data": {"status": "success"}, "responseCode": 0})

    transport = httpx.MockTransport(answer)

    def local_client() -> Przelewy24Client:
        s = get_secrets()
        return Przelewy24Client(
            "https://sandbox.przelewy24.pl",
            s.p24_merchant_id,
            s.p24_pos_id,
            s.p24_api_key,
            s.p24_crc,
            transport,
        )

    payment_clients.p24_client = local_client


def baselinker_local(region: str) -> Any:
    """Nothing leaves this machine: the sweeper polls a BaseLinker journal answered here (the demo puts
    an order in it), with a local token in the stack's secret. The tests' stack has no token: nothing
    polls there unless a test says so."""
    import boto3

    from infra.local import baselinker
    from infra.local.bootstrap import DEV_SECRETS

    boto3.client("secretsmanager", region_name=region).put_secret_value(
        SecretId=os.environ["SECRETS_NAME"],
        SecretString=json.dumps(DEV_SECRETS | {"baselinker_api_token": baselinker.LOCAL_TOKEN}),
    )
    return baselinker.install()


def main() -> None:
    port = int(os.environ.get("PORT", "3000"))
    moto_port = int(os.environ.get("MOTO_PORT", "5055"))
    if os.environ.get("LOCAL_FAST_MOTO") == "1":
        from infra.local.fast_moto import fast_moto

        fast_moto()
    moto = start_moto(moto_port)
    _aws_env(f"http://127.0.0.1:{moto_port}")
    from infra import template
    from infra.local import bootstrap

    resolved = bootstrap.bootstrap(REGION)
    env = template.environment(resolved)
    env["PUBLIC_BASE_URL"] = os.environ.get("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")
    env["POWERTOOLS_SERVICE_NAME"] = "zwrotnica-local"
    env["POWERTOOLS_LOG_LEVEL"] = os.environ.get("LOG_LEVEL", "WARNING")
    env["INPOST_SOURCE_CHECK"] = "false"  # local requests come from 127.0.0.1, not InPost's 91.216.25.0/24
    os.environ |= env
    shipx_offline()
    points_offline()
    p24_sandbox()
    emulated_baselinker = baselinker_local(REGION)
    from infra.local import dpd

    dpd.install(env["SECRETS_NAME"])  # DPD's queue answered here; other carriers: no credentials, not polled
    routes = template.routes()
    server = _Server(("127.0.0.1", port), make_handler(routes, env["TABLE_NAME"], emulated_baselinker))
    stop = threading.Event()
    print("\nZwrotnica runs locally (AWS emulated by moto, nothing leaves this machine):")
    print(f"  moto       http://127.0.0.1:{moto_port}  (DynamoDB, SES, SNS, SQS, Secrets Manager)")
    print(f"  api        http://127.0.0.1:{port}")
    for route in routes:
        print(f"    {route.method:5} {route.path:38} -> {route.handler}")
    start_schedules(stop, template.schedules())
    from infra.local import smtp

    smtp_port = int(os.environ.get("SMTP_PORT", "2525"))
    mail = smtp.start(smtp_port, lambda event: _locked(smtp.lambda_deliver, event))
    print(f"  smtp       127.0.0.1:{smtp_port}   (inbound e-mail, as SES receiving: see the README)")
    print(f"  outbox     http://127.0.0.1:{port}/_dev/outbox   (every e-mail and SMS, newest first)")
    print(f"  openapi    http://127.0.0.1:{port}/openapi.json   (every public route, from the handlers)")
    print(f"  baselinker http://127.0.0.1:{port}/_dev/baselinker/orders   (POST: an order into its journal;")
    print(f"             POST http://127.0.0.1:{port}/_dev/sweep reads it now, not at the next sweep)")
    print(f"  dpd        POST http://127.0.0.1:{port}/_dev/dpd/events   (DPD's queue, emulated here)")
    print(
        f"  team       http://localhost:{port}/team   (TEAM_ALLOWED_EMAILS=you@shop.pl make run; "
        "the sign-in e-mail shows in the outbox)"
    )
    print("\nPlay a whole order's life with correctly signed requests, in another terminal:\n  make demo")
    print("Or ask for an order's status (after the demo):")
    print(f"  curl 'http://127.0.0.1:{port}/orders/ZW1001/status?email=anna.kowalska@example.com'")
    print("\nCtrl-C stops everything.\n", flush=True)

    def shutdown(*_: Any) -> None:
        stop.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGINT, shutdown)
    signal.signal(signal.SIGTERM, shutdown)
    try:
        server.serve_forever()
    finally:
        mail.stop()
        server.server_close()
        moto.stop()
        print("stopped.")


if __name__ == "__main__":
    main()
