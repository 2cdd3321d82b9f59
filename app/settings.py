"""Settings, all from environment variables with defaults that run on a laptop.

Embedded default: SQLite file under ./var, background jobs in-process.
Production: DATABASE_URL=postgres://..., TASKS_MODE=worker and `python manage.py worker`.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-set-SECRET_KEY-in-production")

# Public base URL of this deployment; the manifest's absolute URLs are built from it.
APP_URL = env("APP_URL", "http://127.0.0.1:8000").rstrip("/")

# fnmatch patterns of Saleor API URLs allowed to install this app ("*" allows any).
ALLOWED_SALEOR_URLS = env_list("ALLOWED_SALEOR_URLS", "*")

# Saleor sends `Host: 127.0.0.1` without the port when the app is on loopback.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "") or sorted(
    {urlsplit(APP_URL).hostname or "127.0.0.1", "127.0.0.1", "localhost", "testserver"}
)

DATABASE_URL = env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'app.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(env("DB_CONN_MAX_AGE", "60")))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    # A file, not :memory:, so that the live test server's threads and the tests share one database.
    DATABASES["default"]["TEST"] = {"NAME": f"{DATABASES['default']['NAME']}.test"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "app.core",
    "app.saleor",
    "app.coupons",
    "app.dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "app.core.middleware.RequestLogMiddleware",
    "django.middleware.common.CommonMiddleware",
]
# Saleor never follows redirects: a 301 to a slashed URL would uninstall the app.
APPEND_SLASH = False

ROOT_URLCONF = "app.urls"
WSGI_APPLICATION = "app.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]

STATIC_URL = "/static/"
# Whitenoise serves app static files straight from the apps (no collectstatic needed on a laptop);
# an image may set STATIC_ROOT and run collectstatic for compressed, cache-busted files.
STATIC_ROOT = env("STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = True

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
USE_I18N = True

# Extra origins allowed to frame the Dashboard page, on top of each installation's own
# (the Dashboard may be served from another origin than the API, e.g. https://dashboard.example.com).
DASHBOARD_ORIGINS = env_list("DASHBOARD_ORIGINS", "")

# Outgoing calls to Saleor.
SALEOR_HTTP_TIMEOUT = float(env("SALEOR_HTTP_TIMEOUT", "10"))
SALEOR_HTTP_RETRIES = int(env("SALEOR_HTTP_RETRIES", "2"))

# Background jobs: "inprocess" (a thread in the web process, the embedded default),
# "worker" (run `python manage.py worker`), "manual" (tests drive jobs explicitly).
TASKS_MODE = env("TASKS_MODE", "inprocess")
TASKS_MAX_ATTEMPTS = int(env("TASKS_MAX_ATTEMPTS", "12"))
TASKS_BACKOFF_BASE_SECONDS = float(env("TASKS_BACKOFF_BASE_SECONDS", "5"))
TASKS_BACKOFF_MAX_SECONDS = float(env("TASKS_BACKOFF_MAX_SECONDS", "3600"))

# E-mail.
EMAIL_HOST = env("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "coupons@localhost")
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")

# How long the attempts log keeps what shoppers typed.
ATTEMPTS_RETENTION_DAYS = int(env("ATTEMPTS_RETENTION_DAYS", "90"))

LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "app.core.logging.JsonFormatter"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {"django.server": {"level": "WARNING"}},
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
# Framing is decided per installation by the dashboard's own CSP header, not X-Frame-Options.
X_FRAME_OPTIONS = "SAMEORIGIN"
