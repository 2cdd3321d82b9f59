"""The storefront API: bad input answers 4xx JSON; entering and removing codes on a real checkout."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.core import jobs
from app.coupons import services
from app.coupons.models import AttemptLog, CheckoutState

URL = "/api/storefront/checkouts/Q2hlY2tvdXQ6MQ==/codes"


@pytest.mark.parametrize(
    ("headers", "body", "status", "code"),
    [
        ({}, {"code": "X"}, 400, "missing_saleor_api_url"),
        ({"saleor-api-url": "https://unknown.example.com/graphql/"}, {"code": "X"}, 404, "unknown_installation"),
        ({"saleor-api-url": "https://shop.example.com/graphql/"}, "not json", 400, "invalid_json"),
        ({"saleor-api-url": "https://shop.example.com/graphql/"}, {"promo": "X"}, 400, "invalid_body"),
        ({"saleor-api-url": "https://shop.example.com/graphql/"}, {"code": "TWO WORDS"}, 400, "invalid_code"),
    ],
    ids=["no-header", "unknown-installation", "not-json", "no-code", "bad-code"],
)
def test_bad_requests_answer_json_errors(client, installation, headers, body, status, code):
    # when
    response = client.post(URL, body, content_type="application/json", headers=headers)
    # then
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert not CheckoutState.objects.exists()


def test_too_many_attempts_on_one_checkout_answers_429(client, installation):
    # given
    AttemptLog.objects.bulk_create([
        AttemptLog(installation=installation, code_typed=f"x{i}", code=f"X{i}", checkout_id="Q2hlY2tvdXQ6MQ==",
                   source="storefront", result="unknown") for i in range(30)])
    # when
    response = client.post(URL, {"code": "guess"}, content_type="application/json",
                           headers={"saleor-api-url": installation.saleor_api_url})
    # then
    assert (response.status_code, response.json()["error"]["code"]) == (429, "too_many_attempts")


def test_get_lists_nothing_for_an_unknown_checkout(client, installation):
    # when
    response = client.get(URL, headers={"saleor-api-url": installation.saleor_api_url})
    # then
    assert (response.status_code, response.json()) == (200, {"codes": []})


@pytest.mark.django_db(transaction=True)
def test_removing_one_of_two_codes_leaves_the_other(saleor_standin, installed_app, client):
    standin = saleor_standin
    tee = standin.catalog.add_product(name="Tee", price=Decimal("40.00"))
    for name, amount in (("Ten", "10.00"), ("Five", "5.00")):
        services.coupon_create(installation=installed_app, data={
            "name": name, "codes": [name.upper()],
            "rule": {"benefit": {"kind": "fixed_amount", "amount": amount, "apply_to": "order"},
                     "conditions": {"currency": "USD"}, "stacking": "cumulative"}})
    jobs.drain()
    checkout = standin.storefront.checkout_create(lines=[(tee, 1)])
    url = f"/api/storefront/checkouts/{checkout['id']}/codes"
    headers = {"saleor-api-url": installed_app.saleor_api_url}
    for code in ("ten", "five"):
        client.post(url, {"code": code}, content_type="application/json", headers=headers)
        jobs.drain()
    # when
    response = client.delete(f"{url}/five", headers=headers)
    jobs.drain()
    listed = client.get(url, headers=headers).json()
    # then: only TEN is left, and Saleor carries it as its own (mirrored) code
    assert response.status_code == 200
    assert [c["code"] for c in response.json()["codes"]] == ["TEN"]
    assert [c["code"] for c in listed["codes"]] == ["TEN"]
    checkout = standin.storefront.checkout(checkout["id"])
    assert checkout["voucherCode"] == "TEN"
    assert Decimal(str(checkout["totalPrice"]["gross"]["amount"])) == Decimal("30")
