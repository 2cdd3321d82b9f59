from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand

from app.core import jobs


class Command(BaseCommand):
    help = "Embedded mode: migrate, start the in-process job runner, serve HTTP (use gunicorn in production)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, addrport: str, **options):
        call_command("migrate", interactive=False, verbosity=1)
        jobs.start_inprocess_runner()
        call_command("runserver", addrport, use_reloader=False, use_threading=True)
