"""The page's API refuses anything but a valid Dashboard JWT of this installation with the right permission,
and a refused request changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from app.coupons.models import Coupon
from app.coupons.services import coupon_create
from tests.dashboard.conftest import percent_coupon


def _bad_token(kind: str, standin: Any) -> str | None:
    if kind == "missing":
        return None
    if kind == "expired":
        return standin.issue_dashboard_jwt(expires_in=-5)
    if kind == "other_app":
        other, _ = standin.create_app(name="Another app", identifier="other.app")
        return standin.issue_dashboard_jwt(app_id=other.global_id)
    if kind == "wrong_issuer":
        return standin.issue_dashboard_jwt(issuer="https://evil.example.com/graphql/")
    if kind == "wrong_key":
        return standin.issue_dashboard_jwt(signing_key=standin.foreign_key())
    if kind == "garbage":
        return "not-a-jwt"
    raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "code", "reason"),
    [
        pytest.param("missing", "missing_token", None, id="no-token"),
        pytest.param("expired", "token_expired", None, id="expired"),
        pytest.param("other_app", "invalid_token", "app", id="token-of-another-app"),
        pytest.param("wrong_issuer", "invalid_token", "issuer", id="issued-by-another-saleor"),
        pytest.param("wrong_key", "invalid_token", "signature", id="signed-with-a-foreign-key"),
        pytest.param("garbage", "invalid_token", "malformed", id="not-a-jwt"),
    ],
)
def test_a_call_without_a_valid_token_is_refused_with_401(
    kind: str, code: str, reason: str | None, dashboard_api: Any, saleor_standin: Any
) -> None:
    # given
    bad = _bad_token(kind, saleor_standin)

    # when
    response = dashboard_api.get("/coupons", bad)

    # then
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == code
    assert error.get("reason") == reason


def test_a_user_without_manage_discounts_is_refused_with_403(dashboard_api: Any, saleor_standin: Any) -> None:
    # given
    token = saleor_standin.issue_dashboard_jwt(user_permissions=("MANAGE_ORDERS",))

    # when
    response = dashboard_api.get("/coupons", token)

    # then
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "permission_denied",
        "message": "Your Saleor account lacks the MANAGE_DISCOUNTS permission needed here.",
        "permission": "MANAGE_DISCOUNTS",
    }


@pytest.mark.parametrize(
    ("kind", "permissions", "status"),
    [
        pytest.param("missing", ("MANAGE_DISCOUNTS",), 401, id="no-token"),
        pytest.param("expired", ("MANAGE_DISCOUNTS",), 401, id="expired"),
        pytest.param("wrong_key", ("MANAGE_DISCOUNTS",), 401, id="wrong-key"),
        pytest.param(None, ("MANAGE_ORDERS",), 403, id="no-permission"),
    ],
)
def test_a_refused_write_changes_nothing(
    kind: str | None, permissions: tuple[str, ...], status: int, dashboard_api: Any, saleor_standin: Any,
    installation: Any,
) -> None:
    # given
    existing = coupon_create(installation=installation, data=percent_coupon("Kept", "KEPT10"), actor="owner")
    if kind:
        token = _bad_token(kind, saleor_standin)
    else:
        token = saleor_standin.issue_dashboard_jwt(user_permissions=permissions)

    # when
    created = dashboard_api.send("POST", "/coupons", token, percent_coupon("Sneaky", "SNEAKY"))
    deleted = dashboard_api.send("DELETE", f"/coupons/{existing.pk}", token)
    disabled = dashboard_api.send("POST", f"/coupons/{existing.pk}/disable", token)

    # then
    assert [created.status_code, deleted.status_code, disabled.status_code] == [status] * 3
    assert list(Coupon.objects.values_list("name", "status")) == [("Kept", "active")]


def test_the_session_needs_a_valid_token_but_no_permission(dashboard_api: Any, saleor_standin: Any) -> None:
    # given
    token = saleor_standin.issue_dashboard_jwt(user_permissions=("MANAGE_ORDERS",), email="clerk@example.com")

    # when
    response = dashboard_api.get("/session", token, language="fr-FR,fr;q=0.9")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["email"] == "clerk@example.com"
    assert body["user"]["permissions"] == ["MANAGE_ORDERS"]
    assert body["language"] == "fr"
    assert response["Cache-Control"] == "no-store"


def test_an_unknown_saleor_is_404_and_a_missing_api_url_is_400(dashboard_api: Any, token: str) -> None:
    # when
    unknown = dashboard_api.get("/coupons", token, api_url="https://unknown.example.com/graphql/")
    missing = dashboard_api.client.get("/api/dashboard/coupons", headers={"authorization-bearer": token})

    # then
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "unknown_installation")
    assert (missing.status_code, missing.json()["error"]["code"]) == (400, "missing_saleor_api_url")


def test_an_uninstalled_app_refuses_even_a_valid_token(dashboard_api: Any, token: str, installation: Any) -> None:
    # given
    installation.is_active = False
    installation.save(update_fields=["is_active"])

    # when
    response = dashboard_api.get("/coupons", token)

    # then
    assert response.status_code == 404


def test_cookies_alone_never_authenticate_so_a_cross_site_form_gets_nothing(
    dashboard_api: Any, installation: Any
) -> None:
    # given: a browser that would send cookies along with a forged form post, but no bearer header
    dashboard_api.client.cookies["sessionid"] = "whatever"
    dashboard_api.client.cookies["csrftoken"] = "whatever"

    # when
    response = dashboard_api.client.post(
        "/api/dashboard/coupons", "name=Forged", content_type="application/x-www-form-urlencoded",
        headers={"saleor-api-url": installation.saleor_api_url},
    )

    # then
    assert response.status_code == 401
    assert not Coupon.objects.exists()


def test_a_valid_token_writes_without_any_csrf_cookie(dashboard_api: Any, token: str) -> None:
    # when: the client enforces CSRF checks, as a browser session would
    response = dashboard_api.send("POST", "/coupons", token, percent_coupon())

    # then
    assert response.status_code == 201
    assert Coupon.objects.get().name == "Welcome"


def test_a_token_signed_after_a_key_rotation_is_accepted(dashboard_api: Any, saleor_standin: Any) -> None:
    # given: Saleor rotated its key; the installation still holds the old JWKS
    saleor_standin.rotate_key()
    token = saleor_standin.issue_dashboard_jwt()

    # when
    response = dashboard_api.get("/coupons", token)

    # then
    assert response.status_code == 200
