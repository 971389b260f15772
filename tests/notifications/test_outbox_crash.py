"""A real `celery -A config worker` process, killed with SIGKILL in the middle of a
batch, then restarted: every message reaches the SMTP server exactly once."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import transaction

from notifications import outbox, sending
from notifications.models import Announcement, Delivery

Status = Delivery.Status
ROOT = Path(__file__).resolve().parents[2]
TOTAL, KILL_AT, BATCH = 500, 150, 200


def _start_worker(smtp_port: int, redis_url: str) -> subprocess.Popen:
    db = django_settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "OUTBOX_BATCH_SIZE": str(BATCH),
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--queues", "mail", "--pool", "prefork"]
    command += ["--concurrency", "1", "--without-gossip", "--without-mingle", "--loglevel", "WARNING"]
    # Its own process group, so SIGKILL takes the pool's child (where the task runs) too.
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()  # the main process only: a warm shutdown
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.mark.django_db(transaction=True)
def test_worker_killed_in_the_middle_of_a_batch_then_restarted_delivers_every_message_exactly_once(
    smtp_server, redis_url, settings
):
    settings.OUTBOX_STALE_SECONDS = 1
    workers: list[subprocess.Popen] = []
    killed = threading.Event()

    async def handle_DATA(server, session, envelope):
        smtp_server.envelopes.append(envelope)
        if len(smtp_server.envelopes) == KILL_AT:
            # The server has the message; the worker dies before it hears "250".
            os.killpg(workers[0].pid, signal.SIGKILL)
            killed.set()
        return "250 OK"

    smtp_server.handle_DATA = handle_DATA
    # Announcements: a kind the worker process composes with the product's own composer.
    announcement = Announcement.objects.create(subject="Renew", body="Renew now.", segment="members:everyone")
    with transaction.atomic():
        for n in range(TOTAL):
            facts = {"announcement": announcement.pk, "name": ""}
            outbox.queue(key=f"renewal:{n}:-30d", to=f"member{n}@example.org", kind="announcement", facts=facts)
    try:
        workers.append(_start_worker(smtp_server.port, redis_url))
        assert killed.wait(90), "the worker never reached the kill point"
        workers[0].wait(timeout=10)
        time.sleep(1.2)  # its claim has shown no life for OUTBOX_STALE_SECONDS

        left = Counter(Delivery.objects.values_list("status", flat=True))
        assert left == {Status.SENT: KILL_AT - 1, Status.SENDING: BATCH - KILL_AT + 1, Status.QUEUED: TOTAL - BATCH}
        swept = sending.sweep()  # as beat runs it every minute
        assert (swept.requeued, swept.uncertain) == (BATCH - KILL_AT, 1)

        workers.append(_start_worker(smtp_server.port, redis_url))
        done = _wait(lambda: Delivery.objects.filter(status=Status.SENT).count() == TOTAL - 1, timeout=90)
        assert done, Counter(Delivery.objects.values_list("status", flat=True))
        time.sleep(1)  # anything sent twice would arrive now
    finally:
        for worker in workers:
            _stop(worker)

    received = Counter(str(m["Message-ID"]).strip() for m in smtp_server.messages)
    expected = {d.message_id for d in Delivery.objects.all()}
    assert set(received) == expected and len(received) == TOTAL
    assert max(received.values()) == 1, "no message reached the server twice"
    uncertain = Delivery.objects.get(status=Status.UNCERTAIN)
    assert uncertain.message_id in received, "the uncertain one had arrived, and was not sent again"
