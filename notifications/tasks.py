"""Celery tasks: thin shells around the outbox, the dispatcher and announcements.
Mail tasks run on the `mail` queue; the dispatcher and the sweep on `default`
(see CELERY_TASK_ROUTES)."""

from celery import shared_task

from notifications import announcements, outbox, reminders


@shared_task(name="notifications.tasks.send_queued")
def send_queued() -> int:
    """Send one batch of due deliveries over one connection."""
    return outbox.send_due().sent


@shared_task(name="notifications.tasks.send_delivery")
def send_delivery(delivery_id: int) -> bool:
    return outbox.send(delivery_id)


@shared_task(name="notifications.tasks.send_due_reminders")
def send_due_reminders() -> dict:
    """One pass of the reminder dispatcher (beat, every minute)."""
    return reminders.dispatch()


@shared_task(name="notifications.tasks.sweep_outbox")
def sweep_outbox() -> None:
    """Take back rows from dead workers, nudge due retries, resume stalled announcements."""
    outbox.sweep()
    announcements.resume_stalled()


@shared_task(name="notifications.tasks.fan_out_announcement")
def fan_out_announcement(announcement_id: int) -> int:
    return announcements.fan_out(announcement_id=announcement_id)
