"""The Saleor stand-in: a real HTTP server on loopback that answers GraphQL like Saleor 3.23.

It validates every document against Saleor's own schema (an invalid document is refused with 400 and
recorded in `invalid_documents`), executes it with graphql-core over in-memory state, serves the JWKS,
signs and delivers webhooks like Saleor, installs apps through their manifest, and issues Dashboard JWTs.
See README.md in this folder for the API the tests use.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from graphql import (
    FieldNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    execute,
    get_operation_ast,
    parse,
    validate,
)

from . import keys
from .catalog import Catalog
from .drivers import Staff, Storefront
from .pricing import compute_prices
from .resolvers import MutationRoot, QueryRoot
from .schema import SALEOR_VERSION, SCHEMA_VERSION, dumps, from_global_id, get_schema, iso, now
from .state import App, Checkout, Delivery, Order, State, User, Voucher, VoucherCode, Webhook
from .views import Context, event_payload, type_resolver

CLIENT_TIMEOUT = (2, 18)  # Saleor's connect / read timeouts for the install requests
WEBHOOK_TIMEOUT = 10


class InstallRefused(Exception):
    """The app refused the install (or its manifest could not be used); the app was deleted."""

    def __init__(self, step: str, status: int | None, body: Any, message: str = "") -> None:
        self.step = step
        self.status = status
        self.body = body
        super().__init__(f"install refused at {step}: status={status} body={body!r} {message}".strip())


@dataclass
class InvalidDocument:
    document: str
    errors: list[dict[str, Any]]
    source: str  # "request", "variables" or "webhook"
    variables: dict[str, Any] | None = None


@dataclass
class GraphQLRequest:
    """One POST /graphql/ the stand-in answered (for assertions on what the app sent)."""

    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    principal: str  # "app:<name>", "user:<email>" or "anonymous"
    status: int
    response: dict[str, Any] = field(default_factory=dict)


def event_name_of(type_name: str) -> str:
    """CheckoutUpdated -> CHECKOUT_UPDATED."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type_name).upper()


def events_in_subscription(query: str) -> list[str]:
    """The async events a subscription document listens to (when the manifest gives no asyncEvents)."""
    document = parse(query)
    events: list[str] = []
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        for selection in definition.selection_set.selections:
            if not isinstance(selection, FieldNode):
                continue
            if selection.name.value == "event":
                for inner in (selection.selection_set.selections if selection.selection_set else []):
                    if isinstance(inner, InlineFragmentNode) and inner.type_condition:
                        events.append(event_name_of(inner.type_condition.name.value))
            else:
                events.append(event_name_of(selection.name.value[0].upper() + selection.name.value[1:]))
    return events


def _version_tuple(text: str) -> tuple[int, int, int]:
    parts = [int(p) for p in re.findall(r"\d+", text)[:3]]
    while len(parts) < 3:
        parts.append(0)
    return tuple(parts)  # type: ignore[return-value]


def satisfies(version: str, requirement: str) -> bool:
    """A small semver range check (`>=3.20`, `^3.20 || ^4`, `>=3.20 <4`, `3.x`), as Saleor applies it."""
    current = _version_tuple(version)
    for alternative in requirement.split("||"):
        ok = True
        for comparator in alternative.split():
            match = re.match(r"^(>=|<=|>|<|=|\^|~)?v?([\dx*.]+)$", comparator.strip())
            if not match:
                ok = False
                break
            op, raw = match.groups()
            if "x" in raw or "*" in raw:
                fixed = [p for p in raw.split(".") if p not in ("x", "*")]
                if tuple(int(p) for p in fixed) != current[: len(fixed)]:
                    ok = False
                continue
            target = _version_tuple(raw)
            if op == "^":
                upper = (target[0] + 1, 0, 0) if target[0] else (0, target[1] + 1, 0)
                ok = ok and target <= current < upper
            elif op == "~":
                ok = ok and target <= current < (target[0], target[1] + 1, 0)
            elif op == ">=":
                ok = ok and current >= target
            elif op == ">":
                ok = ok and current > target
            elif op == "<=":
                ok = ok and current <= target
            elif op == "<":
                ok = ok and current < target
            else:
                ok = ok and current == target
        if ok:
            return True
    return False


class _Counter:
    def __init__(self) -> None:
        self._value = 0
        self._cond = threading.Condition()

    def add(self, delta: int) -> None:
        with self._cond:
            self._value += delta
            self._cond.notify_all()

    def wait_zero(self, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: self._value == 0, timeout)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False


class SaleorStandin:
    """A Saleor 3.23 on 127.0.0.1. Start with `start()`; the pytest fixture `saleor_standin` does it."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.version = SALEOR_VERSION
        self.state = State()
        self.lock = threading.RLock()
        self.started_at = now()
        self._key_index = 0
        self._foreign_index = 1000
        self.private_key = keys.pooled_key(0)
        self.jwks_unavailable = False
        self.deliveries: list[Delivery] = []
        self.invalid_documents: list[InvalidDocument] = []
        self.payload_errors: list[dict[str, Any]] = []
        self.requests: list[GraphQLRequest] = []
        self._failure: tuple[str, float] | None = None  # ("status", code) or ("timeout", seconds)
        self._wake = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._parsed_queries: dict[str, Any] = {}
        # "eager": webhooks of a request are delivered before its answer (Saleor's eager delivery);
        # "after_response": answered first, then delivered by the same server thread (like Celery);
        # use `flush_deliveries()` to wait for them.
        self.delivery_mode = "eager"
        self._in_flight = _Counter()
        self.catalog = Catalog(self)
        self.storefront = Storefront(self)
        self.staff = Staff(self)

    # --- lifecycle --------------------------------------------------------------------------------
    def start(self) -> SaleorStandin:
        get_schema()
        self._server = _Server((self.host, self.port), _handler_for(self))
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01},
                                        name=f"saleor-standin-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._wake.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def go_down(self) -> None:
        """Saleor is off: the port refuses connections. State is kept."""
        self.stop()

    def come_back(self) -> None:
        """Saleor is on again, on the same port, with the same state."""
        if self._server is None:
            self._wake.clear()
            self.start()

    @property
    def is_up(self) -> bool:
        return self._server is not None

    def fail_with(self, mode: int | str, *, seconds: float = 5.0) -> None:
        """`fail_with(500)`: every request answers that status. `fail_with("timeout", seconds=3)`: every
        request hangs that long (then answers 504), longer than the client's timeout."""
        self._wake.clear()
        if mode == "timeout":
            self._failure = ("timeout", float(seconds))
        elif isinstance(mode, int):
            self._failure = ("status", mode)
        else:
            raise ValueError(f"unknown failure mode {mode!r}")

    def recover(self) -> None:
        """Answer normally again (and wake requests that are hanging)."""
        self._failure = None
        self._wake.set()

    # --- addresses --------------------------------------------------------------------------------
    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.origin}/graphql/"

    @property
    def domain(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def jwks_url(self) -> str:
        return f"{self.origin}/.well-known/jwks.json"

    # --- keys -------------------------------------------------------------------------------------
    @property
    def kid(self) -> str:
        return keys.key_id(self.private_key)

    def jwks(self) -> dict[str, Any]:
        return keys.jwks_document(self.private_key)

    def rotate_key(self) -> str:
        """A new signing key with a new kid; the JWKS serves only the new key. Returns the new kid."""
        self._key_index += 1
        self.private_key = keys.pooled_key(self._key_index)
        return self.kid

    def foreign_key(self) -> Any:
        """An RSA key this Saleor never serves (for "signed with the wrong key" tests)."""
        self._foreign_index += 1
        return keys.pooled_key(self._foreign_index)

    def sign(self, raw_body: bytes, *, signing_key: Any = None) -> str:
        return keys.sign_detached(raw_body, signing_key or self.private_key)

    def signed_headers(self, event: str, raw_body: bytes, *, signing_key: Any = None) -> dict[str, str]:
        """The headers Saleor sends with a webhook body (names as Saleor spells them).
        `event` is the async event name, upper or lower case ("CHECKOUT_UPDATED")."""
        signature = self.sign(raw_body, signing_key=signing_key)
        name = event.lower()
        return {
            "Content-Type": "application/json",
            "X-Saleor-Event": name,
            "X-Saleor-Domain": self.domain,
            "X-Saleor-Signature": signature,
            "Saleor-Event": name,
            "Saleor-Domain": self.domain,
            "Saleor-Signature": signature,
            "Saleor-Api-Url": self.api_url,
        }

    def issue_dashboard_jwt(
        self,
        *,
        user_permissions: tuple[str, ...] | list[str] = ("MANAGE_DISCOUNTS",),
        expires_in: int = 300,
        email: str = "staff@example.com",
        user_id: str | None = None,
        is_staff: bool = True,
        app_id: str | None = None,
        issuer: str | None = None,
        signing_key: Any = None,
        issued_at: int | None = None,
    ) -> str:
        """A Dashboard handshake token, claims as observed in the real Dashboard 3.23."""
        with self.lock:
            app = self._the_app() if app_id is None else None
            if app is None and app_id is not None:
                app = next((a for a in self.state.apps.values() if a.global_id == app_id), None)
            app_permissions = app.permissions if app is not None else frozenset()
            staff = self.state.user_by_email(email)
        iat = int(time.time()) if issued_at is None else issued_at
        claims = {
            "iat": iat,
            "owner": "saleor",
            "iss": issuer or self.api_url,
            "exp": iat + expires_in,
            "token": secrets.token_urlsafe(24),
            "email": email,
            "type": "thirdparty",
            "user_id": user_id or (staff.global_id if staff else "VXNlcjox"),
            "is_staff": is_staff,
            "app": app_id or (app.global_id if app else None),
            "permissions": sorted(set(app_permissions) & set(user_permissions)),
            "user_permissions": sorted(user_permissions),
        }
        return keys.sign_jwt(claims, signing_key or self.private_key)

    # --- apps -------------------------------------------------------------------------------------
    def _the_app(self) -> App | None:
        apps = [a for a in self.state.apps.values() if a.is_active]
        return apps[-1] if apps else None

    @property
    def app(self) -> App | None:
        """The most recently created active app."""
        with self.lock:
            return self._the_app()

    def app_token(self, app: App | None = None) -> str:
        app = app or self.app
        if app is None or not app.tokens:
            raise LookupError("no app installed in the stand-in")
        return next(iter(app.tokens))

    def _validate_permissions(self, permissions: Any) -> frozenset[str]:
        allowed = set(get_schema().get_type("PermissionEnum").values)
        unknown = [p for p in permissions if p not in allowed]
        if unknown:
            raise ValueError(f"unknown permissions {unknown}")
        return frozenset(permissions)

    def _webhooks_from(self, definitions: list[dict[str, Any]], base_url: str) -> list[Webhook]:
        webhooks = []
        schema = get_schema()
        for definition in definitions:
            query = definition.get("query") or ""
            try:
                document = parse(query)
                errors = validate(schema, document)
            except GraphQLError as exc:
                errors = [exc]
            if errors:
                self.invalid_documents.append(
                    InvalidDocument(query, [e.formatted for e in errors], "webhook")
                )
                raise ValueError(f"webhook {definition.get('name')!r} has an invalid subscription query: "
                                 f"{[e.message for e in errors]}")
            events = list(definition.get("asyncEvents") or []) or events_in_subscription(query)
            webhooks.append(Webhook(
                pk=self.state.next_id(), name=definition.get("name") or "", query=query, events=events,
                target_url=urljoin(base_url, definition.get("targetUrl") or ""),
                is_active=definition.get("isActive", True) is not False,
            ))
        return webhooks

    def create_app(
        self,
        *,
        name: str = "Test app",
        permissions: tuple[str, ...] | list[str] = (
            "MANAGE_CHECKOUTS", "MANAGE_ORDERS", "MANAGE_DISCOUNTS", "MANAGE_GIFT_CARD", "MANAGE_USERS",
        ),
        webhooks: list[dict[str, Any]] | None = None,
        identifier: str = "test.app",
        manifest: dict[str, Any] | None = None,
        base_url: str = "",
    ) -> tuple[App, str]:
        """An app with a token, without the install flow. `webhooks` as in a manifest
        ([{name, targetUrl, query, asyncEvents}]). Returns (app, token)."""
        with self.lock:
            app = App(pk=self.state.next_id(), name=name, identifier=identifier,
                      permissions=self._validate_permissions(permissions), manifest=dict(manifest or {}))
            app.webhooks = self._webhooks_from(webhooks or [], base_url)
            token = secrets.token_urlsafe(30)
            app.tokens.add(token)
            self.state.apps[app.pk] = app
            return app, token

    def add_webhook(self, app: App, *, target_url: str, query: str, events: list[str] | None = None,
                    name: str = "webhook") -> Webhook:
        with self.lock:
            (webhook,) = self._webhooks_from(
                [{"name": name, "targetUrl": target_url, "query": query, "asyncEvents": events}], ""
            )
            app.webhooks.append(webhook)
            return webhook

    def delete_app(self, app: App) -> None:
        with self.lock:
            app.is_active = False
            app.tokens.clear()
            self.state.apps.pop(app.pk, None)

    def install(self, app_url_base: str, *, manifest_path: str = "/api/manifest") -> App:
        """Install the app like Saleor does (GET manifest, create app + token, POST the token).
        Raises InstallRefused (the app is deleted) on a redirect or non-2xx answer."""
        manifest_url = app_url_base.rstrip("/") + manifest_path
        try:
            response = requests.get(
                manifest_url,
                headers={"Saleor-Schema-Version": SCHEMA_VERSION, "User-Agent": f"Saleor/{SCHEMA_VERSION}"},
                allow_redirects=False,
                timeout=CLIENT_TIMEOUT,
            )
        except requests.RequestException as exc:
            raise InstallRefused("manifest", None, None, str(exc)) from exc
        if not 200 <= response.status_code < 300:
            raise InstallRefused("manifest", response.status_code, _body_of(response))
        try:
            manifest = response.json()
        except ValueError as exc:
            raise InstallRefused("manifest", response.status_code, response.text, "manifest is not JSON") from exc
        missing = [key for key in ("id", "name", "version", "tokenTargetUrl") if not manifest.get(key)]
        if missing:
            raise InstallRefused("manifest", response.status_code, manifest, f"manifest misses {missing}")
        required = manifest.get("requiredSaleorVersion")
        if required and not satisfies(self.version, required):
            raise InstallRefused("manifest", response.status_code, manifest,
                                 f"Saleor {self.version} does not satisfy {required}")
        manifest["_manifestUrl"] = manifest_url
        app, token = self.create_app(
            name=manifest["name"], permissions=manifest.get("permissions") or [],
            webhooks=manifest.get("webhooks") or [], identifier=manifest["id"], manifest=manifest,
            base_url=manifest_url,
        )
        token_url = urljoin(manifest_url, manifest["tokenTargetUrl"])
        try:
            answer = requests.post(
                token_url,
                data=json.dumps({"auth_token": token}),
                headers={
                    "User-Agent": f"Saleor/{SCHEMA_VERSION}",
                    **self.register_headers(),
                    "Host": urlsplit(token_url).hostname or "",
                },
                allow_redirects=False,
                timeout=CLIENT_TIMEOUT,
            )
        except requests.RequestException as exc:
            self.delete_app(app)
            raise InstallRefused("register", None, None, str(exc)) from exc
        if not 200 <= answer.status_code < 300:
            self.delete_app(app)
            raise InstallRefused("register", answer.status_code, _body_of(answer))
        ctx = Context(self)
        with self.lock:
            self.fire(ctx, "APP_INSTALLED", app=_app_view(app))
        self._send_all(ctx.pending)
        return app

    def register_headers(self) -> dict[str, str]:
        """The headers of Saleor's POST to tokenTargetUrl (for posting a register with Django's client)."""
        return {
            "Content-Type": "application/json",
            "X-Saleor-Domain": self.domain,
            "Saleor-Domain": self.domain,
            "Saleor-Api-Url": self.api_url,
            "Saleor-Schema-Version": SCHEMA_VERSION,
        }

    def uninstall(self, app: App | None = None) -> None:
        """Delete the app like Saleor: APP_DELETED is delivered to it, then its token stops working."""
        app = app or self.app
        if app is None:
            raise LookupError("no app installed in the stand-in")
        ctx = Context(self)
        with self.lock:
            self.fire(ctx, "APP_DELETED", app=_app_view(app))
        self._send_all(ctx.pending)
        self.delete_app(app)

    # --- users ------------------------------------------------------------------------------------
    def user_token(self, user: User) -> str:
        """A bearer token acting as this user (a shopper, or staff with the user's permissions)."""
        with self.lock:
            token = "user-" + secrets.token_urlsafe(24)
            self.state.user_tokens[token] = user
            return token

    # --- state lookups for assertions (global ids or codes) ---------------------------------------
    def get_checkout(self, checkout_id: str) -> Checkout | None:
        _type, token = from_global_id(checkout_id)
        return self.state.checkouts.get(token)

    def get_order(self, order_id: str) -> Order | None:
        _type, pk = from_global_id(order_id)
        return self.state.orders.get(pk)

    def get_voucher(self, voucher_id: str) -> Voucher | None:
        _type, pk = from_global_id(voucher_id)
        return self.state.vouchers.get(int(pk)) if pk.isdigit() else None

    def get_voucher_code(self, code: str) -> VoucherCode | None:
        """Exact (case-sensitive) lookup; `.used`, `.is_active`, `.voucher`."""
        return self.state.voucher_code(code)

    def expire_checkout_prices(self, checkout_id: str) -> None:
        """As if CHECKOUT_PRICES_TTL (1 h) had passed: the next read recomputes the prices (now)."""
        with self.lock:
            checkout = self.get_checkout(checkout_id)
            if checkout is None:
                raise LookupError(checkout_id)
            checkout.prices = compute_prices(self.state, checkout, now())

    # --- webhooks ---------------------------------------------------------------------------------
    def fire(self, ctx: Context, event_type: str, **objects: Any) -> None:
        """Prepare the deliveries of one event (payload computed now); they are sent after the request."""
        schema = get_schema()
        principal = ctx.principal()
        for app in list(self.state.apps.values()):
            if not app.is_active:
                continue
            for webhook in app.webhooks:
                if not webhook.is_active or event_type not in webhook.events:
                    continue
                root = event_payload(event_type, principal=principal, recipient=app, **objects)
                root["event"]["issuedAt"] = iso(now())
                document = self._parsed_queries.get(webhook.query)
                if document is None:
                    document = self._parsed_queries[webhook.query] = parse(webhook.query)
                result = execute(schema, document, root_value=root, context_value=Context(self, app=app),
                                 type_resolver=type_resolver)
                if result.errors:
                    self.payload_errors.append({"event": event_type, "webhook": webhook.name,
                                                "errors": [e.formatted for e in result.errors]})
                data = result.data or {}
                body = next(iter(data.values()), None) if data else None
                raw_body = dumps(body).encode()
                headers = {
                    "User-Agent": f"Saleor/{SCHEMA_VERSION}",
                    **self.signed_headers(event_type, raw_body),
                    "Host": urlsplit(webhook.target_url).hostname or "",
                }
                ctx.pending.append(Delivery(event=event_type, url=webhook.target_url, headers=headers,
                                            raw_body=raw_body, app_id=app.global_id, webhook_name=webhook.name))

    def _send(self, delivery: Delivery) -> Delivery:
        try:
            response = requests.post(delivery.url, data=delivery.raw_body, headers=delivery.headers,
                                     allow_redirects=False, timeout=WEBHOOK_TIMEOUT)
            delivery.status = response.status_code
            delivery.response_body = response.content
        except requests.RequestException as exc:
            delivery.error = str(exc)
        with self.lock:
            self.deliveries.append(delivery)
        return delivery

    def _send_all(self, pending: list[Delivery]) -> None:
        for delivery in pending:
            self._send(delivery)

    def redeliver(self, delivery: Delivery) -> Delivery:
        """Send the identical request again (same body, same signature)."""
        return self._send(Delivery(event=delivery.event, url=delivery.url, headers=dict(delivery.headers),
                                   raw_body=delivery.raw_body, app_id=delivery.app_id,
                                   webhook_name=delivery.webhook_name))

    def retry_failed_deliveries(self) -> list[Delivery]:
        """Saleor retries 5xx, timeouts and connection errors (never 3xx/4xx), up to 5 times."""
        with self.lock:
            retryable = [d for d in self.deliveries if d.status is None or d.status >= 500]
            attempts = {}
            for d in self.deliveries:
                key = (d.url, d.raw_body)
                attempts[key] = attempts.get(key, 0) + 1
            latest = {}
            for d in self.deliveries:
                latest[(d.url, d.raw_body)] = d
        resent = []
        for delivery in retryable:
            key = (delivery.url, delivery.raw_body)
            if latest[key] is delivery and attempts[key] <= 5:
                resent.append(self.redeliver(delivery))
        return resent

    def flush_deliveries(self, timeout: float = 30) -> None:
        """Wait until every webhook of the answered requests was delivered ("after_response" mode)."""
        if not self._in_flight.wait_zero(timeout):
            raise TimeoutError("webhook deliveries still in flight")

    def deliveries_for(self, event: str) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if d.event == event.upper()]

    # --- GraphQL over HTTP, as a client -----------------------------------------------------------
    def graphql(self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None,
                timeout: float = 30) -> dict[str, Any]:
        """POST a document to the stand-in's own endpoint (so it is validated). Returns the JSON answer."""
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = requests.post(self.api_url, data=json.dumps({"query": query, "variables": variables or {}}),
                                 headers=headers, timeout=timeout)
        return response.json()

    # --- request handling -------------------------------------------------------------------------
    def _authenticate(self, header: str | None) -> tuple[Context | None, str]:
        if not header:
            return Context(self), "anonymous"
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None, "invalid"
        token = token.strip()
        app = self.state.app_by_token(token)
        if app is not None:
            return Context(self, app=app), f"app:{app.name}"
        user = self.state.user_tokens.get(token)
        if user is not None and user.is_active:
            return Context(self, user=user), f"user:{user.email}"
        return None, "invalid"

    def handle_graphql(self, raw: bytes, authorization: str | None) -> tuple[int, dict[str, Any]]:
        """Answer one POST /graphql/. Webhooks of the request are delivered before answering (eager)."""
        status, body, pending = self.execute_request(raw, authorization)
        self._send_all(pending)
        return status, body

    def execute_request(
        self, raw: bytes, authorization: str | None
    ) -> tuple[int, dict[str, Any], list[Delivery]]:
        try:
            payload = json.loads(raw or b"{}")
            query = payload["query"]
            variables = payload.get("variables") or {}
            operation_name = payload.get("operationName")
            if not isinstance(query, str) or not isinstance(variables, dict):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return 400, {"errors": [{"message": "Must provide a query string.",
                                     "extensions": {"exception": {"code": "GraphQLError"}}}]}, []
        schema = get_schema()
        try:
            document = parse(query)
            errors = validate(schema, document)
        except GraphQLError as exc:
            errors = [exc]
        if errors:
            formatted = [_formatted(e, "GraphQLError") for e in errors]
            with self.lock:
                self.invalid_documents.append(InvalidDocument(query, formatted, "request", variables))
                self.requests.append(GraphQLRequest(query, variables, operation_name, "?", 400, {"errors": formatted}))
            return 400, {"errors": formatted}, []
        with self.lock:
            ctx, principal = self._authenticate(authorization)
            if ctx is None:
                body = {"errors": [{"message": "Invalid token.", "extensions": {
                    "exception": {"code": "InvalidTokenError"}}}]}
                self.requests.append(GraphQLRequest(query, variables, operation_name, principal, 401, body))
                return 401, body, []
            operation = get_operation_ast(document, operation_name)
            if operation is not None and operation.operation == OperationType.MUTATION:
                root: Any = MutationRoot(ctx)
            else:
                root = QueryRoot(ctx)
            result = execute(schema, document, root_value=root, context_value=ctx, variable_values=variables,
                             operation_name=operation_name, type_resolver=type_resolver)
            status = 200
            body = {"data": result.data}
            if result.errors:
                body["errors"] = [_formatted(e, "GraphQLError") for e in result.errors]
                if result.data is None:  # request errors: bad variables, no operation
                    status = 400
                    self.invalid_documents.append(InvalidDocument(query, body["errors"], "variables", variables))
            self.requests.append(GraphQLRequest(query, variables, operation_name, principal, status, body))
        return status, body, ctx.pending

    def wait_if_failing(self) -> int | None:
        """Apply the failure mode to one incoming request; returns the status to answer, if any."""
        failure = self._failure
        if failure is None:
            return None
        mode, value = failure
        if mode == "timeout":
            self._wake.wait(value)
            return 504
        return int(value)


def _app_view(app: App) -> Any:
    from .views import AppView

    return AppView(app)


def _formatted(error: GraphQLError, default_code: str) -> dict[str, Any]:
    formatted = dict(error.formatted)
    extensions = dict(formatted.get("extensions") or {})
    extensions.setdefault("exception", {"code": default_code})
    formatted["extensions"] = extensions
    return formatted


def _body_of(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def _handler_for(standin: SaleorStandin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "SaleorStandin/" + SALEOR_VERSION

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence access logs
            return

        def _answer(self, status: int, body: Any) -> None:
            raw = json.dumps(body, default=_json_default).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _failing(self) -> bool:
            status = standin.wait_if_failing()
            if status is None:
                return False
            try:
                self._answer(status, {"errors": [{"message": "Internal Server Error"}]})
            except OSError:
                pass
            return True

        def do_GET(self) -> None:
            if self._failing():
                return
            path = urlsplit(self.path).path
            if path == "/.well-known/jwks.json":
                if standin.jwks_unavailable:
                    self._answer(500, {"error": "JWKS unavailable"})
                else:
                    self._answer(200, standin.jwks())
            elif path in ("/graphql/", "/graphql"):
                self._answer(400, {"errors": [{"message": "Must provide a query string."}]})
            else:
                self._answer(404, {"error": "not found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if self._failing():
                return
            path = urlsplit(self.path).path
            if path not in ("/graphql/", "/graphql"):
                self._answer(404, {"error": "not found"})
                return
            status, body, pending = standin.execute_request(raw, self.headers.get("Authorization"))
            if standin.delivery_mode == "eager":
                standin._send_all(pending)  # outside the lock, before answering
                self._answer(status, body)
                return
            standin._in_flight.add(len(pending))
            try:
                self._answer(status, body)
            finally:
                try:
                    standin._send_all(pending)
                finally:
                    standin._in_flight.add(-len(pending))

    return Handler


def _json_default(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    return str(value)
