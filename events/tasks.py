"""Celery tasks of events: thin shells that take ids and call one function."""

from celery import shared_task
from django.db import OperationalError

from events import covers, ticket_cancel, ticket_checkout, ticket_holds, ticket_pay_later, ticket_waitlist
from members.stripe import CardPaymentsUnavailable


@shared_task(name="events.tasks.make_cover_sizes", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def make_cover_sizes(event_id: int) -> int:
    """Make the sizes of an event's newly uploaded cover image."""
    return covers.make_sizes(event_id=event_id)


@shared_task(name="events.tasks.end_ticket_holds", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def end_ticket_holds() -> int:
    """End the seat holds and bank-transfer reservations of ticket orders not paid in time, and ask
    again for refunds owed (beat, every minute)."""
    return ticket_holds.sweep() + ticket_pay_later.end_reservations() + ticket_checkout.refund_owed()


@shared_task(
    name="events.tasks.refund_ticket_order",
    autoretry_for=(OperationalError, CardPaymentsUnavailable),
    retry_backoff=True,
    max_retries=5,
)
def refund_ticket_order(order_id: int) -> bool:
    """Give back what a ticket order is owed through Stripe, and tell the buyer."""
    return ticket_checkout.refund_order(order_id=order_id)


@shared_task(
    name="events.tasks.offer_waitlist_seats", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3
)
def offer_waitlist_seats() -> int:
    """Offer seats freed at sold-out paid events to the first on their waitlists, and ask again
    for refunds of cancelled tickets no worker has made (beat, every minute)."""
    return ticket_waitlist.offer_pass() + ticket_cancel.refunds_owed()


@shared_task(
    name="events.tasks.refund_ticket_cancellation",
    autoretry_for=(OperationalError, CardPaymentsUnavailable),
    retry_backoff=True,
    max_retries=5,
)
def refund_ticket_cancellation(refund_id: int) -> bool:
    """Refund cancelled tickets through Stripe, record it, and tell the buyer."""
    return ticket_cancel.pay_refund(refund_id=refund_id)


@shared_task(
    name="events.tasks.refund_cancelled_event", autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5
)
def refund_cancelled_event(event_id: int, by_id: int | None = None) -> int:
    """Refund in full every paid ticket order of a cancelled event."""
    return ticket_cancel.refund_cancelled_event(event_id=event_id, by_id=by_id)
