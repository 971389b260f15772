"""Fault test: two Celery beat processes started by mistake run side by side for five minutes.

    .venv/bin/python benchmarks/soak_beats.py

Everything real on loopback: PostgreSQL, Redis (database 4 of REDIS_URL's server), a
`default` worker (the dispatcher, the fan-outs, the sweep), a `mail` worker, two beats
with schedule files of their own, and an aiosmtpd server in this process that counts what
arrives for each address and subject.

What is due: 300 members whose terms end in 30 days (a renewal reminder each, due at the
first pass), and five events whose 2-hour reminders fall due one every 45 seconds while
the beats run, the last 100 s before they stop (beat sends every 60 s from its start, so
the last pass made comes after it), 20 yes answers each. Both
beats send the dispatcher every minute; each minute's pass is claimed once. Counts:
reminders that arrived twice, reminders that never arrived, and the dispatcher passes
made against the minutes that went by. Prints one line; exits 1 when a count is wrong.
"""

import collections
import datetime
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

SMTP_PORT = 8141
REDIS_DB = 4
MEMBERS, EVENTS, ATTENDEES = 300, 5, 20
SECONDS = 5 * 60


class Counter:
    """aiosmtpd handler: how many times each (address, subject) arrived."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received = collections.Counter()

    async def handle_DATA(self, server, session, envelope):
        subject = message_from_bytes(envelope.original_content, policy=policy.default)["Subject"] or ""
        with self.lock:
            self.received.update((address.lower(), str(subject)) for address in envelope.rcpt_tos)
        return "250 Message accepted for delivery"


def celery(env: dict, folder: Path, name: str, *args: str) -> subprocess.Popen:
    log = (folder / f"{name}.log").open("wb")
    command = [str(harness.BIN / "celery"), "-A", "config", *args, "--loglevel", "WARNING"]
    return subprocess.Popen(command, cwd=harness.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def seed_events(start: datetime.datetime) -> int:
    from benchmarks import seed
    from events.models import Event

    for number in range(1, EVENTS + 1):
        event = seed.event(f"beats-{number}", capacity=None)
        starts = start + datetime.timedelta(hours=2, seconds=20 + 45 * (number - 1))
        Event.objects.filter(pk=event.pk).update(
            starts_at=starts, ends_at=starts + datetime.timedelta(hours=1), reminder_offsets="2h"
        )
        seed.invite(event, ATTENDEES, prefix=f"beats{number}-", status="yes")
    return EVENTS * ATTENDEES


def main() -> int:
    from aiosmtpd.controller import Controller

    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="societas-soak-beats-"))
    url = harness.database_url("soak_beats")
    env = harness.product_env(
        database_url=url,
        redis_url=harness.redis_url(REDIS_DB),
        port=8140,
        var_dir=str(folder),
        EMAIL_URL=f"smtp://127.0.0.1:{SMTP_PORT}",
    )
    template = harness.migrated_template(env)
    harness.create_database(url, template=template)
    harness.drop_database(template)
    harness.flush_redis(REDIS_DB)
    harness.setup_django(env)
    from django.db import connections
    from django.utils import timezone

    from benchmarks import seed
    from notifications.models import Delivery, Pass

    counter, processes = Counter(), []
    smtp = Controller(counter, hostname="127.0.0.1", port=SMTP_PORT)
    try:
        begin = timezone.now()
        seed.members(MEMBERS, ends_in_days=30)
        expected = MEMBERS + seed_events(timezone.now())
        smtp.start()
        processes.append(celery(env, folder, "default", "worker", "-Q", "default", "-c", "1", "-n", "default@%h"))
        processes.append(celery(env, folder, "mail", "worker", "-Q", "mail", "-c", "2", "-n", "mail@%h"))
        for number in (1, 2):
            processes.append(celery(env, folder, f"beat{number}", "beat", "-s", str(folder / f"beat{number}")))
        time.sleep(SECONDS)
        for process in processes[2:]:
            process.terminate()  # the beats stop; what they started finishes
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and Delivery.objects.exclude(status="sent").exists():
            time.sleep(1)
        time.sleep(5)  # anything sent twice would arrive now
        minutes = (timezone.now() - begin).total_seconds() / 60
        passes = Pass.objects.filter(name="reminders").count()
        statuses = dict(collections.Counter(Delivery.objects.values_list("status", flat=True)))
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        smtp.stop()
        connections.close_all()
        harness.drop_database(url)
        harness.flush_redis(REDIS_DB)
    reminders = {
        key: n for key, n in counter.received.items() if "membership" in key[1] or key[1].startswith("Reminder:")
    }
    twice = sum(1 for n in reminders.values() if n > 1)
    never = expected - len(reminders)
    ok = twice == 0 and never == 0 and passes <= int(minutes) + 1
    print(
        f"{'ok  ' if ok else 'FAIL'} two beats for {SECONDS // 60} minutes: {expected} reminders due "
        f"({MEMBERS} renewals, {EVENTS * ATTENDEES} event reminders falling due one event every 45 s): "
        f"arrived twice {twice}, never arrived {never}; {passes} dispatcher passes in {minutes:.1f} minutes "
        f"(two beats, one pass a minute); statuses {statuses}; {time.monotonic() - started:.0f} s",
        flush=True,
    )
    if ok:
        shutil.rmtree(folder, ignore_errors=True)
    else:
        print(f"     logs kept in {folder}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
