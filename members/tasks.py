"""Celery tasks of members: thin shells that take ids and call one function."""

from celery import shared_task
from django.db import OperationalError

from members import stripe_webhooks

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="members.tasks.process_stripe_event", **RETRY)
def process_stripe_event(stripe_event_id: int) -> str:
    """Apply one Stripe event recorded by the webhook."""
    return stripe_webhooks.process(stripe_event_id=stripe_event_id)


@shared_task(name="members.tasks.process_waiting_stripe_events")
def process_waiting_stripe_events() -> int:
    """Every minute (beat): events whose nudge was lost, or whose retry time has come."""
    return stripe_webhooks.process_waiting()
