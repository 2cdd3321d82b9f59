"""The outbox: Saleor writes stored as jobs and executed by the worker, retried while Saleor is down.

`outbox_enqueue()` is called inside the transaction that decided the write: if it rolls back, nothing is
sent. The job (`saleor.write`, see tasks.py) runs the document through `SaleorClient`; 5xx, timeouts and
refused connections retry with the job queue's backoff; then `on_result(installation=, data=, context=)`
runs inside `transaction.atomic()`.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from app.core import jobs
from app.core.models import Job
from app.saleor import documents
from app.saleor.models import Installation

WRITE_JOB = "saleor.write"


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _plain(value: Any) -> Any:
    """Variables/context as plain JSON (Decimal → "12.50"), so the job payload stores them exactly."""
    return json.loads(json.dumps(value, default=_json_default))


def outbox_enqueue(
    *,
    installation: Installation,
    document: str,
    variables: dict[str, Any],
    key: str | None = None,
    on_result: str | None = None,
    context: dict[str, Any] | None = None,
) -> Job | None:
    """Store a Saleor write. `document` is a `.graphql` path (repo-relative); `key` deduplicates
    (None when a job with that key exists already); `on_result` is a dotted path."""
    documents.load(document)  # fail now, in the caller's transaction, if the document does not exist
    payload = {
        "installation_id": installation.pk,
        "document": document,
        "variables": _plain(variables),
        "on_result": on_result,
        "context": _plain(context or {}),
    }
    return jobs.enqueue(WRITE_JOB, payload, dedupe_key=f"{WRITE_JOB}:{key}" if key else None)
