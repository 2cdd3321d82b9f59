"""The app manifest Saleor reads on install: `manifest.json` + the webhook registry, with absolute URLs."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

from app.saleor.webhooks import webhook_registry

#: What the features need (see PROTOCOL.md "Permissions the app needed").
PERMISSIONS = ["MANAGE_CHECKOUTS", "MANAGE_ORDERS", "MANAGE_DISCOUNTS", "MANAGE_USERS", "MANAGE_GIFT_CARD"]
_URL_FIELDS = ("dataPrivacyUrl", "homepageUrl", "supportUrl")


@lru_cache(maxsize=1)
def _static_fields() -> dict[str, Any]:
    return json.loads((Path(settings.BASE_DIR) / "manifest.json").read_text(encoding="utf-8"))


def absolute(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.APP_URL}/{path.lstrip('/')}"


def manifest_build() -> dict[str, Any]:
    manifest = json.loads(json.dumps(_static_fields()))
    for field in _URL_FIELDS:
        if field in manifest:
            manifest[field] = absolute(manifest[field])
    logo = manifest.get("brand", {}).get("logo", {})
    if "default" in logo:
        logo["default"] = absolute(logo["default"])
    manifest.update(
        {
            "permissions": list(PERMISSIONS),
            "appUrl": absolute("/dashboard"),
            "tokenTargetUrl": absolute("/api/register"),
            "extensions": [],
            "webhooks": [
                {
                    "name": definition.name,
                    "asyncEvents": [definition.event],
                    "syncEvents": [],
                    "query": definition.query,
                    "targetUrl": absolute(definition.path),
                    "isActive": True,
                }
                for definition in webhook_registry().values()
            ],
        }
    )
    return manifest
