"""Pytest fixtures of the Saleor stand-in (loaded by the root conftest through `pytest_plugins`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .server import SaleorStandin


def fail_on_invalid_documents(standin: SaleorStandin) -> None:
    """Fail the running test if the stand-in received a document that does not validate."""
    if standin.invalid_documents:
        described = "\n".join(
            f"- ({doc.source}) {doc.errors}\n  {doc.document.strip()[:500]}" for doc in standin.invalid_documents
        )
        pytest.fail(
            "the Saleor stand-in received documents that do not validate against Saleor's schema:\n" + described,
            pytrace=False,
        )


@pytest.fixture
def saleor_standin() -> Iterator[SaleorStandin]:
    """A running Saleor stand-in with fresh state: channels `default-channel` (USD) and `channel-eur`
    (EUR), each with one shipping method at 5.00. Fails the test if it received an invalid document."""
    standin = SaleorStandin()
    standin.catalog.add_channel("default-channel", name="Default Channel", currency="USD")
    standin.catalog.add_channel("channel-eur", name="Channel EUR", currency="EUR")
    standin.start()
    try:
        yield standin
    finally:
        standin.stop()
    fail_on_invalid_documents(standin)


@pytest.fixture
def installed_app(saleor_standin: SaleorStandin, live_server: Any, settings: Any) -> Any:
    """The app installed into the stand-in through the real install flow; returns its Installation."""
    from app.saleor.models import Installation

    settings.APP_URL = live_server.url
    saleor_standin.install(live_server.url)
    return Installation.objects.get(saleor_api_url=saleor_standin.api_url)
