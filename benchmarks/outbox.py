"""Outbox benchmark: queue N renewal-style reminders through the outbox, send them with a
real Celery worker (`celery -A config worker`, prefork) into an aiosmtpd server running in
another process, on PostgreSQL and Redis; then, in the same run, send the very same
messages with a raw smtplib loop over one reused connection. Prints the figures as
Markdown for benchmarks/README.md.

    make bench                              # 20,000 messages
    .venv/bin/python benchmarks/outbox.py --messages 5000 --concurrency 2

BENCH_DATABASE_URL names a PostgreSQL database this script may fill and empty (it is
created if missing; default societas_bench on 127.0.0.1); BENCH_REDIS_URL a Redis
database whose queues it may empty (default redis://127.0.0.1:6379/2). It never reads
DATABASE_URL or REDIS_URL, so it cannot empty the database of a running Societas.
"""

import argparse
import datetime
import gc
import multiprocessing
import os
import platform
import smtplib
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def smtp_sink(port, received, connections, ready, stop):
    """An aiosmtpd server that accepts and counts everything, in its own process."""
    import asyncio  # noqa: F401  (aiosmtpd runs its loop in a thread)

    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            with connections.get_lock():
                connections.value += 1
            session.host_name = hostname
            return responses

        async def handle_DATA(self, server, session, envelope):
            with received.get_lock():
                received.value += 1
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


def free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def configure(database_url, redis_url, smtp_port):
    os.environ.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        DEBUG="false",
        SECRET_KEY="benchmark-only-secret-key-not-used-anywhere-else-0123456789",
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL="https://members.example.org",
        SECURE_SSL_REDIRECT="false",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    ensure_database(database_url)
    import django

    django.setup()
    from django.conf import settings

    settings.TEMPLATES[0]["DIRS"].append(ROOT / "benchmarks" / "templates")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def ensure_database(database_url):
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(database_url)
    dsn = f"host={config['HOST'] or '127.0.0.1'} port={config['PORT'] or 5432} user={config['USER']} dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{config["NAME"]}"')


def empty_outbox(redis_url):
    import redis
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE notifications_delivery, notifications_unsubscribelink, notifications_preference")
    client = redis.Redis.from_url(redis_url)
    client.delete("mail", "default", "unacked", "unacked_index")


def queue_reminders(count):
    """What the members app's renewal source does: each reminder under its key, 500 a transaction."""
    from django.db import transaction

    from notifications.models import Category
    from notifications.outbox import queue_email

    ends = datetime.date.today() + datetime.timedelta(days=30)
    started = time.perf_counter()
    for first in range(0, count, 500):
        with transaction.atomic():
            for n in range(first, min(first + 500, count)):
                queue_email(
                    key=f"renewal:{n}:{n}:-30d",
                    to=f"member{n}@example.org",
                    kind="renewal-reminder",
                    template="bench/renewal",
                    context={
                        "name": f"Member {n}",
                        "ends": ends,
                        "days": 30,
                        "amount": "$60.00",
                        "renew_url": f"https://members.example.org/join/renew/{n:08x}/",
                    },
                    category=Category.REMINDERS,
                )
    return time.perf_counter() - started


def rss_kib(pid):
    """Resident memory of a process and its children (the prefork pool), in KiB."""
    total = 0
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return 0
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def pool_rss_kib(pid):
    try:
        children = [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []
    return [rss_kib(child) for child in children]


def run_worker(concurrency, count, redis_url):
    """Start the worker, wait until every delivery is sent, sampling memory on the way."""
    from notifications.models import Delivery

    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--queues", "mail", "--pool", "prefork"]
    command += ["--concurrency", str(concurrency), "--without-gossip", "--without-mingle", "--loglevel", "WARNING"]
    worker = subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), start_new_session=True)
    samples = []
    try:
        deadline = time.monotonic() + 1800
        sent = 0
        while sent < count and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.5)
            sent = Delivery.objects.filter(status=Delivery.Status.SENT).count()
            samples.append((sent, pool_rss_kib(worker.pid)))
        if sent < count:
            raise SystemExit(f"only {sent} of {count} were sent")
    finally:
        worker.terminate()  # the main process: a warm shutdown that lets the pool finish
        worker.wait(timeout=60)
    return samples


def send_phase_seconds():
    from django.db.models import Max, Min

    from notifications.models import Delivery

    span = Delivery.objects.aggregate(first=Min("handed_at"), last=Max("sent_at"))
    return (span["last"] - span["first"]).total_seconds()


def raw_loops(port):
    """The same messages over one smtplib connection: prebuilt (the ceiling), and
    built in the loop with Django's EmailMessage, as any Django sender must."""
    from django.conf import settings

    from notifications.models import Delivery
    from notifications.outbox import build_message

    sender = settings.DEFAULT_FROM_EMAIL
    deliveries = list(Delivery.objects.order_by("pk"))
    prebuilt = [(d.to, build_message(d).message().as_bytes(linesep="\r\n")) for d in deliveries]
    # Tens of thousands of live objects would make every garbage collection slow the
    # loop down; a worker holds one batch. Freeze them out of the collector's sight.
    gc.collect()
    gc.freeze()
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for to, raw in prebuilt:
            smtp.sendmail(sender, [to], raw)
    prebuilt_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for d in deliveries:
            smtp.sendmail(sender, [d.to], build_message(d).message().as_bytes(linesep="\r\n"))
    built_seconds = time.perf_counter() - started
    gc.unfreeze()
    return len(deliveries), prebuilt_seconds, built_seconds


def memory_line(samples, count):
    marks = {}
    for sent, pool in samples:
        for share in (0.1, 0.5, 0.9):
            if share not in marks and sent >= share * count and pool:
                marks[share] = max(pool)
    return ", ".join(f"{int(share * 100)}% sent: {kib / 1024:.0f} MiB" for share, kib in sorted(marks.items()))


def machine():
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in lines if "model name" in line), platform.processor())
    memory = int(Path("/proc/meminfo").read_text().split()[1]) // (1024 * 1024)
    return f"{os.cpu_count()} cores ({cpu}), {memory} GiB, Python {platform.python_version()}, {platform.system()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (prefork)")
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/societas_bench"
    redis_url = os.environ.get("BENCH_REDIS_URL") or "redis://127.0.0.1:6379/2"

    port = free_port()
    received, connections = multiprocessing.Value("l", 0), multiprocessing.Value("l", 0)
    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    sink = multiprocessing.Process(target=smtp_sink, args=(port, received, connections, ready, stop), daemon=True)
    sink.start()
    ready.wait(10)
    try:
        configure(database_url, redis_url, port)
        from django.conf import settings

        empty_outbox(redis_url)
        load_before = os.getloadavg()[0]
        queue_seconds = queue_reminders(args.messages)
        # The raw loops run before and after the outbox, and count as their mean: the
        # machine's other load moves all figures, this brackets it.
        before = raw_loops(port)
        received.value = connections.value = 0
        samples = run_worker(args.concurrency, args.messages, redis_url)
        send_seconds = send_phase_seconds()
        outbox_received, outbox_connections = received.value, connections.value
        after = raw_loops(port)
        raw_count = before[0]
        raw_seconds, built_seconds = (before[1] + after[1]) / 2, (before[2] + after[2]) / 2
        load_after = os.getloadavg()[0]
    finally:
        stop.set()
        sink.join(10)

    n = args.messages
    outbox_rate, raw_rate, built_rate = n / send_seconds, raw_count / raw_seconds, raw_count / built_seconds
    print(f"""
### {datetime.date.today():%Y-%m-%d}: {n:,} renewal reminders

Machine: {machine()}. PostgreSQL and Redis on the same machine; aiosmtpd in its own process.
Load average (1 min) before and after the run: {load_before:.1f}, {load_after:.1f}.
Worker: `celery -A config worker --pool prefork --concurrency {args.concurrency}`, \
batches of {settings.OUTBOX_BATCH_SIZE}.

| what | time | messages per second |
| --- | ---: | ---: |
| queue (render + insert, 500 per transaction) | {queue_seconds:.1f} s | {n / queue_seconds:,.0f} |
| outbox send (first hand-over to last `sent`) | {send_seconds:.1f} s | {outbox_rate:,.0f} |
| raw smtplib loop, one connection, prebuilt messages (mean of before and after) | {raw_seconds:.1f} s | \
{raw_rate:,.0f} ({raw_count / before[1]:,.0f} before, {raw_count / after[1]:,.0f} after) |
| raw smtplib loop, one connection, each message built in the loop (mean) | {built_seconds:.1f} s | \
{built_rate:,.0f} ({raw_count / before[2]:,.0f} before, {raw_count / after[2]:,.0f} after) |
| end to end (queue, then send) | {queue_seconds + send_seconds:.1f} s | {n / (queue_seconds + send_seconds):,.0f} |

Outbox send / raw loop with prebuilt messages: **{outbox_rate / raw_rate:.2f}**; \
with messages built in the loop: **{outbox_rate / built_rate:.2f}** (goal: at least 0.5).
The server counted {outbox_received:,} messages from the outbox over {outbox_connections} SMTP connections.
Worker pool memory (largest child's RSS): {memory_line(samples, n)}.
""")


if __name__ == "__main__":
    main()
