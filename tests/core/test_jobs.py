from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from app.core import jobs
from app.core.models import Job

CALLS: list[dict] = []


@jobs.job("tests.record")
def _record(payload: dict) -> dict:
    CALLS.append(payload)
    return {"seen": payload.get("n")}


@jobs.job("tests.flaky")
def _flaky(payload: dict) -> None:
    CALLS.append(payload)
    if len(CALLS) < payload["succeed_on"]:
        raise jobs.RetryLater("saleor is down")


@jobs.periodic("tests.tick", every_seconds=60)
def _tick(payload: dict) -> None:
    CALLS.append(payload)


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()


@pytest.mark.django_db
def test_enqueued_job_runs_once_and_keeps_its_result():
    # given
    job = jobs.enqueue("tests.record", {"n": 1})

    # when
    ran = jobs.drain()
    again = jobs.drain()

    # then
    job.refresh_from_db()
    assert (ran, again) == (1, 0)
    assert job.state == Job.State.DONE
    assert job.result == {"seen": 1}
    assert CALLS == [{"n": 1}]


@pytest.mark.django_db
def test_same_dedupe_key_makes_one_job():
    # when
    first = jobs.enqueue("tests.record", {"n": 1}, dedupe_key="k")
    second = jobs.enqueue("tests.record", {"n": 2}, dedupe_key="k")

    # then
    assert first is not None and second is None
    assert Job.objects.count() == 1


@pytest.mark.django_db
def test_job_of_a_rolled_back_transaction_never_exists():
    # when
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            jobs.enqueue("tests.record", {"n": 1})
            raise RuntimeError("the service failed")

    # then
    assert Job.objects.count() == 0


@pytest.mark.django_db
def test_failing_job_backs_off_exponentially_then_succeeds(settings):
    # given
    settings.TASKS_BACKOFF_BASE_SECONDS = 10
    job = jobs.enqueue("tests.flaky", {"succeed_on": 3})
    start = timezone.now()

    # when: first attempt fails and is pushed 10 s later
    jobs.drain(now=start)
    job.refresh_from_db()
    first_retry = job.run_after

    # then
    assert job.state == Job.State.PENDING and job.attempts == 1
    assert first_retry == start + timedelta(seconds=10)
    assert "saleor is down" in job.last_error
    assert jobs.drain(now=start + timedelta(seconds=9)) == 0

    # when: second attempt fails, pushed 20 s; third succeeds
    jobs.drain(now=first_retry)
    job.refresh_from_db()
    assert job.run_after == first_retry + timedelta(seconds=20)
    jobs.drain(now=job.run_after)

    # then
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.attempts == 3
    assert len(CALLS) == 3


@pytest.mark.django_db
def test_job_is_parked_dead_after_max_attempts(settings):
    # given
    settings.TASKS_MAX_ATTEMPTS = 2
    job = jobs.enqueue("tests.flaky", {"succeed_on": 99})
    later = timezone.now() + timedelta(days=1)

    # when
    jobs.drain(now=later)
    jobs.drain(now=later + timedelta(days=1))

    # then
    job.refresh_from_db()
    assert job.state == Job.State.DEAD and job.attempts == 2
    assert jobs.queue_stats() == {"dead": 1}


@pytest.mark.django_db
def test_a_job_left_running_by_a_dead_process_is_picked_up_again():
    # given: claimed by a worker that died before finishing
    job = jobs.enqueue("tests.record", {"n": 5})
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING, locked_until=timezone.now() - timedelta(seconds=1)
    )

    # when
    jobs.drain()

    # then
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    assert CALLS == [{"n": 5}]


@pytest.mark.django_db
def test_periodic_job_is_enqueued_once_per_period():
    # given
    now = timezone.now()

    # when
    jobs.schedule_periodic(now=now)
    jobs.schedule_periodic(now=now)
    jobs.drain(now=now)
    jobs.schedule_periodic(now=now + timedelta(seconds=61))
    jobs.drain(now=now + timedelta(seconds=61))

    # then
    assert Job.objects.filter(kind="tests.tick").count() == 2
    assert len(CALLS) == 2


def test_enqueue_of_an_unknown_kind_is_refused():
    with pytest.raises(LookupError):
        jobs.enqueue("tests.nobody", {})


@pytest.mark.django_db
def test_health_reports_database_and_queue(client):
    # given
    jobs.enqueue("tests.record", {"n": 1})

    # when
    response = client.get("/health")

    # then
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "jobs": {"pending": 1}}


@pytest.mark.django_db
def test_unknown_api_path_answers_json_404_without_redirect(client):
    # when
    response = client.get("/api/manifest/")

    # then
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
