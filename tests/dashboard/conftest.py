"""Fixtures of the Dashboard page tests: an installation of the Saleor stand-in, tokens, API calls, and
(for the browser tests) Chromium plus a host page that plays the Dashboard's part of AppBridge."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.test import Client

from app.saleor import security
from app.saleor.models import Installation

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
HOST_PAGE = Path(__file__).with_name("host_page.html")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def installation(saleor_standin: Any, db: Any) -> Installation:
    """The app registered with the stand-in (app + token + JWKS), without going through live HTTP."""
    security.reset_caches()
    app, token = saleor_standin.create_app(name="Coupons & Loyalty", identifier="saleor.app.coupons-loyalty")
    return Installation.objects.create(
        saleor_api_url=saleor_standin.api_url,
        app_id=app.global_id,
        auth_token=token,
        jwks=saleor_standin.jwks(),
        domain=saleor_standin.domain,
    )


@dataclass
class DashboardApi:
    """Calls the page's JSON API like the page does: bearer JWT + saleor-api-url, no cookie."""

    client: Client
    installation: Installation

    def headers(self, token: str | None, api_url: str | None = None, language: str = "en") -> dict[str, str]:
        headers = {"saleor-api-url": api_url or self.installation.saleor_api_url, "Accept-Language": language}
        if token is not None:
            headers["authorization-bearer"] = token
        return headers

    def get(self, path: str, token: str | None, **kwargs: Any) -> Any:
        return self.client.get(f"/api/dashboard{path}", headers=self.headers(token, **kwargs))

    def send(self, method: str, path: str, token: str | None, body: Any = None, **kwargs: Any) -> Any:
        call = getattr(self.client, method.lower())
        data = json.dumps(body) if body is not None and not isinstance(body, str | bytes) else (body or "")
        headers = self.headers(token, **kwargs)
        return call(f"/api/dashboard{path}", data, content_type="application/json", headers=headers)


@pytest.fixture
def dashboard_api(installation: Installation) -> DashboardApi:
    return DashboardApi(client=Client(enforce_csrf_checks=True), installation=installation)


@pytest.fixture
def token(saleor_standin: Any, installation: Installation) -> str:
    """A fresh Dashboard JWT of a staff user with MANAGE_DISCOUNTS."""
    return saleor_standin.issue_dashboard_jwt(user_permissions=("MANAGE_DISCOUNTS",), email="merchant@example.com")


def percent_coupon(name: str = "Welcome", code: str = "WELCOME10", percent: str = "10") -> dict[str, Any]:
    return {
        "name": name,
        "codes": [code],
        "rule": {"benefit": {"kind": "percentage", "percent": percent, "apply_to": "order"}, "conditions": {}},
    }


# --- browser -------------------------------------------------------------------------------------------
class HostPageServer:
    """Serves the host page (the Dashboard's stand-in) on 127.0.0.1; the app runs on localhost: another origin."""

    def __init__(self) -> None:
        page = HOST_PAGE.read_bytes()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def host_page_server() -> Iterator[HostPageServer]:
    server = HostPageServer()
    yield server
    server.close()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One Chromium for the session. Playwright's sync API keeps an event loop in the test thread, which
    Django's ORM mistakes for async code: the tests' own (synchronous) database calls are allowed."""
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class DashboardSession:
    """A host page framing the app, after the handshake. `frame` is the app's iframe (Playwright Frame)."""

    page: Any
    frame: Any
    installation: Installation
    standin: Any
    console: list[str]

    def send(self, message: dict[str, Any]) -> None:
        """Post a message from the host (the Dashboard) to the app, e.g. tokenRefresh or theme."""
        self.page.evaluate("(message) => window.hostSend(message)", message)

    def actions(self) -> list[dict[str, Any]]:
        """The actions the app posted to the Dashboard (notifyReady, redirect, notification...)."""
        return self.page.evaluate("() => window.hostActions")

    def go(self, route: str) -> None:
        self.frame.evaluate("(route) => { window.location.hash = route; }", route)

    def screenshot(self, name: str) -> Path:
        """The whole app page as seen inside the host: the iframe is stretched to its content first."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        viewport = self.page.viewport_size
        height = self.frame.evaluate("() => document.documentElement.scrollHeight")
        self.page.set_viewport_size({"width": viewport["width"], "height": max(viewport["height"], height + 74)})
        self.frame.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
        self.page.screenshot(path=str(path))
        self.page.set_viewport_size(viewport)
        return path


@pytest.fixture
def open_dashboard(
    chromium: Any, host_page_server: HostPageServer, installed_app: Installation, saleor_standin: Any, live_server: Any
) -> Iterator[Callable[..., DashboardSession]]:
    """Open the app inside the host page: `open_dashboard(token=..., theme="light", locale="en")`."""
    installed_app.dashboard_origins = [host_page_server.origin]
    installed_app.save(update_fields=["dashboard_origins"])
    app_base = live_server.url.replace("127.0.0.1", "localhost")
    contexts: list[Any] = []
    console: list[str] = []

    def open_(
        *, token: str | None = None, theme: str = "light", locale: str = "en", width: int = 1024
    ) -> DashboardSession:
        context = chromium.new_context(viewport={"width": width, "height": 900}, locale="en-US")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        jwt = token or saleor_standin.issue_dashboard_jwt(email="merchant@example.com")
        params = {
            "saleorApiUrl": installed_app.saleor_api_url,
            "id": installed_app.app_id,
            "theme": theme,
            "domain": saleor_standin.domain,
        }
        app_url = f"{app_base}/dashboard?{urlencode(params)}"
        setup = {"appUrl": app_url, "token": jwt, "theme": theme, "locale": locale}
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
        page.goto(f"{host_page_server.origin}/#" + quote(json.dumps(setup)))
        page.wait_for_function("() => window.appFrameLoaded === true")
        frame = next(f for f in page.frames if f.url.startswith(app_base))
        return DashboardSession(page=page, frame=frame, installation=installed_app, standin=saleor_standin,
                                console=console)

    yield open_
    for context in contexts:
        context.close()
    errors = [line for line in console if line.startswith("pageerror") or "Content Security Policy" in line]
    assert not errors, f"JavaScript errors or CSP violations in the page: {errors}"
