"""Celery tasks: thin shells around the outbox, the fan-out engine and the dispatcher.
Sending runs on the `mail` queue; the dispatcher, fan-outs and the sweep on
`default` (see CELERY_TASK_ROUTES)."""

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from notifications import fanout, reminders, sending

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="notifications.tasks.send_queued")
def send_queued() -> int:
    """Compose and send one batch of due deliveries over one connection."""
    return sending.send_due().sent


@shared_task(name="notifications.tasks.send_delivery")
def send_delivery(delivery_id: int) -> bool:
    return sending.send(delivery_id)


@shared_task(name="notifications.tasks.send_due_reminders")
def send_due_reminders() -> dict:
    """One pass of the reminder dispatcher (beat, every minute; once per minute however many beats)."""
    return reminders.dispatch()


@shared_task(name="notifications.tasks.run_fan_out", **RETRY)
def run_fan_out(job_id: int) -> None:
    """A fan-out's batches for a while; a job with more to do is handed to a fresh task."""
    if fanout.run(job_id, seconds=fanout.TASK_SECONDS):
        run_fan_out.delay(job_id)


@shared_task(name="notifications.tasks.sweep_outbox")
def sweep_outbox() -> None:
    """Take back rows from dead workers, nudge due retries, resume stalled fan-outs."""
    now = timezone.now()
    if not reminders.claim_pass("sweep", now=now, seconds=10):
        return
    sending.sweep(now=now)
    fanout.resume_stalled(now=now)
    reminders.forget_old_passes(now=now)
