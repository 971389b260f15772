"""Seats held while an order is paid for, and the sweep that ends holds nobody paid.

Everything here runs with the event's row locked (`select_for_update`), the same lock
events/rsvp.py takes to move the seat counter: seats left = capacity - confirmed - held,
so a hold and an answer can never both take the last seat.
"""

import datetime
from collections import Counter

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from config.languages import in_society_language
from events.models import Event
from events.ticket_records import SEAT_HOLDING, DiscountCode, Order, OrderLine, held_seats


def hold_length() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.TICKET_HOLD_MINUTES)


def lock_event(event_id: int) -> Event:
    return Event.objects.select_for_update().get(pk=event_id)


def seats_left(event: Event, *, now: datetime.datetime) -> int | None:
    """Capacity minus confirmed minus held; None when there is no limit. Call with the event locked
    for a count that holds."""
    if event.capacity is None:
        return None
    return max(event.capacity - event.seats_taken - held_seats(event.pk, now=now), 0)


def taken_by_type(event_id: int, *, now: datetime.datetime) -> Counter:
    """Tickets of each type paid for or held now: {ticket_type_id: count}."""
    counting = models.Q(order__status=Order.Status.PAID) | models.Q(
        order__status__in=SEAT_HOLDING, order__held_until__gt=now
    )
    rows = (
        OrderLine.objects.filter(counting, order__event_id=event_id)
        .values("ticket_type_id")
        .annotate(n=models.Count("pk"))
    )
    return Counter({row["ticket_type_id"]: row["n"] for row in rows})


def room(event: Event, *, now: datetime.datetime) -> tuple[int | None, Counter]:
    """`seats_left` and `taken_by_type` in one query (the held lines are among those taken).
    Call with the event locked for counts that hold."""
    holding = models.Q(order__status__in=SEAT_HOLDING, order__held_until__gt=now)
    rows = (
        OrderLine.objects.filter(models.Q(order__status=Order.Status.PAID) | holding, order__event_id=event.pk)
        .values("ticket_type_id")
        .annotate(n=models.Count("pk"), held=models.Count("pk", filter=holding))
    )
    taken, held = Counter(), 0
    for row in rows:
        taken[row["ticket_type_id"]] = row["n"]
        held += row["held"]
    left = None if event.capacity is None else max(event.capacity - event.seats_taken - held, 0)
    return left, taken


def end_hold(order: Order, *, status: str, now: datetime.datetime, reason: str = "") -> bool:
    """End a held (or reserved) order's hold (expired or cancelled), giving back its discount use.
    The caller holds the event lock and has the order locked; False if it was no longer held."""
    if order.status not in SEAT_HOLDING:
        return False
    order.status, order.status_reason = status, reason
    order.save(update_fields=["status", "status_reason"])
    if order.discount_code_id:
        DiscountCode.objects.filter(pk=order.discount_code_id, uses__gt=0).update(uses=models.F("uses") - 1)
    return True


def expire(*, order_id: int, now: datetime.datetime | None = None, reason: str = "") -> bool:
    """End the hold of an order that was not paid (Stripe's session expired, or the sweep found
    it past its time). Harmless to repeat."""
    now = now or timezone.now()
    event_id = Order.objects.filter(pk=order_id).values_list("event_id", flat=True).first()
    if event_id is None:
        return False
    with transaction.atomic():
        lock_event(event_id)
        order = Order.objects.select_for_update().get(pk=order_id)
        return end_hold(order, status=Order.Status.EXPIRED, now=now, reason=reason)


def sweep(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Expire the holds whose time is up (beat runs this); the number ended."""
    now = now or timezone.now()
    due = Order.objects.filter(status=Order.Status.HELD, held_until__lte=now).values_list("pk", flat=True)[:limit]
    reason = in_society_language(gettext_lazy("hold ended"))
    return sum(expire(order_id=order_id, now=now, reason=reason) for order_id in list(due))
