"""A small database-backed job queue with retry and backoff.

- `enqueue()` stores a job in the caller's transaction; it runs only if that transaction commits.
- Handlers are registered with `@job("kind")`, take the payload dict, load what they need by id and call
  a service. A handler that raises is retried with exponential backoff up to TASKS_MAX_ATTEMPTS, then the
  job is parked as `dead` (visible on /health and in the logs).
- Handlers must be idempotent: a process can die after the effect and before the job is marked done.
- Modes (TASKS_MODE): "inprocess" runs a daemon thread in the web process (the embedded default);
  "worker" leaves jobs to `python manage.py worker`; "manual" runs nothing until `run_due_jobs()` is called.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from app.core.models import Job

log = logging.getLogger("app.jobs")

Handler = Callable[[dict[str, Any]], Any]
_HANDLERS: dict[str, Handler] = {}
LOCK_SECONDS = 300


class RetryLater(Exception):
    """Raised by a handler for a transient failure (Saleor down, 5xx): retried with backoff."""


def job(kind: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        if kind in _HANDLERS and _HANDLERS[kind] is not func:
            raise RuntimeError(f"job kind {kind!r} registered twice")
        _HANDLERS[kind] = func
        return func

    return register


_PERIODIC: dict[str, float] = {}


def periodic(kind: str, *, every_seconds: float) -> Callable[[Handler], Handler]:
    """Register a handler that the worker (or the in-process runner) enqueues every `every_seconds`."""

    def register(func: Handler) -> Handler:
        job(kind)(func)
        _PERIODIC[kind] = every_seconds
        return func

    return register


def schedule_periodic(*, now: datetime | None = None) -> int:
    """Enqueue each periodic job once per period; the dedupe key makes concurrent schedulers harmless."""
    now = now or timezone.now()
    scheduled = 0
    for kind, every in _PERIODIC.items():
        slot = int(now.timestamp() // every)
        if enqueue(kind, {"slot": slot}, dedupe_key=f"periodic:{kind}:{slot}") is not None:
            scheduled += 1
    return scheduled


def enqueue(
    kind: str, payload: dict[str, Any], *, dedupe_key: str | None = None, delay_seconds: float = 0
) -> Job | None:
    """Store a job; returns None when a job with the same dedupe_key already exists."""
    if kind not in _HANDLERS:
        raise LookupError(f"no job handler registered for {kind!r}")
    run_after = timezone.now() + timedelta(seconds=delay_seconds)
    try:
        with transaction.atomic():
            created = Job.objects.create(kind=kind, payload=payload, dedupe_key=dedupe_key, run_after=run_after)
    except IntegrityError:
        if dedupe_key is None:
            raise
        return None
    transaction.on_commit(_wake)
    return created


def backoff_seconds(attempts: int) -> float:
    base = settings.TASKS_BACKOFF_BASE_SECONDS
    return min(base * (2 ** max(attempts - 1, 0)), settings.TASKS_BACKOFF_MAX_SECONDS)


def _claim(now: datetime, limit: int) -> list[int]:
    due = Q(state=Job.State.PENDING, run_after__lte=now) | Q(state=Job.State.RUNNING, locked_until__lt=now)
    with transaction.atomic():
        query = Job.objects.filter(due).order_by("run_after", "id")
        if connection.vendor == "postgresql":
            query = query.select_for_update(skip_locked=True)
        ids = list(query.values_list("id", flat=True)[:limit])
        if ids:
            Job.objects.filter(id__in=ids).update(
                state=Job.State.RUNNING, locked_until=now + timedelta(seconds=LOCK_SECONDS)
            )
    return ids


def run_job(job_id: int, *, now: datetime | None = None) -> Job:
    instance = Job.objects.get(pk=job_id)
    handler = _HANDLERS.get(instance.kind)
    instance.attempts += 1
    try:
        if handler is None:
            raise LookupError(f"no job handler registered for {instance.kind!r}")
        result = handler(instance.payload)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded and retried
        now = now or timezone.now()
        instance.last_error = f"{type(exc).__name__}: {exc}"[:4000]
        if instance.attempts >= settings.TASKS_MAX_ATTEMPTS or handler is None:
            instance.state = Job.State.DEAD
            log.error("job dead", extra={"job": instance.pk, "kind": instance.kind, "error": instance.last_error})
        else:
            instance.state = Job.State.PENDING
            instance.run_after = now + timedelta(seconds=backoff_seconds(instance.attempts))
            level = logging.INFO if isinstance(exc, RetryLater) else logging.WARNING
            log.log(
                level,
                "job retry",
                extra={"job": instance.pk, "kind": instance.kind, "attempt": instance.attempts,
                       "retry_at": instance.run_after.isoformat(), "error": instance.last_error},
            )
    else:
        instance.state = Job.State.DONE
        instance.result = result if isinstance(result, dict | list | str | int | float | bool) else None
        instance.last_error = ""
    instance.locked_until = None
    instance.save(update_fields=["attempts", "state", "run_after", "last_error", "result", "locked_until",
                                 "updated_at"])
    return instance


def run_due_jobs(*, now: datetime | None = None, limit: int = 100) -> int:
    """Run every job due at `now` once; returns how many ran. Jobs they enqueue run on the next call."""
    now = now or timezone.now()
    ids = _claim(now, limit)
    for job_id in ids:
        run_job(job_id, now=now)
    return len(ids)


def drain(*, now: datetime | None = None, rounds: int = 20) -> int:
    """Run due jobs until none is due (tests and the in-process runner)."""
    total = 0
    for _ in range(rounds):
        ran = run_due_jobs(now=now)
        total += ran
        if not ran:
            break
    return total


def queue_stats() -> dict[str, int]:
    rows = Job.objects.exclude(state=Job.State.DONE).values("state").annotate(n=Count("id"))
    return {row["state"]: row["n"] for row in rows}


# --- in-process runner (embedded default) ---------------------------------------------------------
_wakeup = threading.Event()
_runner: threading.Thread | None = None
_runner_lock = threading.Lock()


def _wake() -> None:
    if settings.TASKS_MODE != "inprocess":
        return
    _ensure_runner()
    _wakeup.set()


def _ensure_runner() -> None:
    global _runner
    with _runner_lock:
        if _runner is None or not _runner.is_alive():
            _runner = threading.Thread(target=_loop, name="jobs-inprocess", daemon=True)
            _runner.start()


def _loop() -> None:
    while True:
        _wakeup.wait(timeout=1.0)
        _wakeup.clear()
        try:
            close_old_connections()
            schedule_periodic()
            drain()
        except Exception:  # noqa: BLE001 - the runner must survive a database hiccup
            log.exception("in-process job runner failed")
        finally:
            close_old_connections()


def start_inprocess_runner() -> None:
    if settings.TASKS_MODE == "inprocess":
        _ensure_runner()
