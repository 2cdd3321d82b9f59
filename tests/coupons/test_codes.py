from __future__ import annotations

import re

import pytest

from app.core.errors import AppError
from app.coupons import codes, services
from app.coupons.models import Code, CodeBatch


@pytest.mark.parametrize(
    ("typed", "stored"),
    [(" summer10 ", "SUMMER10"), ("Summer10", "SUMMER10"), ("noël-20", "NOËL-20")],
    ids=["spaces", "mixed-case", "accented"],
)
def test_canonical_code_is_stripped_upper_case(typed, stored):
    # when / then
    assert codes.canonical(typed) == stored


@pytest.mark.parametrize("typed", ["", "   ", "TWO WORDS", "A,B", "X" * 101], ids=["empty", "blank", "space",
                                                                                 "comma", "too-long"])
def test_canonical_refuses_unusable_codes(typed):
    # when / then
    with pytest.raises(AppError) as error:
        codes.canonical(typed)
    assert error.value.code == "invalid_code"


def test_codes_are_unique_per_installation_whatever_the_case(make_coupon, other_installation):
    # given
    make_coupon("First", codes=["WELCOME"])
    # when / then: the same code in another case is refused in the same installation...
    with pytest.raises(AppError) as error:
        make_coupon("Second", codes=["welcome"])
    assert error.value.code == "code_taken"
    # ...and accepted in another installation
    other = make_coupon("Elsewhere", codes=["welcome"], inst=other_installation)
    assert list(other.codes.values_list("code", flat=True)) == ["WELCOME"]


def test_pattern_too_small_for_count_is_refused_with_the_fix():
    # when
    with pytest.raises(AppError) as error:
        codes.pattern_validate(pattern="##", count=1000)
    # then
    assert error.value.code == "pattern_too_small"
    assert "Use at least 3" in error.value.message


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [({"pattern": "SUMMER"}, "invalid_pattern"), ({"pattern": "####", "charset": "AAB"}, "invalid_charset"),
     ({"pattern": "####", "count": 0}, "invalid_count"), ({"pattern": "####", "prefix": "#"}, "invalid_pattern")],
    ids=["no-placeholder", "repeated-charset", "zero-count", "hash-in-prefix"],
)
def test_pattern_validation_errors(kwargs, code):
    # when / then
    with pytest.raises(AppError) as error:
        codes.pattern_validate(**{"count": 10, **kwargs})
    assert error.value.code == code


def test_random_codes_follow_the_pattern_and_charset():
    # given
    shape = codes.pattern_validate(pattern="####-##", prefix="sum-", suffix="-x", count=100)
    # when
    drawn = codes.random_codes(shape, 500)
    # then
    assert len(drawn) == 500
    assert all(re.fullmatch(r"SUM-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{2}-X", c) for c in drawn)


def test_batch_generates_exactly_count_unique_codes(make_coupon):
    # given
    coupon = make_coupon(codes=[])
    batch = services.code_batch_create(coupon=coupon, count=1200, pattern="BATCH-######")
    # when
    done = services.code_batch_run(batch=batch, chunk_size=500)
    # then
    stored = list(Code.objects.filter(batch=batch).values_list("code", flat=True))
    assert done.status == CodeBatch.Status.DONE
    assert done.generated == 1200 == len(stored) == len(set(stored))
    assert all(c.startswith("BATCH-") for c in stored)
    assert Code.objects.filter(batch=batch, kind=Code.Kind.UNIQUE, usage_limit=1).count() == 1200


def test_batch_resumes_after_a_stop_without_duplicates_or_overshoot(make_coupon):
    # given: a worker stopped after two chunks of 300
    coupon = make_coupon(codes=[])
    batch = services.code_batch_create(coupon=coupon, count=1000, pattern="R-#######")
    stopped = services.code_batch_run(batch=batch, chunk_size=300, max_chunks=2)
    assert (stopped.status, stopped.generated) == (CodeBatch.Status.RUNNING, 600)
    # and its progress counter was lost (the process died between the insert and the report)
    CodeBatch.objects.filter(pk=batch.pk).update(generated=0)
    # when: the job runs again
    resumed = services.code_batch_run(batch=batch, chunk_size=300)
    # then: it counted what was stored and generated only what was missing
    stored = list(Code.objects.filter(batch=batch).values_list("code", flat=True))
    assert resumed.status == CodeBatch.Status.DONE
    assert resumed.generated == 1000 == len(stored) == len(set(stored))


def test_batch_skips_codes_that_already_exist(make_coupon, installation):
    # given: a narrow pattern where collisions with existing codes are frequent
    coupon = make_coupon(codes=[])
    first = services.code_batch_run(batch=services.code_batch_create(coupon=coupon, count=100, pattern="###",
                                                                      charset="ABCDEFGHJK"))
    # when: a second batch draws from the same space
    second = services.code_batch_run(batch=services.code_batch_create(coupon=coupon, count=50, pattern="###",
                                                                       charset="ABCDEFGHJK"))
    # then: every stored code is unique and both batches are complete
    all_codes = list(Code.objects.filter(coupon=coupon).values_list("code", flat=True))
    assert (first.generated, second.generated) == (100, 50)
    assert len(all_codes) == len(set(all_codes)) == 150


def test_batch_job_runs_through_the_queue(make_coupon):
    # given
    from app.core import jobs

    coupon = make_coupon(codes=[])
    batch = services.code_batch_create(coupon=coupon, count=20, pattern="Q-#####")
    # when
    jobs.drain()
    # then
    batch.refresh_from_db()
    assert (batch.status, batch.generated, batch.progress) == (CodeBatch.Status.DONE, 20, 1.0)
