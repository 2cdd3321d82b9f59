"""APP_DELETED through the real registry entry: the token is forgotten, the data kept."""

from __future__ import annotations

import pytest

from app.saleor.models import Installation, WebhookDelivery
from tests.saleor.conftest import APP_ID


def app_deleted(app_id: str) -> dict:
    return {"issuedAt": "2026-11-25T05:00:00+00:00", "version": "3.23.28",
            "issuingPrincipal": {"__typename": "User", "id": "VXNlcjox"}, "app": {"id": app_id}}


def test_app_deleted_forgets_the_token_and_deactivates(post_webhook, installation):
    # when
    response = post_webhook(app_deleted(APP_ID), name="app-deleted", event="app_deleted")
    # then
    assert response.status_code == 200
    installation.refresh_from_db()
    assert installation.auth_token == ""
    assert installation.is_active is False
    assert WebhookDelivery.objects.filter(installation=installation).count() == 1


def test_webhooks_after_uninstall_are_refused(post_webhook, installation):
    # given
    post_webhook(app_deleted(APP_ID), name="app-deleted", event="app_deleted")
    # when
    response = post_webhook(app_deleted(APP_ID) | {"issuedAt": "2026-11-25T05:00:01+00:00"},
                            name="app-deleted", event="app_deleted")
    # then
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "NOT_REGISTERED"


@pytest.mark.parametrize("other_app_id", ["QXBwOjk5"], ids=["earlier-installation"])
def test_app_deleted_for_another_app_id_changes_nothing(post_webhook, installation, other_app_id):
    # when
    response = post_webhook(app_deleted(other_app_id), name="app-deleted", event="app_deleted")
    # then
    assert response.status_code == 200
    installation.refresh_from_db()
    assert installation.is_active is True
    assert installation.auth_token == "app-token"


def test_uninstall_keeps_the_installation_row(post_webhook, installation):
    # when
    post_webhook(app_deleted(APP_ID), name="app-deleted", event="app_deleted")
    # then
    assert Installation.objects.filter(pk=installation.pk).exists()
