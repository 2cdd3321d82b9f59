"""The stand-in's GraphQL endpoint: validation against Saleor's schema, auth, permissions."""

from __future__ import annotations

import pytest
import requests

from tests.saleor_standin.fixtures import fail_on_invalid_documents


def test_invalid_document_is_refused_with_400_and_recorded(saleor_standin):
    # given
    document = "{ checkout(id: \"x\") { totalPriceX { gross { amount } } } }"

    # when
    response = requests.post(saleor_standin.api_url, json={"query": document}, timeout=5)

    # then
    assert response.status_code == 400
    assert "totalPriceX" in response.json()["errors"][0]["message"]
    assert [doc.document for doc in saleor_standin.invalid_documents] == [document]
    saleor_standin.invalid_documents.clear()  # recorded on purpose: do not fail this test at teardown


def test_syntax_error_is_refused_and_recorded(saleor_standin):
    # when
    response = requests.post(saleor_standin.api_url, json={"query": "{ channels { slug }"}, timeout=5)

    # then
    assert response.status_code == 400
    assert len(saleor_standin.invalid_documents) == 1
    saleor_standin.invalid_documents.clear()


def test_wrong_variable_type_is_refused_and_recorded(saleor_standin):
    # given
    document = "query Q($id: ID!) { checkout(id: $id) { id } }"

    # when
    answer = saleor_standin.graphql(document, {"id": None})

    # then
    assert answer["errors"][0]["message"].startswith("Variable '$id'")
    assert saleor_standin.invalid_documents[0].source == "variables"
    saleor_standin.invalid_documents.clear()


def test_valid_document_executes_against_the_state(saleor_standin):
    # given
    _app, token = saleor_standin.create_app(name="Coupons")

    # when
    answer = saleor_standin.graphql(
        "{ app { name permissions { code } } channels { slug currencyCode } }", token=token
    )

    # then
    assert answer["data"]["app"]["name"] == "Coupons"
    assert {"code": "MANAGE_DISCOUNTS"} in answer["data"]["app"]["permissions"]
    assert answer["data"]["channels"] == [
        {"slug": "default-channel", "currencyCode": "USD"},
        {"slug": "channel-eur", "currencyCode": "EUR"},
    ]
    assert saleor_standin.invalid_documents == []


def test_unknown_token_is_answered_401(saleor_standin):
    # when
    response = requests.post(
        saleor_standin.api_url,
        json={"query": "{ app { id } }"},
        headers={"Authorization": "Bearer not-a-token"},
        timeout=5,
    )

    # then
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["exception"]["code"] == "InvalidTokenError"


def test_missing_permission_is_a_permission_denied_error(saleor_standin):
    # given
    _app, token = saleor_standin.create_app(permissions=["MANAGE_CHECKOUTS"])

    # when
    answer = saleor_standin.graphql("{ vouchers(first: 5) { edges { node { id } } } }", token=token)

    # then
    assert answer["data"] == {"vouchers": None}
    assert answer["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"
    assert "MANAGE_DISCOUNTS" in answer["errors"][0]["message"]


def test_anonymous_shopper_cannot_read_private_checkout_metadata(saleor_standin):
    # given
    variant = saleor_standin.catalog.add_product(name="Tee", price="10.00")
    checkout = saleor_standin.storefront.checkout_create(lines=[(variant, 1)])

    # when
    answer = saleor_standin.graphql(
        "query Q($id: ID!) { checkout(id: $id) { id privateMetadata { key } } }", {"id": checkout["id"]}
    )

    # then
    assert answer["errors"][0]["extensions"]["exception"]["code"] == "PermissionDenied"


def test_voucher_codes_connection_pages(saleor_standin):
    # given
    voucher_id = saleor_standin.staff.create_voucher(codes=["A1", "A2", "A3"], value="10")
    _app, token = saleor_standin.create_app()
    document = """query Q($id: ID!, $after: String) {
      voucher(id: $id) { codes(first: 2, after: $after) {
        edges { node { code used isActive } } pageInfo { hasNextPage endCursor } totalCount } } }"""

    # when
    first = saleor_standin.graphql(document, {"id": voucher_id}, token=token)["data"]["voucher"]["codes"]
    rest = saleor_standin.graphql(
        document, {"id": voucher_id, "after": first["pageInfo"]["endCursor"]}, token=token
    )["data"]["voucher"]["codes"]

    # then
    assert [e["node"]["code"] for e in first["edges"]] == ["A1", "A2"]
    assert first["pageInfo"]["hasNextPage"] is True
    assert [e["node"] for e in rest["edges"]] == [{"code": "A3", "used": 0, "isActive": True}]
    assert first["totalCount"] == 3


def test_teardown_check_fails_the_test_on_an_invalid_document(saleor_standin):
    # given
    saleor_standin.graphql("{ channels { nope } }")

    # when / then
    with pytest.raises(pytest.fail.Exception, match="do not validate"):
        fail_on_invalid_documents(saleor_standin)
    saleor_standin.invalid_documents.clear()
    fail_on_invalid_documents(saleor_standin)
