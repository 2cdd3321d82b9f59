"""The shell page: framed only by the installation's Dashboard origins, refused for an unknown Saleor,
and carrying no secret (data only comes from the API with the bearer JWT)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from app.dashboard.framing import normalise_origin


def _shell(client: Client, installation: Any, **params: str) -> Any:
    query = {"saleorApiUrl": installation.saleor_api_url, "id": installation.app_id, "theme": "dark", **params}
    return client.get("/dashboard", query)


def _frame_ancestors(response: Any) -> list[str]:
    match = re.search(r"frame-ancestors ([^;]+)", response["Content-Security-Policy"])
    assert match, response["Content-Security-Policy"]
    return match.group(1).split()


def _config(response: Any) -> dict[str, Any]:
    pattern = r'<script id="dashboard-config" type="application/json">(.*?)</script>'
    match = re.search(pattern, response.content.decode())
    assert match
    return json.loads(match.group(1))


def test_by_default_only_the_saleor_origin_and_the_configured_origins_may_frame_the_page(
    client: Client, installation: Any, saleor_standin: Any, settings: Any
) -> None:
    # given
    settings.DASHBOARD_ORIGINS = ["https://dashboard.example.com"]

    # when
    response = _shell(client, installation)

    # then
    assert response.status_code == 200
    assert _frame_ancestors(response) == [saleor_standin.origin, "https://dashboard.example.com"]
    assert "X-Frame-Options" not in response
    assert "script-src 'self'" in response["Content-Security-Policy"]
    config = _config(response)
    assert config["allowedOrigins"] == [saleor_standin.origin, "https://dashboard.example.com"]
    assert config["theme"] == "dark"
    assert config["saleorApiUrl"] == installation.saleor_api_url
    assert config["sections"] == [
        {"key": "coupons", "module": "/static/dashboard/sections/coupons/index.js", "permission": "MANAGE_DISCOUNTS"}
    ]


def test_the_installation_s_own_dashboard_origins_replace_the_saleor_origin(
    client: Client, installation: Any, saleor_standin: Any, settings: Any
) -> None:
    # given: the Dashboard is served from another origin than the API
    settings.DASHBOARD_ORIGINS = []
    installation.dashboard_origins = ["HTTPS://Dash.Example.com:443/", "http://127.0.0.1:9100"]
    installation.save(update_fields=["dashboard_origins"])

    # when
    response = _shell(client, installation)

    # then
    assert _frame_ancestors(response) == ["https://dash.example.com", "http://127.0.0.1:9100"]
    assert saleor_standin.origin not in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        pytest.param({"saleorApiUrl": "https://unknown.example.com/graphql/"}, 404, id="unknown-saleor"),
        pytest.param({"id": "QXBwOjk5OQ=="}, 404, id="another-app-id"),
        pytest.param({"saleorApiUrl": ""}, 400, id="no-saleor-api-url"),
    ],
)
def test_a_page_for_no_known_installation_is_refused_and_cannot_be_framed(
    params: dict[str, str], status: int, client: Client, installation: Any
) -> None:
    # when
    response = _shell(client, installation, **params)

    # then
    assert response.status_code == status
    assert _frame_ancestors(response) == ["'none'"]
    assert b"dashboard-config" not in response.content


def test_the_shell_holds_no_secret_and_is_not_cached(client: Client, installation: Any) -> None:
    # when
    response = _shell(client, installation)

    # then
    body = response.content.decode()
    assert installation.auth_token not in body
    assert "jwks" not in body
    assert response["Cache-Control"] == "no-store"
    assert "/static/dashboard/app.js" in body


def test_an_unknown_theme_falls_back_to_light(client: Client, installation: Any) -> None:
    # when
    response = _shell(client, installation, theme="<script>")

    # then
    assert _config(response)["theme"] == "light"
    assert 'data-theme="light"' in response.content.decode()


@pytest.mark.parametrize(
    ("value", "origin"),
    [
        pytest.param("https://dash.example.com/", "https://dash.example.com", id="trailing-slash"),
        pytest.param("HTTPS://Dash.Example.com:443", "https://dash.example.com", id="default-port-and-case"),
        pytest.param("http://127.0.0.1:9100/dashboard/", "http://127.0.0.1:9100", id="path-dropped"),
        pytest.param("ftp://dash.example.com", None, id="not-http"),
        pytest.param("dash.example.com", None, id="no-scheme"),
    ],
)
def test_origins_are_normalised(value: str, origin: str | None) -> None:
    assert normalise_origin(value) == origin


def test_static_assets_of_the_page_are_served(client: Client) -> None:
    # when
    script = client.get("/static/dashboard/app.js")
    section = client.get("/static/dashboard/sections/coupons/index.js")

    # then
    assert script.status_code == 200
    assert section.status_code == 200
