from __future__ import annotations

import logging
import time
import uuid

from django.http import HttpRequest, HttpResponse

from app.core.errors import AppError, app_error_response, error_response

log = logging.getLogger("app.request")


class RequestLogMiddleware:
    """Logs one structured line per request; turns stray AppErrors and 404s into JSON errors."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request.request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex[:16]
        response = self.get_response(request)
        if response.status_code == 404 and request.path.startswith("/api/") and not response.get(
            "Content-Type", ""
        ).startswith("application/json"):
            response = error_response("not_found", f"No endpoint at {request.path}", 404)
        log.info(
            "request",
            extra={
                "request_id": request.request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, AppError):
            return app_error_response(exception)
        return None
