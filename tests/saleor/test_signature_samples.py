"""The verifier against requests captured from a real Saleor 3.23.28 (../shared/saleor/samples/)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.models import Job
from app.saleor import security
from app.saleor.models import Installation, WebhookDelivery
from tests.saleor.conftest import SHARED

SAMPLES = ["checkout_updated", "order_created"]
SAMPLE_JWKS = json.loads((SHARED / "samples" / "jwks.json").read_text())


def load_sample(name: str) -> dict:
    return json.loads((SHARED / "samples" / f"{name}.json").read_text())


def sample_installation() -> Installation:
    sample = load_sample("checkout_updated")
    return Installation(saleor_api_url=sample["headers"]["Saleor-Api-Url"], app_id="QXBwOjE=", jwks=SAMPLE_JWKS)


@pytest.mark.parametrize("name", SAMPLES)
def test_verifier_accepts_real_saleor_signature(name):
    # given
    sample = load_sample(name)
    # when / then: no exception
    security.verify_webhook_signature(installation=sample_installation(),
                                      signature=sample["headers"]["Saleor-Signature"],
                                      raw_body=sample["raw_body"].encode())


@pytest.mark.parametrize("name", SAMPLES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_verifier_refuses_real_sample_with_one_byte_changed(name, data):
    # given
    sample = load_sample(name)
    raw = bytearray(sample["raw_body"].encode())
    index = data.draw(st.integers(0, len(raw) - 1), label="index")
    replacement = data.draw(st.integers(0, 255).filter(lambda b: b != raw[index]), label="byte")
    raw[index] = replacement
    # when / then
    with pytest.raises(security.InvalidSignature):
        security.verify_webhook_signature(installation=sample_installation(),
                                          signature=sample["headers"]["Saleor-Signature"], raw_body=bytes(raw))


@pytest.mark.parametrize("name", SAMPLES)
def test_verifier_refuses_real_signature_with_one_byte_changed(name):
    # given: one character of the signature part changed (still valid base64url)
    sample = load_sample(name)
    head, _, sig = sample["headers"]["Saleor-Signature"].partition("..")
    forged = f"{head}..{sig[:10]}{'A' if sig[10] != 'A' else 'B'}{sig[11:]}"
    # when / then
    with pytest.raises(security.InvalidSignature):
        security.verify_webhook_signature(installation=sample_installation(), signature=forged,
                                          raw_body=sample["raw_body"].encode())


@pytest.mark.django_db
@pytest.mark.parametrize("name,endpoint", [("checkout_updated", "test-any-checkout"),
                                           ("order_created", "test-order-created")])
def test_intake_accepts_real_sample_request_with_its_headers(client, test_webhooks, name, endpoint):
    # given: the installation the sample was sent for, and the sample exactly as Saleor sent it
    sample = load_sample(name)
    Installation.objects.create(saleor_api_url=sample["headers"]["Saleor-Api-Url"], app_id="QXBwOjE=",
                                jwks=SAMPLE_JWKS)
    # Host stays "127.0.0.1" without the port, as Saleor sends it
    headers = {k: v for k, v in sample["headers"].items() if k not in {"Content-Length", "Content-Type"}}
    # when
    response = client.post(f"/api/webhooks/{endpoint}", data=sample["raw_body"].encode(),
                           content_type="application/json", headers=headers)
    # then
    assert response.status_code == 200, response.content
    assert response.json() == {"ok": True}
    assert WebhookDelivery.objects.count() == 1
    assert Job.objects.filter(kind="test.webhook-effect").count() == 1


@pytest.mark.django_db
def test_intake_refuses_real_sample_with_one_byte_changed(client, test_webhooks):
    # given
    sample = load_sample("checkout_updated")
    Installation.objects.create(saleor_api_url=sample["headers"]["Saleor-Api-Url"], app_id="QXBwOjE=",
                                jwks=SAMPLE_JWKS)
    raw = sample["raw_body"].encode().replace(b"43.99", b"43.98", 1)
    headers = {k: v for k, v in sample["headers"].items() if k not in {"Content-Length", "Host", "Content-Type"}}
    # when
    response = client.post("/api/webhooks/test-any-checkout", data=raw, content_type="application/json",
                           headers=headers)
    # then
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "SIGNATURE_VERIFICATION_FAILED"
    assert WebhookDelivery.objects.count() == 0
    assert Job.objects.count() == 0
