"""Install through the stand-in's real flow (GET manifest, POST /api/register) and the register refusals."""

from __future__ import annotations

import json

import pytest

from app.saleor.models import Installation
from tests.saleor_standin.server import InstallRefused, SaleorStandin


def register(client, standin: SaleorStandin, token: str, **headers):
    base = {"Saleor-Api-Url": standin.api_url, "Saleor-Domain": standin.domain}
    base.update(headers)
    return client.post("/api/register", data=json.dumps({"auth_token": token}), content_type="application/json",
                       headers={k: v for k, v in base.items() if v is not None})


@pytest.mark.django_db(transaction=True)
def test_install_stores_the_installation(saleor_standin, live_server, settings):
    # given
    settings.APP_URL = live_server.url
    # when
    app = saleor_standin.install(live_server.url)
    # then
    installation = Installation.objects.get(saleor_api_url=saleor_standin.api_url)
    assert installation.app_id == app.global_id
    assert installation.auth_token == saleor_standin.app_token(app)
    assert installation.jwks == saleor_standin.jwks()
    assert installation.domain == saleor_standin.domain
    assert installation.dashboard_origins == [saleor_standin.origin]
    assert installation.is_active
    assert sorted(app.permissions) == ["MANAGE_CHECKOUTS", "MANAGE_DISCOUNTS", "MANAGE_GIFT_CARD",
                                       "MANAGE_ORDERS", "MANAGE_USERS"]
    assert {w.name for w in app.webhooks} >= {"checkout-updated", "order-created", "app-deleted"}


@pytest.mark.django_db(transaction=True)
def test_install_refused_by_allow_list(saleor_standin, live_server, settings):
    # given
    settings.APP_URL = live_server.url
    settings.ALLOWED_SALEOR_URLS = ["https://*.saleor.cloud/graphql/"]
    # when
    with pytest.raises(InstallRefused) as refused:
        saleor_standin.install(live_server.url)
    # then
    assert refused.value.status == 403
    assert refused.value.body["error"]["code"] == "SALEOR_URL_PROHIBITED"
    assert not Installation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_install_refused_when_jwks_unreachable(saleor_standin, live_server, settings):
    # given
    settings.APP_URL = live_server.url
    saleor_standin.jwks_unavailable = True
    # when
    with pytest.raises(InstallRefused) as refused:
        saleor_standin.install(live_server.url)
    # then
    assert refused.value.status == 502
    assert refused.value.body["error"]["code"] == "JWKS_NOT_AVAILABLE"
    assert not Installation.objects.exists()


def test_register_with_unknown_token_gets_401(client, db, saleor_standin):
    # when
    response = register(client, saleor_standin, "not-a-token-saleor-issued")
    # then
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNKNOWN_APP_ID"
    assert not Installation.objects.exists()


def test_register_allowed_by_pattern(client, db, saleor_standin, settings):
    # given
    settings.ALLOWED_SALEOR_URLS = ["https://*.saleor.cloud/graphql/", "http://127.0.0.1:*/graphql/"]
    app, token = saleor_standin.create_app()
    # when
    response = register(client, saleor_standin, token)
    # then
    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert Installation.objects.get().app_id == app.global_id


def test_reinstall_replaces_token_and_reactivates(client, db, saleor_standin):
    # given: installed, then uninstalled
    first, first_token = saleor_standin.create_app()
    register(client, saleor_standin, first_token)
    Installation.objects.update(is_active=False, auth_token="")
    second, second_token = saleor_standin.create_app()
    # when
    response = register(client, saleor_standin, second_token)
    # then
    assert response.status_code == 200
    installation = Installation.objects.get()
    assert (installation.app_id, installation.auth_token, installation.is_active) == (
        second.global_id, second_token, True)


def test_two_saleors_install_the_same_deployment(client, db, saleor_standin):
    # given
    other = SaleorStandin().start()
    try:
        _, token_a = saleor_standin.create_app()
        _, token_b = other.create_app()
        # when
        register(client, saleor_standin, token_a)
        register(client, other, token_b)
    finally:
        other.stop()
    # then
    assert sorted(Installation.objects.values_list("saleor_api_url", flat=True)) == sorted(
        [saleor_standin.api_url, other.api_url])


@pytest.mark.parametrize(
    "body,headers,code",
    [
        (b'{"auth_token": "x"}', {"Saleor-Api-Url": None}, "MISSING_SALEOR_API_URL"),
        (b'{"auth_token": "x"}', {"Saleor-Api-Url": "ftp://saleor.example/graphql/"}, "INVALID_SALEOR_API_URL"),
        (b'{"auth_token": "x"}', {"Saleor-Api-Url": "not a url"}, "INVALID_SALEOR_API_URL"),
        (b"not json", {}, "INVALID_JSON"),
        (b"[1, 2]", {}, "MISSING_AUTH_TOKEN"),
        (b'{"auth_token": ""}', {}, "MISSING_AUTH_TOKEN"),
        (b'{"auth_token": 42}', {}, "MISSING_AUTH_TOKEN"),
    ],
    ids=["no-api-url", "ftp-url", "garbage-url", "not-json", "not-an-object", "empty-token", "token-not-string"],
)
def test_register_bad_request_gets_400(client, db, saleor_standin, body, headers, code):
    # given
    sent = {"Saleor-Api-Url": saleor_standin.api_url, **headers}
    # when
    response = client.post("/api/register", data=body, content_type="application/json",
                           headers={k: v for k, v in sent.items() if v is not None})
    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert not Installation.objects.exists()


def test_register_url_with_trailing_slash_is_not_redirected(client, db):
    # when
    response = client.post("/api/register/", data=b"{}", content_type="application/json")
    # then
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_register_get_gets_405_json(client, db):
    # when
    response = client.get("/api/register")
    # then
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
