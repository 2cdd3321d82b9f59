"""Which Dashboard origins may frame the page (and talk to it through postMessage)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from app.saleor.models import Installation


def normalise_origin(value: str) -> str | None:
    """"HTTPS://Dash.Example.com:443/" -> "https://dash.example.com"; None when it is no http(s) origin."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    default_port = {"http": 80, "https": 443}[parts.scheme]
    try:
        port = parts.port
    except ValueError:
        return None
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    return f"{parts.scheme}://{netloc}"


def allowed_origins(installation: Installation) -> list[str]:
    """The installation's own Dashboard origins (default: its Saleor origin) + settings.DASHBOARD_ORIGINS."""
    own = list(installation.dashboard_origins or []) or [installation.saleor_origin]
    extra = list(getattr(settings, "DASHBOARD_ORIGINS", []) or [])
    origins: list[str] = []
    for value in own + extra:
        origin = normalise_origin(str(value))
        if origin and origin not in origins:
            origins.append(origin)
    return origins


def content_security_policy(frame_ancestors: list[str]) -> str:
    """The shell's CSP: its own scripts and styles only, data only from its own API, framed by the Dashboard."""
    ancestors = " ".join(frame_ancestors) if frame_ancestors else "'none'"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob:",
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
            f"frame-ancestors {ancestors}",
        ]
    )
