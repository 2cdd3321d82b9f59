"""GET /api/manifest: manifest.json + the webhook registry, absolute URLs, permissions."""

from __future__ import annotations

from django.contrib.staticfiles import finders

from app.saleor.webhooks import REGISTRY

APP_URL = "http://127.0.0.1:8000"


def test_manifest_has_absolute_urls_and_version_range(client, settings):
    # given
    settings.APP_URL = "https://coupons.example.com"
    # when
    response = client.get("/api/manifest", headers={"Saleor-Schema-Version": "3.23"})
    # then
    assert response.status_code == 200
    manifest = response.json()
    assert manifest["id"] == "saleor.app.coupons-loyalty"
    assert manifest["appUrl"] == "https://coupons.example.com/dashboard"
    assert manifest["tokenTargetUrl"] == "https://coupons.example.com/api/register"
    assert manifest["brand"]["logo"]["default"] == "https://coupons.example.com/static/saleor/logo.png"
    assert manifest["requiredSaleorVersion"] == ">=3.20 <4"
    assert manifest["extensions"] == []
    assert all(manifest[f].startswith("https://coupons.example.com/")
               for f in ("dataPrivacyUrl", "homepageUrl", "supportUrl"))


def test_manifest_permissions_are_what_the_features_need(client):
    # when
    manifest = client.get("/api/manifest").json()
    # then
    assert sorted(manifest["permissions"]) == [
        "MANAGE_CHECKOUTS", "MANAGE_DISCOUNTS", "MANAGE_GIFT_CARD", "MANAGE_ORDERS", "MANAGE_USERS"]


def test_manifest_declares_every_registered_webhook(client):
    # when
    webhooks = {w["name"]: w for w in client.get("/api/manifest").json()["webhooks"]}
    # then
    assert set(webhooks) == set(REGISTRY)
    checkout = webhooks["checkout-updated"]
    assert checkout["asyncEvents"] == ["CHECKOUT_UPDATED"]
    assert checkout["syncEvents"] == []
    assert checkout["isActive"] is True
    assert checkout["targetUrl"] == f"{APP_URL}/api/webhooks/checkout-updated"
    assert "issuingPrincipal" in checkout["query"]


def test_manifest_subscribes_to_the_required_events(client):
    # when
    events = {e for w in client.get("/api/manifest").json()["webhooks"] for e in w["asyncEvents"]}
    # then
    assert {"CHECKOUT_CREATED", "CHECKOUT_UPDATED", "ORDER_CREATED", "ORDER_PAID", "ORDER_FULLY_PAID",
            "ORDER_CANCELLED", "ORDER_REFUNDED", "CUSTOMER_CREATED", "CUSTOMER_UPDATED",
            "APP_DELETED"} <= events


def test_manifest_url_has_no_redirect(client):
    # when
    response = client.get("/api/manifest/")
    # then
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_manifest_refuses_post_with_json_error(client):
    # when
    response = client.post("/api/manifest")
    # then
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


def test_logo_is_a_real_png():
    # when
    path = finders.find("saleor/logo.png")
    # then
    with open(path, "rb") as logo:
        assert logo.read(8) == b"\x89PNG\r\n\x1a\n"
