from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand

from app.saleor.services import webhook_deliveries_prune


class Command(BaseCommand):
    help = "Delete webhook idempotency records older than --days (default 7); run it daily from cron."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=float, default=7.0)

    def handle(self, *args, days: float, **options):
        deleted = webhook_deliveries_prune(older_than=timedelta(days=days))
        self.stdout.write(f"deleted {deleted} webhook delivery records older than {days:g} days")
