"""Fault tests of the mail workers, with everything real on loopback: PostgreSQL, Redis
(databases 6 and 7 of REDIS_URL's server), Celery workers and beat, and an aiosmtpd server
in this process that counts what arrives for each address.

    .venv/bin/python benchmarks/soak_workers.py kills     # one worker SIGKILLed three times
    .venv/bin/python benchmarks/soak_workers.py clones    # two workers from two clones, one killed

`kills`: an announcement to 10,000 members in good standing. One mail worker (prefork, 2
processes) composes and sends; it is SIGKILLed with its pool three times, at 2,000, 5,000
and 8,000 arrived, and started again each time. The sweep (beat, every few seconds) takes
back what it held once its claim shows no sign of life.

`clones`: two mail workers, each started from its own `git clone` of this repository (two
hosts in all but hardware), over one PostgreSQL and one Redis, share a 4,000-member
announcement; at 1,500 arrived one is SIGKILLed, and 5 s later started again. The test
times how long the rows its dead claim held take to go out again.

Counts: addresses that got the email twice (duplicates), addresses that never got it
whose delivery is not marked uncertain (lost), and uncertain deliveries, which may be at
most the messages that were in flight when a worker died (one per pool process per kill).
Prints one line; exits 1 when a count is wrong.
"""

import collections
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import harness

SMTP_PORT = 8131
POOL = 2
DEADLINE = 8 * 60


class Counter:
    """aiosmtpd handler: how many times each address got an email."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received = collections.Counter()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.update(address.lower() for address in envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    @property
    def arrived(self) -> int:
        with self.lock:
            return sum(self.received.values())


def worker(env: dict, folder: Path, name: str, *, cwd: Path = harness.ROOT) -> subprocess.Popen:
    log = (folder / f"{name}.log").open("ab")
    command = [str(harness.BIN / "celery"), "-A", "config", "worker", "-Q", "mail", "--pool", "prefork"]
    command += ["--concurrency", str(POOL), "-n", f"{name}@%h", "--without-gossip", "--without-mingle"]
    command += ["--loglevel", "WARNING"]
    env = {**env, "PYTHONPATH": str(cwd)}
    return subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def helpers(env: dict, folder: Path) -> list[subprocess.Popen]:
    """The `default` worker (fan-outs, the sweep) and beat, as the Procfile runs them."""
    log = (folder / "default.log").open("ab")
    base = [str(harness.BIN / "celery"), "-A", "config"]
    default = [*base, "worker", "-Q", "default", "--concurrency", "1", "-n", "default@%h", "--without-gossip"]
    beat = [*base, "beat", "-s", str(folder / "beat-schedule")]
    return [
        subprocess.Popen([*command, "--loglevel", "WARNING"], cwd=harness.ROOT, env=env, stdout=log, stderr=log)
        for command in (default, beat)
    ]


def kill(process: subprocess.Popen) -> None:
    """SIGKILL the worker and its pool (its own process group): no warm shutdown, no cleanup."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def announce(subject: str) -> None:
    from notifications import announcements
    from notifications.models import Announcement, Category

    announcement = Announcement.objects.create(
        subject=subject, body="See you there.", category=Category.NEWSLETTERS, segment="members:good-standing"
    )
    announcements.start_sending(announcement_id=announcement.pk, by=None)


def wait_until(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def settle(counter: Counter, total: int) -> dict:
    """Wait until every delivery is sent or uncertain, then count."""
    from notifications.models import Delivery

    def done():
        return Delivery.objects.filter(kind="announcement").exclude(status__in=["sent", "uncertain"]).count() == 0

    complete = wait_until(lambda: Delivery.objects.filter(kind="announcement").count() == total and done(), DEADLINE)
    time.sleep(5)  # anything sent twice would arrive now
    uncertain = set(Delivery.objects.filter(status="uncertain").values_list("to", flat=True))
    return {
        "complete": complete,
        "duplicates": sum(1 for n in counter.received.values() if n > 1),
        "lost": sum(
            1
            for to in Delivery.objects.filter(kind="announcement").values_list("to", flat=True)
            if counter.received[to] == 0 and to not in uncertain
        ),
        "uncertain": len(uncertain),
        "statuses": dict(collections.Counter(Delivery.objects.values_list("status", flat=True))),
    }


def kills(env: dict, folder: Path, counter: Counter) -> tuple[bool, str]:
    total, marks = 10_000, (2000, 5000, 8000)
    processes = helpers(env, folder)
    mail = worker(env, folder, "mail")
    try:
        time.sleep(5)
        announce("Soak: three kills")
        for mark in marks:
            if not wait_until(lambda mark=mark: counter.arrived >= mark, DEADLINE):
                break
            kill(mail)
            mail = worker(env, folder, "mail")
        outcome = settle(counter, total)
    finally:
        stop([mail, *processes])
    in_flight = len(marks) * POOL
    ok = outcome["complete"] and outcome["duplicates"] == 0 and outcome["lost"] == 0
    ok = ok and outcome["uncertain"] <= in_flight
    return ok, (
        f"mail worker SIGKILLed 3 times during a {total:,}-email fan-out: duplicates {outcome['duplicates']}, "
        f"lost {outcome['lost']}, uncertain {outcome['uncertain']} (at most {in_flight} in flight); "
        f"statuses {outcome['statuses']}"
    )


def clones(env: dict, folder: Path, counter: Counter) -> tuple[bool, str]:
    from notifications.models import Delivery

    total = 4000
    trees = [clone(folder / f"host{n}") for n in (1, 2)]
    processes = helpers(env, folder)
    hosts = [worker(env, folder, f"host{n}", cwd=tree) for n, tree in enumerate(trees, 1)]
    recovered_in = None
    try:
        time.sleep(5)
        announce("Soak: two hosts")
        wait_until(lambda: counter.arrived >= 1500, DEADLINE)
        kill(hosts[0])
        killed_at = time.monotonic()
        time.sleep(1)  # the live host settles what it holds now
        held = list(Delivery.objects.filter(status="sending", handed_at=None).values_list("pk", flat=True))
        time.sleep(4)
        hosts[0] = worker(env, folder, "host1", cwd=trees[0])
        if wait_until(lambda: not Delivery.objects.filter(pk__in=held).exclude(status="sent").exists(), DEADLINE):
            recovered_in = time.monotonic() - killed_at
        outcome = settle(counter, total)
    finally:
        stop([*hosts, *processes])
    ok = outcome["complete"] and outcome["duplicates"] == 0 and outcome["lost"] == 0
    ok = ok and outcome["uncertain"] <= POOL and recovered_in is not None and recovered_in <= 90
    recovered = f"{recovered_in:.0f} s" if recovered_in is not None else "never"
    return ok, (
        f"two mail workers from two clones, one SIGKILLed at 1,500 of {total:,} and restarted: "
        f"duplicates {outcome['duplicates']}, lost {outcome['lost']}, uncertain {outcome['uncertain']}; "
        f"the {len(held)} rows the dead claim held were all sent {recovered} after the kill; "
        f"statuses {outcome['statuses']}"
    )


def clone(path: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(harness.ROOT), str(path)], check=True)
    return path


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


SCENARIOS = {"kills": (kills, 10_000, 6), "clones": (clones, 4000, 7)}


def main() -> int:
    from aiosmtpd.controller import Controller

    name = sys.argv[1] if len(sys.argv) > 1 else "kills"
    scenario, members, redis_db = SCENARIOS[name]
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix=f"societas-soak-{name}-"))
    url = harness.database_url(f"soak_{name}")
    env = harness.product_env(
        database_url=url,
        redis_url=harness.redis_url(redis_db),
        port=8130,
        var_dir=str(folder),
        EMAIL_URL=f"smtp://127.0.0.1:{SMTP_PORT}",
    )
    template = harness.migrated_template(env)
    harness.create_database(url, template=template)
    harness.drop_database(template)
    harness.flush_redis(redis_db)
    harness.setup_django(env)
    from django.db import connections

    from benchmarks import seed

    counter = Counter()
    smtp = Controller(counter, hostname="127.0.0.1", port=SMTP_PORT)
    try:
        seed.members(members, all_active=True)
        smtp.start()
        ok, line = scenario(env, folder, counter)
    finally:
        smtp.stop()
        connections.close_all()
        harness.drop_database(url)
        harness.flush_redis(redis_db)
    print(f"{'ok  ' if ok else 'FAIL'} {line}; {time.monotonic() - started:.0f} s", flush=True)
    if ok:
        shutil.rmtree(folder, ignore_errors=True)
    else:
        print(f"     logs kept in {folder}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
