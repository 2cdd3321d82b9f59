"""Root test configuration. Test settings live in tests/settings.py (DJANGO_SETTINGS_MODULE in pyproject)."""

pytest_plugins = ["tests.saleor_standin.fixtures"]
