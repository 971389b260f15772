"""Celery tasks of members: thin shells that take ids and call one function."""

import stripe
from celery import shared_task
from django.db import OperationalError

from members import data_export, erasure, retention, stripe_webhooks

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="members.tasks.process_stripe_event", **RETRY)
def process_stripe_event(stripe_event_id: int) -> str:
    """Apply one Stripe event recorded by the webhook."""
    return stripe_webhooks.process(stripe_event_id=stripe_event_id)


@shared_task(name="members.tasks.process_waiting_stripe_events")
def process_waiting_stripe_events() -> int:
    """Every minute (beat): events whose nudge was lost, or whose retry time has come."""
    return stripe_webhooks.process_waiting()


@shared_task(name="members.tasks.build_data_export", **RETRY)
def build_data_export(export_id: int) -> str:
    """Build a member's download and email them its link."""
    return data_export.build(export_id=export_id)


@shared_task(
    name="members.tasks.forget_stripe_customer",
    autoretry_for=(stripe.StripeError, OperationalError),
    retry_backoff=60,
    retry_backoff_max=6 * 3600,
    max_retries=12,
)
def forget_stripe_customer(customer_id: str, subscription_id: str) -> None:
    """After an account is closed: cancel its subscription and delete its customer at Stripe."""
    erasure.forget_at_stripe(customer_id=customer_id, subscription_id=subscription_id)


@shared_task(name="members.tasks.apply_retention", **RETRY)
def apply_retention() -> dict:
    """Each night (beat): forget what is kept only for a while (members/retention.py)."""
    return retention.apply_retention()
