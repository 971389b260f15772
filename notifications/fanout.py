"""One engine for every email sent to many people: invitations, announcements, date
changes and cancellations, and the reminder dispatcher's passes.

A fan-out is a `FanOut` row: a registered source, its parameters and a cursor.
Each batch runs in one transaction that locks only the job's own row (never the
event's), asks the source for the next people after the cursor, queues their
notices (one INSERT per batch) and moves the cursor and the heartbeat. So:

- a worker killed mid-batch loses nothing: the batch rolls back and runs again;
- two workers never run the same batch (the job row is taken with SKIP LOCKED);
- the sweep restarts a job whose heartbeat stopped (a dead worker, a lost broker
  message), and the notices' keys keep anyone from getting an email twice.

A source is `next_batch(params, cursor, limit) -> Batch`, registered by the app that
owns it (notifications imports neither members nor events).
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications import outbox
from notifications.models import FanOut
from notifications.outbox import Notice

logger = logging.getLogger(__name__)
Status = FanOut.Status
# A task runs batches for this long, then hands the job on to a fresh task, so a long
# fan-out never holds one worker process for minutes.
TASK_SECONDS = 20


@dataclass(frozen=True)
class Batch:
    notices: list[Notice]
    cursor: str  # where the next batch starts
    done: bool  # no one is left after this batch
    people: int | None = None  # how many the source looked at (default: one per notice)
    stopped: str = ""  # the job must end now, for this reason (a newer change superseded it)


@dataclass(frozen=True)
class Source:
    next_batch: Callable[..., Batch]
    batch_size: int = 500


sources: dict[str, Source] = {}


def register_source(name: str, next_batch: Callable[..., Batch], *, batch_size: int = 500) -> None:
    sources[name] = Source(next_batch=next_batch, batch_size=batch_size)


@dataclass
class Progress:
    status: str
    people: int
    queued: int
    skipped: int
    batches: int = 0
    started_at: object = None
    finished_at: object = None
    emails: dict = field(default_factory=dict)

    @property
    def running(self) -> bool:
        return self.status == Status.RUNNING


def start(*, key: str, source: str, params: dict) -> tuple[FanOut, bool]:
    """Start a fan-out once per key; its first batch runs when the caller's transaction
    commits. Returns the job and whether it is new."""
    if source not in sources:
        raise LookupError(f"No fan-out source is registered as {source!r}.")
    try:
        with transaction.atomic():
            job = FanOut.objects.create(key=key, source=source, params=params)
    except IntegrityError:
        return FanOut.objects.get(key=key), False
    _run_on_commit(job.pk)
    return job, True


def _run_on_commit(job_id: int) -> None:
    from notifications.tasks import run_fan_out

    # robust: a broker that is down must not fail the change that started the job;
    # the sweep finds the job without a heartbeat and starts it.
    transaction.on_commit(lambda: run_fan_out.delay(job_id), robust=True)


def run_batch(job_id: int) -> bool:
    """Run the job's next batch; True while there is more to do."""
    with transaction.atomic():
        job = FanOut.objects.select_for_update(skip_locked=True).filter(pk=job_id, status=Status.RUNNING).first()
        if job is None:
            return False  # finished, stopped, or another worker is running this very batch
        source = sources.get(job.source)
        if source is None:
            _finish(job, Status.FAILED, f"No fan-out source is registered as {job.source!r}.")
            return False
        batch = source.next_batch(job.params, cursor=job.cursor, limit=source.batch_size)
        queued = outbox.queue_many(batch.notices) if not batch.stopped else 0
        people = len(batch.notices) if batch.people is None else batch.people
        job.people += people
        job.queued += queued
        job.skipped += people - queued
        job.cursor, job.batches, job.heartbeat_at = batch.cursor, job.batches + 1, timezone.now()
        if batch.stopped:
            _finish(job, Status.STOPPED, batch.stopped)
        elif batch.done:
            _finish(job, Status.DONE, "")
        else:
            job.save()
        return job.status == Status.RUNNING


def _finish(job: FanOut, status: str, reason: str) -> None:
    job.status, job.last_error, job.finished_at = status, reason, timezone.now()
    job.save()


def run(job_id: int, *, seconds: float | None = None) -> bool:
    """Run batches for up to `seconds` (all of them when None); True if the job has more."""
    deadline = None if seconds is None else time.monotonic() + seconds
    while run_batch(job_id):
        if deadline is not None and time.monotonic() >= deadline:
            return True
    return False


def drain(*, keys_starting: str = "") -> int:
    """Run every running job to its end in this process (the management command and tests)."""
    jobs = FanOut.objects.filter(status=Status.RUNNING, key__startswith=keys_starting).values_list("pk", flat=True)
    ran = 0
    for job_id in list(jobs):
        run(job_id)
        ran += 1
    return ran


def stop(*, key: str, reason: str) -> bool:
    """End a running job where it is (a newer change superseded it)."""
    return bool(
        FanOut.objects.filter(key=key, status=Status.RUNNING).update(
            status=Status.STOPPED, last_error=reason, finished_at=timezone.now()
        )
    )


def resume_stalled(*, now=None) -> int:
    """Start again every running job with no heartbeat for FANOUT_STALE_SECONDS."""
    from notifications.tasks import run_fan_out

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.FANOUT_STALE_SECONDS)
    stalled = list(FanOut.objects.filter(status=Status.RUNNING, heartbeat_at__lt=cutoff).values_list("pk", flat=True))
    for job_id in stalled:
        # A fresh heartbeat first, so the next sweep gives the new task time to start.
        FanOut.objects.filter(pk=job_id).update(heartbeat_at=now)
        run_fan_out.delay(job_id)
    if stalled:
        logger.warning("Resumed %s fan-outs whose worker stopped", len(stalled))
    return len(stalled)


def progress_many(keys: list[str]) -> dict[str, Progress]:
    """Progress of several jobs in one query, by key (jobs not started are left out)."""
    jobs = FanOut.objects.filter(key__in=keys)
    return {job.key: _progress(job) for job in jobs}


def progress_starting(prefix: str, *, limit: int = 10) -> list[tuple[str, Progress]]:
    """The latest jobs whose key starts with `prefix`, newest first, in one query."""
    jobs = FanOut.objects.filter(key__startswith=prefix).order_by("-started_at", "-pk")[:limit]
    return [(job.key, _progress(job)) for job in jobs]


def _progress(job: FanOut, emails: dict | None = None) -> Progress:
    return Progress(job.status, job.people, job.queued, job.skipped, job.batches, job.started_at, job.finished_at,
                    emails or {})  # fmt: skip


def progress(key: str, *, email_prefix: str = "") -> Progress | None:
    """How far the job has got, and (with `email_prefix`) how its emails stand in the outbox."""
    job = FanOut.objects.filter(key=key).first()
    if job is None:
        return None
    return _progress(job, outbox.counts(key_prefix=email_prefix) if email_prefix else {})
