"""SaleorClient against the stand-in over real HTTP: data, retries, timeouts, typed errors."""

from __future__ import annotations

import logging

import pytest

from app.saleor import documents
from app.saleor.client import GraphQLRequestError, SaleorAuthError, SaleorClient, SaleorUnavailable
from app.saleor.models import Installation

APP_ID_QUERY = documents.load("app/saleor/graphql/app_id.graphql")


@pytest.fixture
def app_and_installation(saleor_standin):
    app, token = saleor_standin.create_app()
    return app, Installation(saleor_api_url=saleor_standin.api_url, app_id=app.global_id, auth_token=token)


def calls(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "app.saleor.client" and r.getMessage() == "saleor call"]


def test_execute_returns_data_and_logs_the_call(app_and_installation, caplog):
    # given
    app, installation = app_and_installation
    caplog.set_level(logging.INFO, logger="app.saleor.client")
    # when
    data = SaleorClient(installation).execute(APP_ID_QUERY)
    # then
    assert data == {"app": {"id": app.global_id}}
    (record,) = calls(caplog)
    assert (record.operation, record.status, record.attempt) == ("AppId", 200, 1)
    assert record.ms >= 0


@pytest.mark.parametrize("status", [500, 502, 503], ids=["500", "502", "503"])
def test_5xx_is_retried_then_unavailable(saleor_standin, app_and_installation, caplog, status):
    # given
    _, installation = app_and_installation
    saleor_standin.fail_with(status)
    caplog.set_level(logging.INFO, logger="app.saleor.client")
    # when
    with pytest.raises(SaleorUnavailable):
        SaleorClient(installation, retries=2, backoff=0.01).execute(APP_ID_QUERY)
    # then
    assert [r.status for r in calls(caplog)] == [status] * 3


def test_5xx_then_recovery_succeeds_on_retry(saleor_standin, app_and_installation, caplog, monkeypatch):
    # given: Saleor answers 503 once, then recovers (the backoff sleep is when it recovers)
    app, installation = app_and_installation
    saleor_standin.fail_with(503)
    monkeypatch.setattr("app.saleor.client.time.sleep", lambda seconds: saleor_standin.recover())
    caplog.set_level(logging.INFO, logger="app.saleor.client")
    # when
    data = SaleorClient(installation, retries=3, backoff=0.01).execute(APP_ID_QUERY)
    # then
    assert data["app"]["id"] == app.global_id
    assert [r.status for r in calls(caplog)] == [503, 200]


def test_connection_refused_is_retried_then_unavailable(saleor_standin, app_and_installation, caplog):
    # given
    _, installation = app_and_installation
    saleor_standin.go_down()
    caplog.set_level(logging.INFO, logger="app.saleor.client")
    # when
    with pytest.raises(SaleorUnavailable, match="ConnectionError"):
        SaleorClient(installation, retries=1, backoff=0.01).execute(APP_ID_QUERY)
    # then
    assert len(calls(caplog)) == 2


def test_timeout_is_unavailable(saleor_standin, app_and_installation):
    # given
    _, installation = app_and_installation
    saleor_standin.fail_with("timeout", seconds=3)
    # when / then
    try:
        with pytest.raises(SaleorUnavailable, match="Timeout"):
            SaleorClient(installation, timeout=0.2, retries=0).execute(APP_ID_QUERY)
    finally:
        saleor_standin.recover()


def test_revoked_token_is_auth_error(saleor_standin, app_and_installation):
    # given
    app, installation = app_and_installation
    saleor_standin.delete_app(app)
    # when / then
    with pytest.raises(SaleorAuthError):
        SaleorClient(installation).execute(APP_ID_QUERY)


def test_missing_permission_is_auth_error(saleor_standin):
    # given: an app without MANAGE_USERS reads customers
    app, token = saleor_standin.create_app(permissions=["MANAGE_CHECKOUTS"])
    installation = Installation(saleor_api_url=saleor_standin.api_url, auth_token=token)
    # when / then
    with pytest.raises(SaleorAuthError) as refused:
        SaleorClient(installation).execute("query Customers { customers(first: 1) { edges { node { id } } } }")
    assert refused.value.errors[0]["extensions"]["exception"]["code"] == "PermissionDenied"


def test_bad_variables_raise_graphql_request_error_with_errors(saleor_standin, app_and_installation):
    # given
    _, installation = app_and_installation
    document = documents.load("app/saleor/graphql/private_metadata_update.graphql")
    # when
    with pytest.raises(GraphQLRequestError) as refused:
        SaleorClient(installation).execute(document, {"id": 42, "input": "nope"})
    # then
    assert refused.value.errors
    assert all("message" in error for error in refused.value.errors)
    saleor_standin.invalid_documents.clear()  # sent on purpose
