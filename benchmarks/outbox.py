"""Outbox benchmark (B4): N members whose terms end in 30 days; one pass of the reminder
dispatcher starts the renewal reminders' fan-out, real Celery workers (`celery -A config
worker`, prefork: one on `default` running the fan-out, one on `mail` composing and
sending) send them into an aiosmtpd server running in another process, on PostgreSQL
and Redis. Timed from the dispatcher's pass to the last `sent`. Then, in the same run,
the very same messages, prebuilt, go out with a raw smtplib loop over one reused
connection. Prints the figures as Markdown for benchmarks/README.md.

    make bench                              # 10,000 messages
    .venv/bin/python benchmarks/outbox.py --messages 20000 --concurrency 2

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
        DJANGO_SETTINGS_MODULE="benchmarks.settings",  # static names without collectstatic, as the others
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

    tables = (
        "notifications_delivery, notifications_unsubscribelink, notifications_preference, notifications_fanout, "
        "notifications_pass, members_membershipterm, members_payment, members_member, members_user CASCADE"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables}")
    client = redis.Redis.from_url(redis_url)
    client.delete("mail", "default", "unacked", "unacked_index")


def seed_members(count):
    """`count` members whose yearly term ends in 30 days: each is owed the 30-day reminder."""
    from benchmarks import seed

    started = time.perf_counter()
    seed.members(count, ends_in_days=30)
    return time.perf_counter() - started


def dispatch_pass():
    """One pass of the dispatcher, as beat runs it; returns when it was made (the clock starts)."""
    from django.utils import timezone

    from notifications import reminders

    at = timezone.now()
    counts = reminders.dispatch(now=at)
    if not counts.get("members.renewal-reminders"):
        raise SystemExit(f"the pass started no renewal reminders: {counts}")
    return at


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


def start_worker(queue, concurrency):
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--queues", queue, "--pool", "prefork"]
    command += ["--concurrency", str(concurrency), "--without-gossip", "--without-mingle", "--loglevel", "WARNING"]
    command += ["--hostname", f"bench-{queue}@%h"]
    return subprocess.Popen(command, cwd=ROOT, env=os.environ.copy(), start_new_session=True)


def wait_for_workers(seconds=60):
    from config.celery import app

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1) or []
        if len(replies) >= 2:
            return
    raise SystemExit("the workers did not start")


def run_workers(concurrency, count):
    """Start the workers, make the dispatcher's pass, wait until every delivery is sent,
    sampling the mail pool's memory on the way. Returns (samples, when the pass was made)."""
    from notifications.models import Delivery

    fan_out = start_worker("default", 1)
    mail = start_worker("mail", concurrency)
    samples = []
    try:
        wait_for_workers()
        at = dispatch_pass()
        deadline = time.monotonic() + 1800
        sent = 0
        while sent < count and time.monotonic() < deadline and mail.poll() is None:
            time.sleep(0.5)
            sent = Delivery.objects.filter(status=Delivery.Status.SENT).count()
            samples.append((sent, pool_rss_kib(mail.pid)))
        if sent < count:
            raise SystemExit(f"only {sent} of {count} were sent")
    finally:
        for worker in (fan_out, mail):
            worker.terminate()  # the main process: a warm shutdown that lets the pool finish
        for worker in (fan_out, mail):
            worker.wait(timeout=60)
    return samples, at


def phase_seconds(at):
    """(from the pass to the last `sent`, from the first hand-over to the last `sent`)."""
    from django.db.models import Max, Min

    from notifications.models import Delivery

    span = Delivery.objects.aggregate(first=Min("handed_at"), last=Max("sent_at"))
    return (span["last"] - at).total_seconds(), (span["last"] - span["first"]).total_seconds()


def composed_messages():
    """Every delivery composed again exactly as the worker composed it, and built as a message."""
    from notifications import composing
    from notifications.models import Delivery
    from notifications.outbox import build_message
    from notifications.sending import _add_unsubscribe_links, _with_unsubscribe

    deliveries = list(Delivery.objects.order_by("pk"))
    messages = []
    for start in range(0, len(deliveries), 500):
        rows = deliveries[start : start + 500]
        _add_unsubscribe_links(rows)
        outcomes = composing.compose_all(rows)
        messages += [build_message(d, _with_unsubscribe(d, outcomes[d.pk])) for d in rows]
    return messages


def raw_loops(port):
    """The same messages over one smtplib connection: prebuilt (the ceiling), and
    built in the loop with Django's EmailMessage, as any Django sender must."""
    from django.conf import settings

    sender = settings.DEFAULT_FROM_EMAIL
    messages = composed_messages()
    prebuilt = [(m.to[0], m.message().as_bytes(linesep="\r\n")) for m in messages]
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
        for m in messages:
            smtp.sendmail(sender, m.to, m.message().as_bytes(linesep="\r\n"))
    built_seconds = time.perf_counter() - started
    gc.unfreeze()
    return len(messages), prebuilt_seconds, built_seconds


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
        seed_seconds = seed_members(args.messages)
        samples, at = run_workers(args.concurrency, args.messages)
        total_seconds, send_seconds = phase_seconds(at)
        outbox_received, outbox_connections = received.value, connections.value
        # The raw loops run twice, and count as their mean: the machine's other load
        # moves all figures.
        before = raw_loops(port)
        after = raw_loops(port)
        raw_count = before[0]
        raw_seconds, built_seconds = (before[1] + after[1]) / 2, (before[2] + after[2]) / 2
        load_after = os.getloadavg()[0]
    finally:
        stop.set()
        sink.join(10)

    n = args.messages
    outbox_rate, raw_rate, built_rate = n / send_seconds, raw_count / raw_seconds, raw_count / built_seconds
    total_rate = n / total_seconds
    print(f"""
#### {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC: B4, {n:,} renewal reminders

Machine: {machine()}. PostgreSQL and Redis on the same machine; aiosmtpd in its own process.
Load average (1 min) before and after the run: {load_before:.1f}, {load_after:.1f}.
Workers: `celery -A config worker --queues default --concurrency 1` (the fan-out) and
`--queues mail --pool prefork --concurrency {args.concurrency}` (composing and sending), batches of \
{settings.OUTBOX_BATCH_SIZE}. {n:,} members seeded in {seed_seconds:.1f} s.

| what | time | messages per second |
| --- | ---: | ---: |
| **B4**: the dispatcher's pass to the last `sent` (fan-out, compose, send) | {total_seconds:.1f} s | \
**{total_rate:,.0f}** |
| outbox send alone (first hand-over to last `sent`) | {send_seconds:.1f} s | {outbox_rate:,.0f} |
| raw smtplib loop, one connection, prebuilt messages (mean of two runs) | {raw_seconds:.1f} s | \
**{raw_rate:,.0f}** ({raw_count / before[1]:,.0f}, {raw_count / after[1]:,.0f}) |
| raw smtplib loop, one connection, each message built in the loop (mean) | {built_seconds:.1f} s | \
{built_rate:,.0f} ({raw_count / before[2]:,.0f}, {raw_count / after[2]:,.0f}) |

B4, the pass to the last `sent` / raw loop with prebuilt messages: **{total_rate / raw_rate:.2f}** (goal: at least 0.4).
The server counted {outbox_received:,} messages from the outbox over {outbox_connections} SMTP connections.
Mail worker pool memory (largest child's RSS): {memory_line(samples, n)}.
""")


if __name__ == "__main__":
    main()
