"""The Coupons section's JSON API, called like the page calls it (bearer JWT + saleor-api-url)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from app.core import jobs
from app.coupons import services
from app.coupons.models import AttemptLog, Code, Coupon, Redemption
from app.saleor.models import Installation
from tests.dashboard.conftest import percent_coupon


@pytest.fixture
def make_coupon(installation: Installation) -> Any:
    def make(name: str = "Welcome", code: str = "WELCOME10", **extra: Any) -> Coupon:
        data = {**percent_coupon(name, code), **extra}
        return services.coupon_create(installation=installation, data=data, actor="x")

    return make


def _use(coupon: Coupon, *, order: str, email: str, amount: str = "5.00") -> Redemption:
    code = Code.objects.filter(coupon=coupon).first()
    redemption = services.redemption_record(
        installation=coupon.installation, coupon=coupon, code=code, order_id=order, order_number=order[-4:],
        customer_email=email, amount=Decimal(amount), currency="USD",
    )
    assert redemption is not None
    return redemption


def test_create_a_coupon_answers_its_page_data(dashboard_api: Any, token: str) -> None:
    # when
    response = dashboard_api.send("POST", "/coupons", token, percent_coupon("Welcome", "welcome10"))

    # then
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Welcome"
    assert body["codes"] == ["WELCOME10"]
    assert body["status"] == "active"
    assert body["validity"] == "current"
    assert body["rule"]["benefit"]["percent"] == "10"
    assert body["usage"]["uses"] == 0
    assert Coupon.objects.get().revisions.get().actor == "merchant@example.com"


def test_an_invalid_coupon_is_refused_field_by_field_and_nothing_is_saved(dashboard_api: Any, token: str) -> None:
    # given
    body = percent_coupon(percent="150")
    body["name"] = ""

    # when
    response = dashboard_api.send("POST", "/coupons", token, body)

    # then
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_coupon"
    assert {e["field"] for e in error["errors"]} == {"name", "rule.benefit.percentage.percent"}
    assert not Coupon.objects.exists()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        pytest.param("{not json", "invalid_json", id="not-json"),
        pytest.param("[1, 2]", "invalid_json", id="not-an-object"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_400(raw: str, code: str, dashboard_api: Any, token: str) -> None:
    # when
    response = dashboard_api.send("POST", "/coupons", token, raw)

    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize(
    ("query", "names"),
    [
        pytest.param({"q": "summer"}, ["Summer"], id="search-by-code-any-case"),
        pytest.param({"q": "WINT"}, ["Winter"], id="search-by-code-prefix"),
        pytest.param({"q": "wel"}, ["Welcome"], id="search-by-name"),
        pytest.param({"status": "disabled"}, ["Winter"], id="disabled"),
        pytest.param({"validity": "expired"}, ["Summer"], id="expired"),
        pytest.param({"validity": "current", "status": "active"}, ["Welcome"], id="valid-now-and-active"),
    ],
)
def test_search_and_filter_the_coupons(
    query: dict[str, str], names: list[str], dashboard_api: Any, token: str, make_coupon: Any
) -> None:
    # given
    past = timezone.now() - timedelta(days=10)
    make_coupon("Welcome", "WELCOME10")
    summer = percent_coupon("Summer", "SUMMER20")
    summer["rule"]["conditions"] = {"starts_at": (past - timedelta(days=30)).isoformat(), "ends_at": past.isoformat()}
    services.coupon_create(installation=dashboard_api.installation, data=summer, actor="x")
    services.coupon_disable(coupon=make_coupon("Winter", "WINTER5"))

    # when
    response = dashboard_api.client.get("/api/dashboard/coupons", query, headers=dashboard_api.headers(token))

    # then
    assert response.status_code == 200
    assert [c["name"] for c in response.json()["results"]] == names


def test_an_unknown_filter_value_is_a_400(dashboard_api: Any, token: str) -> None:
    # when
    response = dashboard_api.client.get(
        "/api/dashboard/coupons", {"validity": "someday"}, headers=dashboard_api.headers(token)
    )

    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_filter"


def test_edit_with_a_stale_version_is_refused_and_an_edit_is_kept_in_the_history(
    dashboard_api: Any, token: str, make_coupon: Any
) -> None:
    # given
    coupon = make_coupon()
    edit = {**percent_coupon("Welcome back", "WELCOME10", percent="15"), "version": coupon.version}

    # when
    first = dashboard_api.send("PUT", f"/coupons/{coupon.pk}", token, edit)
    stale = dashboard_api.send("PUT", f"/coupons/{coupon.pk}", token, {**edit, "name": "Lost"})
    history = dashboard_api.get(f"/coupons/{coupon.pk}/history", token)

    # then
    assert first.status_code == 200
    assert first.json()["name"] == "Welcome back"
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "version_conflict"
    latest = history.json()["results"][0]
    assert latest["action"] == "updated"
    assert latest["actor"] == "merchant@example.com"
    assert latest["changes"]["name"] == {"before": "Welcome", "after": "Welcome back"}
    assert Coupon.objects.get().name == "Welcome back"


def test_a_used_coupon_cannot_be_deleted_but_can_be_disabled(dashboard_api: Any, token: str, make_coupon: Any) -> None:
    # given
    used = make_coupon("Used", "USED10")
    _use(used, order="order-1", email="alice@example.com")
    unused = make_coupon("Unused", "UNUSED10")

    # when
    refused = dashboard_api.send("DELETE", f"/coupons/{used.pk}", token)
    deleted = dashboard_api.send("DELETE", f"/coupons/{unused.pk}", token)
    disabled = dashboard_api.send("POST", f"/coupons/{used.pk}/disable", token)

    # then
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "has_redemptions"
    assert refused.json()["error"]["suggestion"] == "disable"
    assert deleted.status_code == 200
    assert disabled.json()["status"] == "disabled"
    assert list(Coupon.objects.values_list("name", "status")) == [("Used", "disabled")]


def test_generate_a_batch_and_follow_its_progress(dashboard_api: Any, token: str, make_coupon: Any) -> None:
    # given
    coupon = make_coupon()

    # when
    created = dashboard_api.send(
        "POST", f"/coupons/{coupon.pk}/batches", token, {"count": 30, "pattern": "####-####", "prefix": "GIFT-"}
    )
    before = dashboard_api.get(f"/batches/{created.json()['id']}", token).json()
    jobs.drain()
    after = dashboard_api.get(f"/batches/{created.json()['id']}", token).json()

    # then
    assert created.status_code == 201
    assert (before["status"], before["generated"], before["progress"]) == ("pending", 0, 0)
    assert (after["status"], after["generated"], after["progress"]) == ("done", 30, 1.0)
    listed = dashboard_api.client.get(
        f"/api/dashboard/coupons/{coupon.pk}/codes", {"q": "gift-"}, headers=dashboard_api.headers(token)
    ).json()
    assert len(listed["results"]) == 25
    assert listed["has_next"] is True


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        pytest.param({"count": 0, "pattern": "####"}, 400, "validation_error", id="no-code"),
        pytest.param({"count": 10, "pattern": "ABC"}, 400, "invalid_pattern", id="pattern-without-hash"),
        pytest.param({"count": 10, "pattern": "#"}, 400, "pattern_too_small", id="pattern-too-small"),
    ],
)
def test_a_batch_the_pattern_cannot_hold_is_refused(
    body: dict[str, Any], status: int, code: str, dashboard_api: Any, token: str, make_coupon: Any
) -> None:
    # given
    coupon = make_coupon()

    # when
    response = dashboard_api.send("POST", f"/coupons/{coupon.pk}/batches", token, body)

    # then
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert not coupon.batches.exists()


def test_export_and_import_codes_as_csv(dashboard_api: Any, token: str, make_coupon: Any) -> None:
    # given
    coupon = make_coupon()
    headers = dashboard_api.headers(token)

    # when
    bad = dashboard_api.client.post(
        f"/api/dashboard/coupons/{coupon.pk}/codes/import", "code\nVIP-1\nVIP 2\nwelcome10\n",
        content_type="text/csv", headers=headers,
    )
    good = dashboard_api.client.post(
        f"/api/dashboard/coupons/{coupon.pk}/codes/import", "\ufeffcode,assigned_customer\nvip-1,Alice@Example.com\n",
        content_type="text/csv", headers=headers,
    )
    exported = dashboard_api.get(f"/coupons/{coupon.pk}/codes.csv", token)

    # then
    assert bad.status_code == 400
    assert [e["line"] for e in bad.json()["error"]["errors"]] == [3, None]
    assert good.json() == {"created": 1}
    assert exported["Content-Disposition"] == f'attachment; filename="coupon-{coupon.pk}-codes.csv"'
    rows = list(csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode())))
    assert {(r["code"], r["assigned_customer"]) for r in rows} == {("WELCOME10", ""), ("VIP-1", "alice@example.com")}


def test_find_a_usage_and_cancel_it(dashboard_api: Any, token: str, make_coupon: Any) -> None:
    # given
    coupon = make_coupon()
    alice = _use(coupon, order="order-1042", email="alice@example.com", amount="12.5")
    _use(coupon, order="order-1043", email="bob@example.com")

    # when
    found = dashboard_api.client.get(
        f"/api/dashboard/coupons/{coupon.pk}/usage", {"customer": "Alice@Example.com"},
        headers=dashboard_api.headers(token),
    ).json()
    cancelled = dashboard_api.send("POST", f"/usage/{alice.pk}/cancel", token)
    again = dashboard_api.send("POST", f"/usage/{alice.pk}/cancel", token)

    # then
    assert [(u["customer_email"], u["amount"], u["order_id"]) for u in found["results"]] == [
        ("alice@example.com", "12.50", "order-1042")]
    assert cancelled.status_code == 200
    assert (cancelled.json()["state"], cancelled.json()["released_by"]) == ("released", "merchant@example.com")
    assert again.status_code == 409
    assert Redemption.objects.filter(state="active").count() == 1


def test_another_installation_s_data_is_out_of_reach(
    dashboard_api: Any, token: str, saleor_standin: Any, make_coupon: Any
) -> None:
    # given: a coupon and a usage of another Saleor on the same deployment
    other = Installation.objects.create(saleor_api_url="https://other.example.com/graphql/", app_id="QXBwOjk=")
    theirs = services.coupon_create(installation=other, data=percent_coupon("Theirs", "THEIRS"), actor="x")
    usage = _use(theirs, order="order-9", email="eve@example.com")

    # when
    detail = dashboard_api.get(f"/coupons/{theirs.pk}", token)
    cancel = dashboard_api.send("POST", f"/usage/{usage.pk}/cancel", token)
    listed = dashboard_api.get("/coupons", token)

    # then
    assert detail.status_code == 404
    assert cancel.status_code == 404
    assert listed.json()["results"] == []
    assert Redemption.objects.get(pk=usage.pk).state == "active"


def test_the_attempts_log_filters_by_code_and_customer(dashboard_api: Any, token: str) -> None:
    # given
    tries = [("SUMMER20", "carol@example.com", "rejected"), ("SUMMER20", "dan@example.com", "applied"),
             ("NOPE", "carol@example.com", "unknown")]
    for code, email, result in tries:
        AttemptLog.objects.create(installation=dashboard_api.installation, code_typed=code.lower(), code=code,
                                  customer_email=email, result=result, reason="", message="")

    # when
    response = dashboard_api.client.get(
        "/api/dashboard/attempts", {"code": "summer20", "customer": "carol@example.com"},
        headers=dashboard_api.headers(token),
    )
    bad = dashboard_api.client.get("/api/dashboard/attempts", {"result": "maybe"}, headers=dashboard_api.headers(token))

    # then
    assert [(a["code"], a["customer_email"], a["result"]) for a in response.json()["results"]] == [
        ("SUMMER20", "carol@example.com", "rejected")]
    assert bad.status_code == 400


def test_diagnose_answers_in_the_page_s_language(dashboard_api: Any, token: str, make_coupon: Any) -> None:
    # given
    coupon = make_coupon("Bienvenue", "BIENVENUE10")
    services.coupon_disable(coupon=coupon)

    # when
    response = dashboard_api.send(
        "POST", "/diagnose", token, {"code": "bienvenue10", "customer_email": "Alice@Example.com"}, language="fr"
    )

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is False
    assert body["coupon_name"] == "Bienvenue"
    disabled = next(f for f in body["findings"] if f["reason"] == "disabled")
    assert disabled["message"] == "Le coupon « Bienvenue » est désactivé."
    assert disabled["fix"].startswith("Réactivez le coupon")


def test_diagnose_refuses_an_unusable_e_mail(dashboard_api: Any, token: str) -> None:
    # when
    response = dashboard_api.send("POST", "/diagnose", token, {"code": "X", "customer_email": "not an email"})

    # then
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["customer_email"]


def test_analytics_count_redemptions_per_day_and_discount_per_coupon(
    dashboard_api: Any, token: str, make_coupon: Any
) -> None:
    # given
    coupon = make_coupon()
    _use(coupon, order="order-1", email="a@example.com", amount="4.00")
    _use(coupon, order="order-2", email="b@example.com", amount="6.00")

    # when
    response = dashboard_api.client.get("/api/dashboard/analytics", {"days": "7"}, headers=dashboard_api.headers(token))

    # then
    body = response.json()
    assert len(body["per_day"]) == 7
    assert body["per_day"][-1]["count"] == 2
    assert body["per_coupon"] == [{"coupon_id": coupon.pk, "name": "Welcome", "uses": 2, "amounts": {"USD": "10.00"}}]


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        pytest.param("PATCH", "/coupons", 405, "method_not_allowed", id="wrong-method"),
        pytest.param("GET", "/coupons/999999", 404, "coupon_not_found", id="unknown-coupon"),
        pytest.param("GET", "/batches/999999", 404, "batch_not_found", id="unknown-batch"),
        pytest.param("GET", "/nowhere", 404, "not_found", id="unknown-endpoint"),
    ],
)
def test_wrong_calls_answer_json_errors(
    method: str, path: str, status: int, code: str, dashboard_api: Any, token: str
) -> None:
    # when
    response = dashboard_api.send(method, path, token)

    # then
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_a_coupon_saleor_refused_can_be_sent_again(dashboard_api: Any, token: str, make_coupon: Any) -> None:
    # given
    coupon = make_coupon()
    Coupon.objects.filter(pk=coupon.pk).update(mirror_state="failed", mirror_error="code ALREADY_EXISTS")

    # when
    response = dashboard_api.send("POST", f"/coupons/{coupon.pk}/resync", token)

    # then
    assert response.status_code == 200
    assert response.json()["mirror_error"] == ""
    assert Coupon.objects.get().mirror_error == ""
