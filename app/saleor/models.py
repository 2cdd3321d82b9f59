from __future__ import annotations

from urllib.parse import urlsplit

from django.db import models


class Installation(models.Model):
    """One Saleor instance that installed this deployment. Several may share one deployment."""

    saleor_api_url = models.URLField(max_length=500, unique=True)
    app_id = models.CharField(max_length=255)
    # Cleared on APP_DELETED: the app forgets its token when uninstalled.
    auth_token = models.CharField(max_length=500, blank=True, default="")
    jwks = models.JSONField(default=dict)
    domain = models.CharField(max_length=255, blank=True, default="")
    # Origins allowed to frame the Dashboard page (the Dashboard may live on another origin than the API).
    dashboard_origins = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    installed_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.saleor_api_url

    @property
    def saleor_origin(self) -> str:
        parts = urlsplit(self.saleor_api_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def jwks_url(self) -> str:
        return f"{self.saleor_origin}/.well-known/jwks.json"


class WebhookDelivery(models.Model):
    """One webhook handled: a redelivery of the same body for the same event has no second effect.

    Written in the same transaction as the handler's effects, so either both exist or neither.
    """

    installation = models.ForeignKey(Installation, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=100)
    body_sha256 = models.CharField(max_length=64)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["installation", "event", "body_sha256"], name="webhook_delivery_once")
        ]
        indexes = [models.Index(fields=["received_at"], name="webhook_delivery_received_idx")]

    def __str__(self) -> str:
        return f"{self.event} {self.body_sha256[:12]}"
