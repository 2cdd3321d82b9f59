#!/usr/bin/env python
"""Benchmark: signed CHECKOUT_UPDATED webhooks handled per second on PostgreSQL under gunicorn.

    .venv/bin/python scripts/bench_webhooks.py [--requests 6000] [--concurrency 8] [--worker-class gthread]

What it does:
1. creates a fresh PostgreSQL database (`--pg`, default postgres://postgres@127.0.0.1:5432), migrates it;
2. creates an Installation whose JWKS is a freshly generated RSA key;
3. starts gunicorn (by default 3 workers, gthread x 1 thread, as the README recommends) on loopback with
   DATABASE_URL set;
4. signs N distinct CHECKOUT_UPDATED bodies (distinct `issuedAt`, so none is a redelivery) like Saleor
   (detached JWS, RS256), then posts each once (the signing happens before the clock starts), with
   `--client wrk` (default when /usr/bin/wrk exists: Debian's wrk, a C load generator that leaves the 2 CPUs
   to the server; each wrk thread sends its own share of the bodies and stops) or `--client python`
   (`--processes` × `--threads` over keep-alive connections; the client then takes CPU from the server);
5. reports requests/s, client-side p50/p99, server-side p50/p99 (python client: the `Server-Timing` header,
   `intake` = the whole webhook view — signature, parse, idempotency row, handler; `handler` = the
   transaction holding the delivery row and the handler; wrk client: `handler_ms` of the app's own
   per-webhook log lines), and each worker's peak RSS (VmHWM).

The handler is the real `app.coupons.handlers.on_checkout_changed` when it can be imported; otherwise the
script says so and measures the intake alone (the registry's checkout-updated entry cannot run) through
a benchmark-only definition whose handler does nothing.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
API_URL = "http://saleor.bench.invalid/graphql/"
APP_ID = "QXBwOjE="


# --- server side: imported by gunicorn as `bench_webhooks:application` --------------------------------
def bench_noop_handler(*, installation, event) -> None:
    """Benchmark-only handler, used only when the coupons handler does not exist yet."""


def _wsgi_application():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings")
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    if os.environ.get("BENCH_INTAKE_ONLY") == "1":
        import dataclasses

        from app.saleor.webhooks import REGISTRY

        REGISTRY["bench-checkout-updated"] = dataclasses.replace(
            REGISTRY["checkout-updated"], name="bench-checkout-updated",
            path="/api/webhooks/bench-checkout-updated", handler="bench_webhooks.bench_noop_handler",
        )
    return application


if os.environ.get("BENCH_GUNICORN") == "1":
    application = _wsgi_application()


# --- client side ----------------------------------------------------------------------------------------
def checkout_body(index: int, started: datetime) -> bytes:
    usd = lambda amount: {"amount": amount, "currency": "USD"}  # noqa: E731
    lines = [
        {
            "id": f"Q2hlY2tvdXRMaW5lOi{index}-{n}",
            "quantity": 1 + n,
            "undiscountedUnitPrice": usd(14.5 + n),
            "metadata": [],
            "variant": {
                "id": f"UHJvZHVjdFZhcmlhbnQ6{300 + n}", "sku": f"SKU-{n}", "name": "M",
                "product": {"id": f"UHJvZHVjdDo{100 + n}", "name": f"Tee {n}",
                            "productType": {"id": "UHJvZHVjdFR5cGU6MQ=="},
                            "category": {"id": "Q2F0ZWdvcnk6Mw=="}, "collections": [{"id": "Q29sbGVjdGlvbjox"}]},
            },
        }
        for n in range(3)
    ]
    subtotal = sum((14.5 + n) * (1 + n) for n in range(3))
    body = {
        "issuedAt": (started + timedelta(microseconds=index)).isoformat(),
        "version": "3.23.28",
        "issuingPrincipal": None,
        "checkout": {
            "id": f"Q2hlY2tvdXQ6{index:08d}", "token": f"00000000-0000-4000-8000-{index:012d}",
            "email": f"shopper{index % 500}@example.com",
            "channel": {"slug": "default-channel", "currencyCode": "USD"},
            "user": None, "voucherCode": None, "discount": usd(0.0),
            "subtotalPrice": {"gross": usd(subtotal)}, "totalPrice": {"gross": usd(subtotal)},
            "shippingPrice": {"gross": usd(0.0)}, "deliveryMethod": None,
            "lines": lines, "privateMetadata": [], "metadata": [],
        },
    }
    return json.dumps(body).encode()


def _client(args) -> list[tuple[float, float, float, int]]:
    """Post (body, signature) pairs over one keep-alive connection per thread; (client ms, intake ms,
    handler ms, status) per request."""
    port, path, items, threads = args
    results: list[tuple[float, float, float, int]] = []
    lock = threading.Lock()
    chunks = [items[i::threads] for i in range(threads)]

    def run(chunk):
        local = []
        conn = HTTPConnection("127.0.0.1", port, timeout=30)
        for body, signature in chunk:
            headers = {"Content-Type": "application/json", "Saleor-Event": "checkout_updated",
                       "Saleor-Api-Url": API_URL, "Saleor-Domain": "saleor.bench.invalid",
                       "Saleor-Signature": signature, "Host": "127.0.0.1"}
            started = time.perf_counter()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
            except (ConnectionError, OSError):
                conn.close()
                conn = HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
            elapsed = (time.perf_counter() - started) * 1000
            timing = dict(
                part.strip().split(";dur=") for part in (response.getheader("Server-Timing") or "").split(",")
                if ";dur=" in part
            )
            local.append((elapsed, float(timing.get("intake", "nan")), float(timing.get("handler", "nan")),
                          response.status))
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = HTTPConnection("127.0.0.1", port, timeout=30)
        conn.close()
        with lock:
            results.extend(local)

    workers = [threading.Thread(target=run, args=(chunk,)) for chunk in chunks]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return results


WRK_SCRIPT = r"""
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  local file, nthreads, path, api = args[1], tonumber(args[2]), args[3], args[4]
  marker = args[5] .. "/done-" .. tid
  reqs, idx, failed = {}, 0, 0
  local n = 0
  for line in io.lines(file) do
    if n % nthreads == tid then
      local sig, body = line:match("^([^	]*)	(.*)$")
      reqs[#reqs + 1] = wrk.format("POST", path, {
        ["Content-Type"] = "application/json", ["Saleor-Event"] = "checkout_updated",
        ["Saleor-Api-Url"] = api, ["Saleor-Domain"] = "saleor.bench.invalid",
        ["Saleor-Signature"] = sig, ["Host"] = "127.0.0.1"}, body)
    end
    n = n + 1
  end
  need = #reqs
  if tid == 0 and #reqs > 0 then
    -- wrk calls the first thread's request() once to check the request, and sends nothing: give it a copy
    table.insert(reqs, 1, reqs[1])
  end
end
function request()
  -- once every body is out, a connection still asking gets the last one again (a redelivery, answered
  -- "duplicate"); the thread stops when every body of its share has been answered
  idx = idx + 1
  if idx > #reqs then idx = #reqs end
  return reqs[idx]
end
function response(status, headers, body)
  answered = (answered or 0) + 1
  if answered == need then
    io.open(marker, "w"):close()  -- tells the script this thread's share is answered
    wrk.thread:stop()
  end
end
function done(summary, latency, requests)
  io.write(string.format(
    'WRK {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "status_errors": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def run_wrk(port: int, path: str, items: list[tuple[bytes, str]], threads: int, connections: int) -> dict:
    """Post every (body, signature) once with wrk; its summary (requests, duration, latency percentiles).

    Each wrk thread stops when its share is answered (and leaves a marker file), but wrk itself runs until its
    duration or SIGINT: this interrupts wrk as soon as every thread is done."""
    work = ROOT / "var" / "bench_wrk"
    work.mkdir(parents=True, exist_ok=True)
    markers = work / "done"
    shutil.rmtree(markers, ignore_errors=True)
    markers.mkdir()
    bodies = work / "bodies.tsv"
    with bodies.open("w") as out:
        for body, signature in items:
            out.write(f"{signature}\t{body.decode()}\n")
    script = work / "post.lua"
    script.write_text(WRK_SCRIPT)
    threads = min(threads, connections)
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", "600s", "--timeout", "30s", "-s", str(script),
               f"http://127.0.0.1:{port}{path}", "--", str(bodies), str(threads), path, API_URL, str(markers)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    while process.poll() is None and len(list(markers.iterdir())) < threads:
        time.sleep(0.05)
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    line = next((line for line in output.splitlines() if line.startswith("WRK ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{output}")
    return json.loads(line[4:])


def logged_handler_ms(log_path: Path, since: int) -> list[float]:
    """`handler_ms` of the app's "webhook" log lines written after byte offset `since`."""
    found = []
    with log_path.open() as log:
        log.seek(since)
        for line in log:
            if '"msg": "webhook"' in line:
                try:
                    found.append(float(json.loads(line)["handler_ms"]))
                except (ValueError, KeyError):
                    continue
    return found


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def rss_peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--client", choices=["wrk", "python"], default="wrk" if Path("/usr/bin/wrk").exists()
                        else "python")
    parser.add_argument("--connections", type=int, default=8, help="wrk: concurrent connections")
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    parser.add_argument("--threads", type=int, default=4, help="client threads per process")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"])
    parser.add_argument("--worker-threads", type=int, default=1)
    parser.add_argument("--port", type=int, default=18731)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--scenario", default="plain", choices=["plain", "automatic"],
                        help="plain: checkouts without code (the common case: verify, parse, record, look up, "
                             "nothing to write); automatic: the shop has an automatic 5%% coupon, so every "
                             "checkout is evaluated by the engine and gets an APP- voucher queued in the outbox")
    parser.add_argument("--intake-only", action="store_true",
                        help="measure the intake alone (no-op handler) even if the coupons handler exists")
    args = parser.parse_args()

    import psycopg

    database = f"bench_webhooks_{os.getpid()}"
    database_url = f"{args.pg}/{database}"
    admin_url = f"{args.pg}/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    env = {**os.environ, "DATABASE_URL": database_url, "TASKS_MODE": "worker", "DEBUG": "0",
           "LOG_LEVEL": args.log_level, "APP_URL": f"http://127.0.0.1:{args.port}",
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_SETTINGS_MODULE": "app.settings"}
    server = None
    try:
        subprocess.run([PYTHON, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)

        # An installation whose JWKS holds a fresh key; the bodies are signed with it.
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "TASKS_MODE", "DJANGO_SETTINGS_MODULE")})
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        import jwt
        from cryptography.hazmat.primitives.asymmetric import rsa
        from jwt.algorithms import RSAAlgorithm

        from app.saleor.models import Installation

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key())) | {"kid": "bench", "use": "sig", "alg": "RS256"}
        installation = Installation.objects.create(saleor_api_url=API_URL, app_id=APP_ID, auth_token="bench-token",
                                                   jwks={"keys": [jwk]})
        if args.scenario == "automatic":
            from app.coupons.services import coupon_create

            coupon_create(installation=installation, actor="bench", data={
                "name": "Automatic 5%", "codes": [],
                "rule": {"requires_code": False, "benefit": {"kind": "percentage", "percent": "5", "apply_to": "order"},
                         "conditions": {}}})
            from app.core.models import Job

            Job.objects.all().delete()  # the coupon's own jobs (mirror) are not part of the measure
        from django.db import connections

        connections.close_all()

        try:
            import app.coupons.handlers as coupons_handlers

            real_handler = hasattr(coupons_handlers, "on_checkout_changed") and not args.intake_only
        except ImportError:
            real_handler = False
        path = "/api/webhooks/checkout-updated" if real_handler else "/api/webhooks/bench-checkout-updated"

        started = datetime.now(UTC)
        total = args.warmup + args.requests
        print(f"signing {total} bodies ...", file=sys.stderr)
        items = []
        for index in range(total):
            body = checkout_body(index, started)
            signature = jwt.api_jws.encode(body, key, algorithm="RS256", is_payload_detached=True,
                                           headers={"kid": "bench", "b64": False, "crit": ["b64"]})
            items.append((body, signature))

        (ROOT / "var").mkdir(exist_ok=True)
        log_file = open(ROOT / "var" / "bench_gunicorn.log", "w")  # noqa: SIM115 - closed below
        gunicorn = [
            PYTHON, "-m", "gunicorn", "bench_webhooks:application", "--chdir", str(ROOT / "scripts"),
            "--bind", f"127.0.0.1:{args.port}", "--workers", str(args.workers),
            "--worker-class", args.worker_class, "--threads", str(args.worker_threads),
            "--keep-alive", "30", "--backlog", "2048",
        ]
        server = subprocess.Popen(
            gunicorn, cwd=ROOT, stdout=log_file, stderr=subprocess.STDOUT,
            env={**env, "BENCH_GUNICORN": "1", "BENCH_INTAKE_ONLY": "0" if real_handler else "1"},
        )
        deadline = time.time() + 30
        while True:
            try:
                probe = HTTPConnection("127.0.0.1", args.port, timeout=2)
                probe.request("GET", "/health")
                probe.getresponse().read()
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError("gunicorn did not start; see var/bench_gunicorn.log") from None
                time.sleep(0.2)

        def _python_run(batch):
            per_process = [batch[i::args.processes] for i in range(args.processes)]
            with multiprocessing.get_context("fork").Pool(args.processes) as pool:
                parts = pool.map(_client, [(args.port, path, part, args.threads) for part in per_process])
            return [row for part in parts for row in part]

        def summary(values: list[float]) -> dict[str, float] | None:
            return {"p50": round(statistics.median(values), 2), "p99": round(percentile(values, 99), 2)} \
                if values else None

        measured = items[args.warmup:]
        if args.client == "wrk":
            run_wrk(args.port, path, items[: args.warmup], args.threads, args.connections)
            log_file.flush()
            offset = (ROOT / "var" / "bench_gunicorn.log").stat().st_size
            load_before = os.getloadavg()[0]
            wrk = run_wrk(args.port, path, measured, args.threads, args.connections)
            time.sleep(0.5)  # the last log lines
            handler_ms = logged_handler_ms(ROOT / "var" / "bench_gunicorn.log", offset)
            ok = wrk["status_errors"] == 0 and wrk["socket_errors"] == 0 and wrk["requests"] >= len(measured)
            measures = {
                "client": f"wrk, {min(args.threads, args.connections)} threads, {args.connections} connections, "
                          "keep-alive",
                "requests": wrk["requests"],
                "statuses": {"non_2xx": wrk["status_errors"], "socket_errors": wrk["socket_errors"]},
                "req_per_s": round(wrk["requests"] / (wrk["duration_us"] / 1e6), 1),
                "client_ms": {"p50": round(wrk["p50_us"] / 1000, 2), "p99": round(wrk["p99_us"] / 1000, 2)},
                "handler_ms": summary(handler_ms),
                "handler_ms_source": f"{len(handler_ms)} 'webhook' log lines (LOG_LEVEL={args.log_level})",
            }
        else:
            _python_run(items[: args.warmup])
            load_before = os.getloadavg()[0]
            clock = time.perf_counter()
            rows = _python_run(measured)
            elapsed = time.perf_counter() - clock
            statuses: dict[int, int] = {}
            for row in rows:
                statuses[row[3]] = statuses.get(row[3], 0) + 1
            ok = statuses.get(200) == len(rows)
            measures = {
                "client": f"python, {args.processes} processes x {args.threads} threads, keep-alive",
                "requests": len(rows),
                "statuses": statuses,
                "req_per_s": round(len(rows) / elapsed, 1),
                "client_ms": summary([r[0] for r in rows]),
                "intake_ms": summary([r[1] for r in rows if r[1] == r[1]]),
                "handler_ms": summary([r[2] for r in rows if r[2] == r[2]]),
            }
        workers = worker_pids(server.pid)
        peaks = {pid: rss_peak_kb(pid) for pid in workers}
        result = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": f"{cpu_model()}, {os.cpu_count()} CPUs, Linux {platform.release()}",
            "python": platform.python_version(),
            "handler": "app.coupons.handlers.on_checkout_changed" if real_handler else "intake only (no-op handler)",
            "scenario": args.scenario,
            "gunicorn": f"{args.workers} workers, {args.worker_class}"
                        + (f" x {args.worker_threads} threads" if args.worker_class == "gthread" else ""),
            "log_level": args.log_level,
            "load_avg_1m_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
            **measures,
            "worker_peak_rss_mb": [round(kb / 1024, 1) for kb in peaks.values()],
        }
        print(json.dumps(result, indent=2))
        return 0 if ok else 1
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        if not args.keep_db:
            try:
                from django.db import connections

                connections.close_all()
            except Exception:  # noqa: BLE001 - Django may not be set up when migrate failed
                pass
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


if __name__ == "__main__":
    raise SystemExit(main())
