"""Root test configuration: set before Django reads its settings."""

import os

os.environ.setdefault("TASKS_MODE", "manual")
os.environ.setdefault("APP_URL", "http://127.0.0.1:8000")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")

pytest_plugins = ["tests.saleor_standin.fixtures"]
