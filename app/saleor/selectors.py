"""Reads of the Saleor layer."""

from __future__ import annotations

import threading
import time

from django.conf import settings

from app.core.errors import NotFound
from app.saleor.models import Installation

_cache: dict[str, tuple[float, Installation]] = {}
_lock = threading.Lock()


def installation_get(saleor_api_url: str) -> Installation:
    """The active installation of a Saleor API URL; raises `NotFound`."""
    try:
        return Installation.objects.get(saleor_api_url=saleor_api_url, is_active=True)
    except Installation.DoesNotExist:
        raise NotFound(f"No active installation for {saleor_api_url}", code="unknown_installation") from None


def installation_get_cached(saleor_api_url: str) -> Installation:
    """`installation_get` remembered in process memory for SALEOR_INSTALLATION_CACHE_SECONDS (default 30).

    The webhook hot path uses it. This process forgets an entry as soon as it registers, uninstalls or
    re-keys that installation; other processes notice an uninstall within the TTL (a signed webhook from
    Saleor accepted during those seconds is harmless).
    """
    ttl = float(getattr(settings, "SALEOR_INSTALLATION_CACHE_SECONDS", 30))
    now = time.monotonic()
    hit = _cache.get(saleor_api_url)
    if hit is not None and now - hit[0] < ttl:
        return hit[1]
    installation = installation_get(saleor_api_url)
    with _lock:
        if len(_cache) > 1024:
            _cache.clear()
        _cache[saleor_api_url] = (now, installation)
    return installation


def installation_forget(saleor_api_url: str) -> None:
    """Drop a cached installation (after register, uninstall)."""
    with _lock:
        _cache.pop(saleor_api_url, None)


def installation_cache_clear() -> None:
    with _lock:
        _cache.clear()
