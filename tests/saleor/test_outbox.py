"""The outbox against the stand-in: a Saleor write survives Saleor being down, runs once, reports back."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from app.core import jobs
from app.core.models import Job
from app.saleor.models import Installation
from app.saleor.outbox import WRITE_JOB, outbox_enqueue
from tests.saleor.support import OUTBOX_RESULT_KIND

DOCUMENT = "app/saleor/graphql/private_metadata_update.graphql"
ON_RESULT = "tests.saleor.support.record_outbox_result"


@pytest.fixture
def saleor_installation(db, saleor_standin):
    app, token = saleor_standin.create_app()
    return Installation.objects.create(saleor_api_url=saleor_standin.api_url, app_id=app.global_id,
                                       auth_token=token, jwks=saleor_standin.jwks())


@pytest.fixture
def customer(saleor_standin):
    return saleor_standin.catalog.add_customer("shopper@example.com")


def enqueue(installation, customer, *, key="points:1", value="120", context=None):
    return outbox_enqueue(
        installation=installation, document=DOCUMENT,
        variables={"id": customer.global_id, "input": [{"key": "loyalty.points", "value": value}]},
        key=key, on_result=ON_RESULT, context=context or {"points": Decimal("120.50")},
    )


def results() -> list[dict]:
    return [job.payload for job in Job.objects.filter(kind=OUTBOX_RESULT_KIND)]


def test_write_runs_through_the_client_and_calls_on_result(saleor_installation, customer):
    # given
    enqueue(saleor_installation, customer)
    # when
    ran = jobs.drain()
    # then
    assert ran == 1
    assert customer.meta.private == {"loyalty.points": "120"}
    (result,) = results()
    assert result["context"] == {"points": "120.50"}
    assert result["data"]["updatePrivateMetadata"]["errors"] == []
    assert Job.objects.get(kind=WRITE_JOB).state == Job.State.DONE


def test_write_waits_while_saleor_is_down_then_runs(saleor_standin, saleor_installation, customer, settings):
    # given
    settings.SALEOR_HTTP_RETRIES = 0
    enqueue(saleor_installation, customer)
    saleor_standin.go_down()
    # when: the first attempt fails, Saleor comes back, the backoff passes
    jobs.drain()
    after_failure = Job.objects.values("state", "attempts", "last_error").get(kind=WRITE_JOB)
    saleor_standin.come_back()
    jobs.drain(now=timezone.now() + timedelta(hours=1))
    # then
    assert (after_failure["state"], after_failure["attempts"]) == (Job.State.PENDING, 1)
    assert after_failure["last_error"].startswith("RetryLater") and "ConnectionError" in after_failure["last_error"]
    job = Job.objects.get(kind=WRITE_JOB)
    assert (job.state, job.attempts) == (Job.State.DONE, 2)
    assert customer.meta.private == {"loyalty.points": "120"}
    assert len(results()) == 1


def test_write_on_5xx_is_retried_later(saleor_standin, saleor_installation, customer, settings):
    # given
    settings.SALEOR_HTTP_RETRIES = 0
    enqueue(saleor_installation, customer)
    saleor_standin.fail_with(503)
    # when
    jobs.drain()
    # then
    job = Job.objects.get(kind=WRITE_JOB)
    assert job.state == Job.State.PENDING
    assert job.run_after > timezone.now()
    assert results() == []


def test_same_key_is_written_once(saleor_installation, customer):
    # given
    first = enqueue(saleor_installation, customer, key="order:7")
    # when
    second = enqueue(saleor_installation, customer, key="order:7", value="999")
    jobs.drain()
    # then
    assert first is not None and second is None
    assert customer.meta.private == {"loyalty.points": "120"}


def test_write_enqueued_in_a_rolled_back_transaction_never_runs(saleor_installation, customer):
    # given
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(saleor_installation, customer)
        raise RuntimeError("the decision failed")
    # when
    jobs.drain()
    # then
    assert not Job.objects.filter(kind=WRITE_JOB).exists()
    assert customer.meta.private == {}


def test_write_for_uninstalled_app_ends_without_calling_saleor(saleor_standin, saleor_installation, customer):
    # given
    enqueue(saleor_installation, customer)
    Installation.objects.filter(pk=saleor_installation.pk).update(is_active=False, auth_token="")
    # when
    jobs.drain()
    # then
    job = Job.objects.get(kind=WRITE_JOB)
    assert (job.state, job.result) == (Job.State.DONE, {"skipped": "uninstalled"})
    assert customer.meta.private == {}
    assert results() == []


def test_write_with_revoked_token_ends_without_retry(saleor_standin, saleor_installation, customer):
    # given: Saleor deleted the app, the APP_DELETED webhook has not arrived yet
    enqueue(saleor_installation, customer)
    saleor_standin.delete_app(saleor_standin.app)
    # when
    jobs.drain()
    # then
    job = Job.objects.get(kind=WRITE_JOB)
    assert job.state == Job.State.DONE
    assert job.result["skipped"] == "auth"
    assert results() == []


def test_unknown_document_is_refused_at_enqueue(saleor_installation):
    # when / then
    with pytest.raises(FileNotFoundError):
        outbox_enqueue(installation=saleor_installation, document="app/saleor/graphql/nope.graphql",
                       variables={})


def test_write_saleor_refuses_for_good_ends_with_the_errors(saleor_standin, saleor_installation):
    # given: variables Saleor can never accept (a retry would fail the same way)
    outbox_enqueue(installation=saleor_installation, document=DOCUMENT, variables={"id": 42, "input": "nope"},
                   on_result=ON_RESULT)
    # when
    jobs.drain()
    # then
    job = Job.objects.get(kind=WRITE_JOB)
    assert (job.state, job.result["failed"]) == (Job.State.DONE, "graphql")
    assert job.result["errors"]
    assert results() == []
    saleor_standin.invalid_documents.clear()  # sent on purpose
