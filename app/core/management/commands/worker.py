from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from app.core import jobs


class Command(BaseCommand):
    help = "Run background jobs (Saleor write outbox, code generation, e-mails) until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="run what is due, then exit")
        parser.add_argument("--idle-sleep", type=float, default=1.0)

    def handle(self, *args, once: bool = False, idle_sleep: float = 1.0, **options):
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write("worker started")
        while not stopping:
            close_old_connections()
            jobs.schedule_periodic()
            ran = jobs.run_due_jobs()
            if once and not ran:
                break
            if not ran:
                time.sleep(idle_sleep)
        self.stdout.write("worker stopped")
