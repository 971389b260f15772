"""Fault test: Redis stops in the middle of a 5,000-message fan-out, then starts again.

    .venv/bin/python benchmarks/soak_outbox.py

Everything real, on loopback: a Redis of the test's own (`redis-server` on port 6390, its own
folder, no persistence: whatever it held when it stopped is gone), two Celery worker processes
(`-Q mail,default`, prefork, 2 each) and Celery beat (the outbox sweep every minute), PostgreSQL,
and an aiosmtpd server in this process that counts what arrives for each address.

A staff member sends an announcement to the 5,000 members in good standing (the product's own
path: `announcements.start_sending`, then the fan-out task queues a delivery per person in
batches, and the mail workers send them in batches over one connection). When 1,700 have
arrived, Redis is stopped while the fan-out is still queuing; 10 s later it starts again, empty.
The nudges lost with it are made good by the sweep. Counts: addresses that got the
announcement twice, addresses that never got it, deliveries not marked sent.
Prints one line; exits 1 when a count is wrong.
"""

import collections
import contextlib
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness

REDIS_PORT = 6390
SMTP_PORT = 8121
MESSAGES = 5000
STOP_AT = 1700  # mid-way through a batch of 200, while the fan-out is still queuing
DOWN_SECONDS = 10
DEADLINE = 6 * 60  # the whole test, after the fan-out starts
SUBJECT = "Soak test: the annual general meeting"


class Counter:
    """aiosmtpd handler: how many times each address got the announcement."""

    def __init__(self):
        self.lock = threading.Lock()
        self.announcement = collections.Counter()
        self.other = 0

    async def handle_DATA(self, server, session, envelope):
        subject = message_from_bytes(envelope.original_content, policy=policy.default)["Subject"] or ""
        with self.lock:
            if SUBJECT in subject:
                self.announcement.update(address.lower() for address in envelope.rcpt_tos)
            else:
                self.other += 1
        return "250 Message accepted for delivery"

    @property
    def arrived(self) -> int:
        with self.lock:
            return sum(self.announcement.values())


class Redis:
    """A redis-server of this test's own, stopped and started at will."""

    def __init__(self, folder: Path):
        self.folder, self.process = folder, None

    def start(self) -> None:
        command = ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--dir", str(self.folder)]
        command += ["--save", "", "--appendonly", "no", "--logfile", str(self.folder / "redis.log")]
        self.process = subprocess.Popen(command)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                import redis

                if redis.Redis(port=REDIS_PORT, socket_timeout=1).ping():
                    return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def celery(env: dict, folder: Path, *args: str, name: str) -> subprocess.Popen:
    log = (folder / f"{name}.log").open("wb")
    command = [str(harness.BIN / "celery"), "-A", "config", *args, "--loglevel", "WARNING"]
    return subprocess.Popen(command, cwd=harness.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def start_announcement() -> int:
    from notifications import announcements
    from notifications.models import Announcement, Category

    announcement = Announcement.objects.create(
        subject=SUBJECT,
        body="The **annual general meeting** is on the first Saturday of March.",
        category=Category.NEWSLETTERS,
        segment="members:good-standing",
    )
    announcements.start_sending(announcement_id=announcement.pk, by=None)
    return announcement.pk


def run_fan_out(counter: Counter, redis: Redis) -> dict:
    from notifications.models import Delivery

    started = time.monotonic()
    start_announcement()
    while counter.arrived < STOP_AT and time.monotonic() - started < DEADLINE:
        time.sleep(0.05)
    queued_when_stopped = Delivery.objects.filter(kind="announcement").count()
    redis.stop()
    time.sleep(DOWN_SECONDS)
    redis.start()
    restarted = time.monotonic()
    while time.monotonic() - started < DEADLINE:
        if Delivery.objects.filter(kind="announcement", status="sent").count() >= MESSAGES:
            break
        time.sleep(0.5)
    time.sleep(5)  # anything sent twice would arrive now
    return {
        "queued_when_stopped": queued_when_stopped,
        "after_restart_s": time.monotonic() - restarted - 5,
        "not_sent": MESSAGES - Delivery.objects.filter(kind="announcement", status="sent").count(),
        "statuses": dict(collections.Counter(Delivery.objects.values_list("status", flat=True))),
    }


def main() -> int:
    from aiosmtpd.controller import Controller

    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="societas-soak-outbox-"))
    url = harness.database_url("soak_outbox")
    env = harness.product_env(
        database_url=url,
        redis_url=f"redis://127.0.0.1:{REDIS_PORT}/0",
        port=8120,
        var_dir=str(folder),
        EMAIL_URL=f"smtp://127.0.0.1:{SMTP_PORT}",
    )
    template = harness.migrated_template(env)
    harness.create_database(url, template=template)
    harness.drop_database(template)
    harness.setup_django(env)
    from django.db import connections

    from benchmarks import seed

    counter, redis, processes = Counter(), Redis(folder), []
    smtp = Controller(counter, hostname="127.0.0.1", port=SMTP_PORT)
    try:
        seed.members(MESSAGES, all_active=True)
        smtp.start()
        redis.start()
        for number in (1, 2):
            worker = ("worker", "-Q", "mail,default", "--pool", "prefork", "--concurrency", "2")
            args = (*worker, "-n", f"soak{number}@%h", "--without-gossip", "--without-mingle")
            processes.append(celery(env, folder, *args, name=f"worker{number}"))
        processes.append(celery(env, folder, "beat", "-s", str(folder / "beat-schedule"), name="beat"))
        time.sleep(5)  # the workers connect
        outcome = run_fan_out(counter, redis)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        redis.stop()
        smtp.stop()
        connections.close_all()
        harness.drop_database(url)
    twice = sum(1 for n in counter.announcement.values() if n > 1)
    never = MESSAGES - len(counter.announcement)
    ok = twice == 0 and never == 0 and outcome["not_sent"] == 0
    print(
        f"{'ok  ' if ok else 'FAIL'} outbox with Redis stopped: {MESSAGES} announcement emails fanned out by 2 "
        f"worker processes; Redis stopped for {DOWN_SECONDS} s at {STOP_AT} arrived ({outcome['queued_when_stopped']} "
        f"queued by then) and started again empty: delivered twice {twice}, never delivered {never}, "
        f"not marked sent {outcome['not_sent']}, arrived {counter.arrived} (other mail {counter.other}); "
        f"all sent {outcome['after_restart_s']:.0f} s after the restart; statuses {outcome['statuses']}; "
        f"{time.monotonic() - started:.0f} s",
        flush=True,
    )
    if ok:
        shutil.rmtree(folder, ignore_errors=True)
    else:
        print(f"     logs kept in {folder}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
