from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from app.core import jobs


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness: the database answers and the job queue is not stuck."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        db_ok = True
    except Exception:  # noqa: BLE001 - any database failure means "not ready"
        db_ok = False
    queue = jobs.queue_stats() if db_ok else {}
    status = 200 if db_ok else 503
    return JsonResponse(
        {"status": "ok" if db_ok else "unavailable", "database": db_ok, "jobs": queue}, status=status
    )
