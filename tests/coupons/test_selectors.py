from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from app.core.errors import AppError, NotFound
from app.coupons import selectors, services
from app.coupons.models import AttemptLog, Redemption

from .conftest import percent_rule

NOW = timezone.now()


def _window(days_from: int | None, days_to: int | None) -> dict:
    conditions = {}
    if days_from is not None:
        conditions["starts_at"] = (NOW + timedelta(days=days_from)).isoformat()
    if days_to is not None:
        conditions["ends_at"] = (NOW + timedelta(days=days_to)).isoformat()
    return percent_rule("10", **conditions)


@pytest.fixture
def catalogue(make_coupon):
    current = make_coupon("Summer sale", codes=["SUMMER10"], rule=_window(-1, 10))
    scheduled = make_coupon("Black Friday", codes=["BF2026"], rule=_window(5, 6))
    expired = make_coupon("Spring", codes=["SPRING"], rule=_window(-10, -1))
    open_ended = make_coupon("Welcome", codes=["WELCOME"])
    services.coupon_disable(coupon=open_ended)
    return {"current": current, "scheduled": scheduled, "expired": expired, "disabled": open_ended}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"search": "summer"}, ["current"]),
        ({"search": "bf20"}, ["scheduled"]),
        ({"search": "welcome"}, ["disabled"]),
        ({"status": "disabled"}, ["disabled"]),
        ({"validity": "current"}, ["current", "disabled"]),
        ({"validity": "scheduled"}, ["scheduled"]),
        ({"validity": "expired"}, ["expired"]),
        ({"status": "active", "validity": "current"}, ["current"]),
    ],
    ids=["name", "code-prefix-any-case", "code-exact", "status", "current", "scheduled", "expired", "combined"],
)
def test_coupon_list_filters(installation, catalogue, filters, expected):
    # when
    found = selectors.coupon_list(installation=installation, now=NOW, **filters)
    # then
    names = {c.pk: k for k, c in catalogue.items()}
    assert sorted(names[c.pk] for c in found) == sorted(expected)


def test_coupon_list_refuses_unknown_filters(installation):
    # when / then
    with pytest.raises(AppError):
        list(selectors.coupon_list(installation=installation, validity="someday"))


def test_coupon_list_is_scoped_to_the_installation(make_coupon, installation, other_installation):
    # given
    make_coupon("Mine", codes=["MINE"])
    make_coupon("Theirs", codes=["THEIRS"], inst=other_installation)
    # when
    found = selectors.coupon_list(installation=installation)
    # then
    assert [c.name for c in found] == ["Mine"]
    with pytest.raises(NotFound):
        selectors.coupon_get(installation=installation, coupon_id=selectors.coupon_list(
            installation=other_installation).get().pk)


def test_code_search_exact_first_then_prefix(make_coupon, installation):
    # given
    make_coupon("A", codes=["SUMMER", "SUMMER10", "SUMMER20"])
    # when
    found = selectors.code_search(installation=installation, code="summer")
    # then
    assert [c.code for c in found] == ["SUMMER", "SUMMER10", "SUMMER20"]


def _redeem(installation, coupon, order: str, email: str, amount: str, days_ago: int = 0):
    redemption = services.redemption_record(
        installation=installation, coupon=coupon, code=coupon.codes.first(), order_id=order,
        order_number=order, customer_email=email, amount=Decimal(amount), currency="EUR", order_code="X")
    Redemption.objects.filter(pk=redemption.pk).update(created_at=NOW - timedelta(days=days_ago))
    return redemption


def test_usage_list_and_csv_export(make_coupon, installation):
    # given
    coupon = make_coupon("Summer", codes=["SUMMER10"])
    _redeem(installation, coupon, "1001", "ann@example.com", "12.50")
    second = _redeem(installation, coupon, "1002", "bob@example.com", "7.00")
    services.redemption_cancel(redemption=second, actor="staff@example.com")
    # when
    active = selectors.usage_list(installation=installation, coupon=coupon, state="active")
    by_customer = selectors.usage_list(installation=installation, customer="BOB@example.com")
    rows = list(csv.DictReader(io.StringIO("".join(selectors.usage_export_csv(installation=installation)))))
    # then
    assert [r.order_number for r in active] == ["1001"]
    assert [r.order_number for r in by_customer] == ["1002"]
    assert [(r["order_number"], r["code"], r["amount"], r["currency"], r["state"], r["release_reason"])
            for r in rows] == [("1001", "SUMMER10", "12.50", "EUR", "active", ""),
                               ("1002", "SUMMER10", "7.00", "EUR", "released", "merchant")]


def test_codes_export_streams_every_code_with_its_uses(make_coupon, installation):
    # given
    coupon = make_coupon("Summer", codes=["B-CODE", "A-CODE"])
    services.redemption_record(installation=installation, coupon=coupon, code=coupon.codes.get(code="A-CODE"),
                               order_id="o1", amount=Decimal("1"), currency="EUR")
    # when
    lines = list(selectors.codes_export_csv(coupon=coupon, chunk=1))
    # then
    rows = list(csv.DictReader(io.StringIO("".join(lines))))
    assert {r["code"]: r["uses"] for r in rows} == {"A-CODE": "1", "B-CODE": "0"}
    assert len(lines) == 3


def test_attempt_list_filters(installation):
    # given
    for code, email, checkout in [("SUMMER", "ann@example.com", "c1"), ("SUMMER", "bob@example.com", "c2"),
                                  ("OTHER", "ann@example.com", "c1")]:
        AttemptLog.objects.create(installation=installation, code_typed=code.lower(), code=code,
                                  customer_email=email, checkout_id=checkout, result="rejected")
    # when / then
    assert len(selectors.attempt_list(installation=installation, code="summer")) == 2
    assert len(selectors.attempt_list(installation=installation, customer="Ann@Example.com")) == 2
    assert [a.code for a in selectors.attempt_list(installation=installation, checkout_id="c2")] == ["SUMMER"]


def test_analytics(make_coupon, installation):
    # given
    summer = make_coupon("Summer", codes=["SUMMER10"])
    winter = make_coupon("Winter", codes=["WINTER"])
    _redeem(installation, summer, "1", "a@example.com", "10.00", days_ago=0)
    _redeem(installation, summer, "2", "b@example.com", "5.00", days_ago=0)
    _redeem(installation, winter, "3", "c@example.com", "2.50", days_ago=2)
    # when
    per_day = selectors.redemptions_per_day(installation=installation, days=3, now=NOW)
    per_coupon = selectors.discount_per_coupon(installation=installation)
    # then
    assert [(d["count"], d["amounts"]) for d in per_day] == [(1, {"EUR": "2.50"}), (0, {}), (2, {"EUR": "15.00"})]
    assert [(c["name"], c["uses"], c["amounts"]) for c in per_coupon] == [
        ("Summer", 2, {"EUR": "15.00"}), ("Winter", 1, {"EUR": "2.50"})]


def test_code_batch_progress_is_readable(make_coupon, installation):
    # given
    coupon = make_coupon(codes=[])
    batch = services.code_batch_create(coupon=coupon, count=100, pattern="P-######")
    services.code_batch_run(batch=batch, chunk_size=40, max_chunks=1)
    # when
    read = selectors.code_batch_get(installation=installation, batch_id=batch.pk)
    # then
    assert (read.status, read.generated, read.progress) == ("running", 40, 0.4)


def test_json_shapes_for_the_dashboard(make_coupon, installation):
    # given
    coupon = make_coupon("Summer", codes=["SUMMER10"], usage_limit=5)
    redemption = services.redemption_record(installation=installation, coupon=coupon, code=coupon.codes.get(),
                                            order_id="o1", order_number="7", amount=Decimal("2.5"), currency="EUR")
    # when
    shown = selectors.coupon_json(selectors.coupon_list(installation=installation).get(), with_codes=True)
    used = selectors.redemption_json(redemption)
    history = [selectors.revision_json(r) for r in selectors.coupon_revisions(coupon=coupon)]
    # then
    assert (shown["name"], shown["codes"], shown["uses"], shown["version"]) == ("Summer", ["SUMMER10"], 1, 1)
    assert shown["mirror"]["state"] == "pending"
    assert (used["code"], used["amount"], used["order_number"]) == ("SUMMER10", "2.50", "7")
    assert [h["action"] for h in history] == ["created"]
