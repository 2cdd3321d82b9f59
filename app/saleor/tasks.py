"""Outbox job handlers (Saleor writes)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string

from app.core import jobs
from app.saleor import documents
from app.saleor.client import GraphQLRequestError, SaleorAuthError, SaleorClient, SaleorUnavailable
from app.saleor.models import Installation
from app.saleor.outbox import WRITE_JOB

log = logging.getLogger("app.saleor.outbox")


@jobs.job(WRITE_JOB)
def saleor_write(payload: dict[str, Any]) -> dict[str, Any]:
    """Execute one stored write. Transient failures retry (RetryLater); a write Saleor refuses for good
    (token gone, invalid document) ends the job with the reason in its result and an error log."""
    installation = Installation.objects.filter(pk=payload["installation_id"]).first()
    extra = {"document": payload["document"], "installation_id": payload["installation_id"]}
    if installation is None or not installation.is_active or not installation.auth_token:
        log.warning("outbox write dropped: app uninstalled", extra=extra)
        return {"skipped": "uninstalled"}
    document = documents.load(payload["document"])
    try:
        data = SaleorClient(installation).execute(document, payload.get("variables") or {})
    except SaleorUnavailable as exc:
        raise jobs.RetryLater(str(exc)) from exc
    except SaleorAuthError as exc:
        log.error("outbox write refused: token not accepted", extra={**extra, "error": str(exc)})
        return {"skipped": "auth", "error": str(exc)[:500]}
    except GraphQLRequestError as exc:
        log.error("outbox write refused by Saleor", extra={**extra, "error": str(exc)})
        return {"failed": "graphql", "errors": exc.errors[:10]}
    on_result = payload.get("on_result")
    if on_result:
        callback = import_string(on_result)
        with transaction.atomic():
            callback(installation=installation, data=data, context=payload.get("context") or {})
    return {"done": True}
