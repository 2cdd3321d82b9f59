"""GraphQL client for one Saleor installation, over `requests`.

- one `requests.Session` per thread (keep-alive), a connect/read timeout on every call;
- connection errors, timeouts and 5xx are retried with exponential backoff and full jitter, then raise
  `SaleorUnavailable` (transient: the outbox retries it later);
- 401/403, and GraphQL answers whose every error is a permission/token error, raise `SaleorAuthError`;
- other top-level GraphQL `errors` raise `GraphQLRequestError` (with `.errors`). Mutation-level errors
  (`voucherCreate { errors }`) are data: the caller reads them from the returned `data`.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from typing import Any

import requests
from django.conf import settings

log = logging.getLogger("app.saleor.client")

_AUTH_CODES = frozenset({"PermissionDenied", "InvalidTokenError", "ExpiredSignatureError",
                         "JSONWebTokenError", "InvalidSignatureError", "DecodeError"})
_OPERATION = re.compile(r"\b(query|mutation|subscription)\s+(\w+)")


class SaleorError(Exception):
    """Any failed call to Saleor."""


class SaleorUnavailable(SaleorError):
    """Transient: connection refused, timeout, 5xx (after the retries). Try again later."""


class SaleorAuthError(SaleorError):
    """The token is not (or no longer) accepted: 401/403, or only permission/token errors."""

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.errors = errors or []


class GraphQLRequestError(SaleorError):
    """Saleor answered with top-level GraphQL `errors` (invalid document, bad variables, ...)."""

    def __init__(self, errors: list[dict[str, Any]], data: dict[str, Any] | None = None):
        self.errors = errors
        self.data = data
        super().__init__("; ".join(str(e.get("message", e)) for e in errors) or "GraphQL error")

    @property
    def codes(self) -> list[str]:
        return [_error_code(e) for e in self.errors]


def _error_code(error: dict[str, Any]) -> str:
    extensions = error.get("extensions") or {}
    exception = extensions.get("exception") or {}
    return str(exception.get("code") or extensions.get("code") or "")


_local = threading.local()


def _session() -> requests.Session:
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.headers["User-Agent"] = "saleor-coupons-loyalty"
        _local.session = session
    return session


def operation_name(document: str) -> str:
    match = _OPERATION.search(document)
    return match.group(2) if match else "anonymous"


class SaleorClient:
    """`SaleorClient(installation).execute(document, variables) -> data`.

    `installation` needs `saleor_api_url` and `auth_token` (an unsaved Installation works, e.g. at register).
    """

    def __init__(
        self,
        installation: Any,
        *,
        timeout: float | None = None,
        retries: int | None = None,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
    ):
        self.installation = installation
        self.timeout = settings.SALEOR_HTTP_TIMEOUT if timeout is None else timeout
        self.retries = settings.SALEOR_HTTP_RETRIES if retries is None else retries
        self.backoff = backoff
        self.max_backoff = max_backoff

    def execute(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        name = operation_name(document)
        body: dict[str, Any] = {"query": document, "variables": variables or {}}
        headers = {"Content-Type": "application/json"}
        if self.installation.auth_token:
            headers["Authorization"] = f"Bearer {self.installation.auth_token}"
        url = self.installation.saleor_api_url
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            try:
                response = _session().post(url, json=body, headers=headers, timeout=self.timeout,
                                           allow_redirects=False)
            except requests.RequestException as exc:
                failure: str = f"{type(exc).__name__}: {exc}"
                status = None
            else:
                status = response.status_code
                failure = f"HTTP {status}" if status >= 500 else ""
            ms = round((time.perf_counter() - started) * 1000, 1)
            log.info("saleor call", extra={"operation": name, "ms": ms, "status": status, "attempt": attempt,
                                           "saleor_api_url": url, **({"error": failure} if failure else {})})
            if not failure:
                return self._result(response, name)
            if attempt > self.retries:
                raise SaleorUnavailable(f"{name}: {failure} (after {attempt} attempts)")
            time.sleep(self._delay(attempt))

    def _delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.max_backoff, self.backoff * 2 ** (attempt - 1)))

    def _result(self, response: requests.Response, name: str) -> dict[str, Any]:
        if response.status_code in (401, 403):
            raise SaleorAuthError(f"{name}: HTTP {response.status_code} from Saleor")
        try:
            payload = response.json()
        except ValueError as exc:
            if 300 <= response.status_code < 400:
                raise SaleorError(f"{name}: unexpected redirect {response.status_code}") from exc
            raise SaleorError(f"{name}: HTTP {response.status_code}, body is not JSON") from exc
        if not isinstance(payload, dict):
            raise SaleorError(f"{name}: HTTP {response.status_code}, unexpected JSON {type(payload).__name__}")
        errors = payload.get("errors") or []
        data = payload.get("data")
        if errors:
            if all(_error_code(e) in _AUTH_CODES for e in errors):
                raise SaleorAuthError(f"{name}: " + "; ".join(str(e.get("message")) for e in errors), errors)
            raise GraphQLRequestError(errors, data)
        if response.status_code >= 400 or not isinstance(data, dict):
            raise SaleorError(f"{name}: HTTP {response.status_code} without data")
        return data
