"""The one error shape every JSON endpoint answers with: {"error": {"code", "message", ...}}."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse


class AppError(Exception):
    """A refusal the caller can act on. Views turn it into a 4xx JSON answer."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None, **details: Any):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.details = details


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


def error_response(code: str, message: str, status: int, **details: Any) -> JsonResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    body.update(details)
    return JsonResponse({"error": body}, status=status)


def app_error_response(exc: AppError) -> JsonResponse:
    return error_response(exc.code, exc.message, exc.status, **exc.details)
