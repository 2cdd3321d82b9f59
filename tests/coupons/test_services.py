from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from app.core.errors import AppError, Conflict
from app.coupons import selectors, services
from app.coupons.models import AttemptLog, Code, Coupon, CouponRevision, Redemption

from .conftest import fixed_rule, percent_rule


def _redeem(installation, coupon, *, order: str, email: str = "a@example.com", code: Code | None = None,
            amount: str = "5.00"):
    return services.redemption_record(
        installation=installation, coupon=coupon, code=code or coupon.codes.first(), order_id=order,
        order_number=order.removeprefix("order-"), customer_email=email, amount=Decimal(amount), currency="USD",
        order_code=(code or coupon.codes.first()).code,
    )


def test_create_stores_rule_codes_and_a_revision(make_coupon):
    # when
    coupon = make_coupon("Welcome", codes=["welcome10", "Hello"], rule=percent_rule("10", first_order_only=True),
                         description="New customers", usage_limit=100)
    # then
    assert (coupon.name, coupon.status, coupon.version, coupon.usage_limit) == ("Welcome", "active", 1, 100)
    assert sorted(coupon.codes.values_list("code", flat=True)) == ["HELLO", "WELCOME10"]
    assert selectors.coupon_rule(coupon).conditions.first_order_only is True
    revision = CouponRevision.objects.get(coupon=coupon)
    assert (revision.action, revision.actor) == ("created", "merchant@example.com")


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "rule": percent_rule()}, "name"),
        ({"name": "X", "rule": {"benefit": {"kind": "percentage", "percent": "150"}}}, "rule"),
        ({"name": "X", "rule": {"benefit": {"kind": "fixed_amount", "amount": "5"}}}, "rule"),
        ({"name": "X", "rule": percent_rule(), "usage_limit": 0}, "usage_limit"),
        ({"name": "X", "rule": percent_rule(), "codes": ["A B"]}, "codes"),
        ({"name": "X", "rule": percent_rule(), "codes": ["dup", "DUP"]}, "codes"),
        ({"name": "X", "rule": percent_rule(), "colour": "red"}, "colour"),
    ],
    ids=["empty-name", "percent-over-100", "fixed-without-currency", "zero-limit", "code-with-space",
         "duplicate-code", "unknown-field"],
)
def test_create_refuses_invalid_input_with_field_errors(installation, data, field):
    # when
    with pytest.raises(AppError) as error:
        services.coupon_create(installation=installation, data=data)
    # then
    assert error.value.code == "invalid_coupon"
    assert any(e["field"].startswith(field) for e in error.value.details["errors"])
    assert Coupon.objects.count() == 0


def test_create_accepts_json_text(installation):
    # when
    coupon = services.coupon_create(installation=installation,
                                    data='{"name": "J", "rule": {"benefit": {"kind": "percentage", "percent": "5"}}}')
    # then
    assert coupon.rule["benefit"]["percent"] == "5"


def test_update_keeps_history_and_checks_version(make_coupon):
    # given
    coupon = make_coupon("Summer", codes=["SUMMER10"])
    data = {"name": "Summer sale", "rule": percent_rule("15"), "codes": ["SUMMER10", "SUMMER15"]}
    # when
    updated = services.coupon_update(coupon=coupon, data=data, actor="ann@example.com", expected_version=1)
    # then
    assert (updated.name, updated.version) == ("Summer sale", 2)
    revision = updated.revisions.first()
    assert revision.actor == "ann@example.com"
    assert revision.changes["name"] == {"before": "Summer", "after": "Summer sale"}
    assert revision.changes["codes"] == {"before": ["SUMMER10"], "after": ["SUMMER10", "SUMMER15"]}
    # and a stale edit is refused
    with pytest.raises(Conflict) as error:
        services.coupon_update(coupon=coupon, data={**data, "name": "Late"}, expected_version=1)
    assert error.value.code == "version_conflict"
    assert Coupon.objects.get(pk=coupon.pk).name == "Summer sale"


def test_update_deactivates_removed_static_codes(make_coupon):
    # given
    coupon = make_coupon(codes=["A1", "B2"])
    # when
    services.coupon_update(coupon=coupon, data={"name": "Summer", "rule": percent_rule(), "codes": ["B2"]})
    # then
    assert dict(coupon.codes.values_list("code", "is_active")) == {"A1": False, "B2": True}


def test_disable_and_enable_are_recorded(make_coupon):
    # given
    coupon = make_coupon()
    # when
    disabled = services.coupon_disable(coupon=coupon, actor="ann@example.com")
    enabled = services.coupon_enable(coupon=coupon, actor="ann@example.com")
    # then
    assert (disabled.status, enabled.status, enabled.version) == ("disabled", "active", 3)
    assert list(coupon.revisions.values_list("action", flat=True)) == ["enabled", "disabled", "created"]


def test_delete_is_refused_while_redemptions_exist(make_coupon, installation):
    # given
    coupon = make_coupon()
    _redeem(installation, coupon, order="order-1")
    # when
    with pytest.raises(Conflict) as error:
        services.coupon_delete(coupon=coupon)
    # then
    assert error.value.code == "has_redemptions"
    assert "Disable it instead" in error.value.message
    assert error.value.details["suggestion"] == "disable"
    assert Coupon.objects.filter(pk=coupon.pk).exists()


def test_delete_an_unused_coupon(make_coupon):
    # given
    coupon = make_coupon()
    # when
    services.coupon_delete(coupon=coupon)
    # then
    assert not Coupon.objects.filter(pk=coupon.pk).exists()
    assert not Code.objects.filter(code="SUMMER10").exists()


def test_redemption_is_recorded_once_per_order(make_coupon, installation):
    # given
    coupon = make_coupon()
    # when: the same order is reported twice (created, then paid; or a redelivery)
    first = _redeem(installation, coupon, order="order-1")
    second = _redeem(installation, coupon, order="order-1")
    # then
    assert first.pk == second.pk
    assert Redemption.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "emails", "recorded", "reason"),
    [
        ({"usage_limit": 2}, ["a@x.com", "b@x.com", "c@x.com"], 2, "usage_cap_reached"),
        ({"usage_limit_per_customer": 1}, ["a@x.com", "A@x.com", "b@x.com"], 2, "customer_cap_reached"),
    ],
    ids=["global-cap", "per-customer-cap"],
)
def test_caps_refuse_redemptions_beyond_the_limit(make_coupon, installation, fields, emails, recorded, reason):
    # given
    coupon = make_coupon(**fields)
    # when
    results = [_redeem(installation, coupon, order=f"order-{i}", email=email) for i, email in enumerate(emails)]
    # then
    assert sum(r is not None for r in results) == recorded
    assert Redemption.objects.filter(coupon=coupon, state="active").count() == recorded
    refusal = AttemptLog.objects.get(reason=reason)
    assert refusal.source == "order"


def test_code_cap_counts_active_redemptions_only(make_coupon, installation):
    # given: a single-use code, used then released
    coupon = make_coupon(codes=[])
    code = services.code_add(coupon=coupon, code="one-shot", usage_limit=1, kind=Code.Kind.UNIQUE)
    assert _redeem(installation, coupon, order="order-1", code=code) is not None
    assert _redeem(installation, coupon, order="order-2", code=code) is None
    # when
    released = services.redemption_release(installation=installation, order_id="order-1", reason="cancelled")
    # then
    assert [r.release_reason for r in released] == ["cancelled"]
    assert _redeem(installation, coupon, order="order-3", code=code) is not None


def test_release_is_idempotent(make_coupon, installation):
    # given
    coupon = make_coupon()
    _redeem(installation, coupon, order="order-1")
    # when
    first = services.redemption_release(installation=installation, order_id="order-1", reason="refunded")
    again = services.redemption_release(installation=installation, order_id="order-1", reason="refunded")
    # then
    assert (len(first), len(again)) == (1, 0)
    assert Redemption.objects.get().state == Redemption.State.RELEASED


def test_cancel_one_usage_lets_the_customer_use_the_code_again(make_coupon, installation):
    # given
    coupon = make_coupon(usage_limit_per_customer=1)
    redemption = _redeem(installation, coupon, order="order-1")
    assert _redeem(installation, coupon, order="order-2") is None
    # when
    cancelled = services.redemption_cancel(redemption=redemption, actor="ann@example.com")
    # then
    assert (cancelled.state, cancelled.release_reason, cancelled.released_by) == ("released", "merchant",
                                                                                   "ann@example.com")
    assert coupon.revisions.first().action == "usage_cancelled"
    assert _redeem(installation, coupon, order="order-3") is not None
    with pytest.raises(Conflict):
        services.redemption_cancel(redemption=redemption)


def test_import_csv_all_or_nothing(make_coupon):
    # given
    coupon = make_coupon(codes=["TAKEN"])
    bad = "code,assigned_customer,usage_limit\nvip-1,Ann@Example.com,1\ntaken,,\nvip-2,,zero\n"
    good = "code,assigned_customer,usage_limit\nvip-1,Ann@Example.com,1\nvip-2,,\n"
    # when
    with pytest.raises(AppError) as error:
        services.codes_import_csv(coupon=coupon, file=bad)
    result = services.codes_import_csv(coupon=coupon, file=good.encode())
    # then
    messages = [e["message"] for e in error.value.details["errors"]]
    assert "usage_limit must be a whole number" in messages and "TAKEN already exists" in messages
    assert result.created == 2
    vip = Code.objects.get(code="VIP-1")
    assert (vip.assigned_customer, vip.usage_limit, vip.kind) == ("ann@example.com", 1, "unique")


def test_attempts_older_than_the_retention_are_purged(installation, settings):
    # given
    settings.ATTEMPTS_RETENTION_DAYS = 30
    now = timezone.now()
    old = AttemptLog.objects.create(installation=installation, code_typed="x", code="X", result="unknown",
                                    created_at=now - timedelta(days=31))
    recent = AttemptLog.objects.create(installation=installation, code_typed="y", code="Y", result="unknown",
                                       created_at=now - timedelta(days=29))
    # when
    deleted = services.attempts_purge(now=now)
    # then
    assert deleted == 1
    assert list(AttemptLog.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not AttemptLog.objects.filter(pk=old.pk).exists()


def test_fixed_rule_round_trips(make_coupon):
    # when
    coupon = make_coupon(rule=fixed_rule("7.50", "EUR"))
    # then
    rule = selectors.coupon_rule(coupon)
    assert (rule.benefit.amount, rule.conditions.currency, rule.id) == (Decimal("7.50"), "EUR", str(coupon.pk))
