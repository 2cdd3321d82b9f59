#!/usr/bin/env python
"""Benchmark: generate N unique codes (default 1,000,000) into PostgreSQL and time it.

    .venv/bin/python scripts/bench_codes.py [--count 1000000] [--chunk 50000]
        [--database-url postgres://postgres@127.0.0.1:5432/bench_codes]

Creates the database if missing, migrates it, runs one code batch through the same code path as the
worker (`services.code_batch_run`), checks the count and uniqueness in SQL, prints the figures, and
deletes the benchmark's rows afterwards.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--pattern", default="BENCH-####-####")
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_codes"))
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("the benchmark targets PostgreSQL")
    ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
    os.environ.setdefault("TASKS_MODE", "manual")
    os.environ.setdefault("LOG_LEVEL", "WARNING")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from app.coupons import services
    from app.coupons.models import Code
    from app.saleor.models import Installation

    call_command("migrate", verbosity=0)
    installation, _ = Installation.objects.get_or_create(
        saleor_api_url="https://bench.invalid/graphql/", defaults={"app_id": "bench", "auth_token": "bench"})
    coupon = services.coupon_create(installation=installation, data={
        "name": f"bench {datetime.now(UTC).isoformat()}", "codes": [],
        "rule": {"benefit": {"kind": "percentage", "percent": "10"}}})
    try:
        batch = services.code_batch_create(coupon=coupon, count=args.count, pattern=args.pattern)
        chunks: list[float] = []
        started = time.perf_counter()
        last = started

        from app.coupons import codes

        def progress(b):
            nonlocal last
            now = time.perf_counter()
            chunks.append(now - last)
            last = now

        batch = codes.batch_generate(batch=batch, chunk_size=args.chunk, on_progress=progress)
        elapsed = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*), count(DISTINCT code) FROM coupons_code WHERE batch_id = %s", [batch.pk])
            total, distinct = cursor.fetchone()
            cursor.execute("SHOW server_version")
            pg_version = cursor.fetchone()[0]
        ok = total == distinct == args.count
        print(f"date:        {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}")
        print(f"machine:     {cpu_model()}, {os.cpu_count()} CPU, Python {platform.python_version()}, "
              f"PostgreSQL {pg_version}")
        print(f"codes:       {args.count:,} ({args.pattern}, chunks of {args.chunk:,})")
        print(f"stored:      {total:,} rows, {distinct:,} distinct -> {'OK' if ok else 'MISMATCH'}")
        print(f"time:        {elapsed:.1f} s  ({args.count / elapsed:,.0f} codes/s)")
        if chunks:
            print(f"per chunk:   min {min(chunks):.2f} s, max {max(chunks):.2f} s")
        return 0 if ok else 1
    finally:
        Code.objects.filter(coupon=coupon).delete()
        coupon.delete()


if __name__ == "__main__":
    sys.exit(main())
