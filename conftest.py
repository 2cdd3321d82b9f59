"""Root test configuration. Test settings live in tests/settings.py (DJANGO_SETTINGS_MODULE in pyproject)."""

import pytest

pytest_plugins = ["tests.saleor_standin.fixtures"]


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Per-process caches (automatic coupons) keyed by installation pk must not leak from one test to the next:
    pks are reused once a test's transaction rolls back."""
    from app.coupons.checkout import automatic_coupons_changed

    automatic_coupons_changed()
    yield
    automatic_coupons_changed()
