"""The `installed_app` fixture: the real app installed into the stand-in through its own register view."""

from __future__ import annotations


def test_installed_app_fixture_stores_the_installation(installed_app, saleor_standin):
    # then
    assert installed_app.saleor_api_url == saleor_standin.api_url
    assert installed_app.app_id == saleor_standin.app.global_id
    assert installed_app.auth_token == saleor_standin.app_token()
    assert installed_app.jwks == saleor_standin.jwks()
