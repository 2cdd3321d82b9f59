from __future__ import annotations

from django.db import models
from django.utils import timezone


class Job(models.Model):
    """A unit of background work, stored so that nothing is lost when a process dies.

    Saleor writes go through here (the outbox): a failed call is retried with backoff.
    """

    class State(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        DEAD = "dead"

    kind = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    run_after = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    result = models.JSONField(null=True, blank=True)
    # Two enqueues with the same key make one job (e.g. one write per checkout version).
    dedupe_key = models.CharField(max_length=255, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["state", "run_after"], name="job_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind}#{self.pk} {self.state}"
