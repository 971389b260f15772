"""Celery tasks: thin shells that take ids and call one function."""

from celery import shared_task
from django.db import OperationalError

from events import invitations, organising

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="events.tasks.send_invitation_batch", **RETRY)
def send_invitation_batch(invitation_id: int) -> None:
    if invitations.send_next_batch(invitation_id=invitation_id):
        send_invitation_batch.delay(invitation_id)


@shared_task(name="events.tasks.tell_attendees", **RETRY)
def tell_attendees(event_id: int, change: str, sequence: int, message: str, after: int = 0) -> None:
    following = organising.tell_attendees_batch(
        event_id=event_id, change=change, sequence=sequence, message=message, after=after
    )
    if following is not None:
        tell_attendees.delay(event_id, change, sequence, message, following)
