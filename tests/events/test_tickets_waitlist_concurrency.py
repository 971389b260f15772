"""Offers from the waitlist are made under the event's row lock: passes run at once (two beats,
a retried task) never offer one freed seat twice, nor one person two seats."""

import threading

import pytest
from django.db import connection, connections

from events import ticket_holds, ticket_waitlist
from events.ticket_orders import Attendee, place_order
from events.ticket_records import Order, TicketType
from events.ticket_waitlist_records import WaitlistEntry
from tests.factories import EventFactory

PASSES = 8
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are a PostgreSQL matter")


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_offer_passes_at_once_offer_each_freed_seat_once_to_different_people(settings):
    settings.TICKET_OFFER_HOURS = 48
    event = EventFactory(kind="congress", capacity=3)
    kind = TicketType.objects.create(event=event, name="Non-member", price_cents=9000)
    people = [Attendee(kind.pk, f"Ann {n}", f"ann{n}@example.org") for n in range(3)]
    order = place_order(event=event, user=None, buyer_name="Ann", buyer_email=people[0].email, attendees=people)
    for n in range(5):
        ticket_waitlist.join(event=event, name=f"Wes {n}", email=f"wes{n}@example.org")
    ticket_holds.expire(order_id=order.pk)  # three seats freed
    start = threading.Barrier(PASSES)
    made = []

    def offer_pass():
        try:
            start.wait()
            made.append(len(ticket_waitlist.offer_seats(event_id=event.pk)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=offer_pass) for _ in range(PASSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(made) == 3
    offered = WaitlistEntry.objects.filter(status="offered")
    assert sorted(offered.values_list("email", flat=True)) == [
        "wes0@example.org",
        "wes1@example.org",
        "wes2@example.org",
    ]
    held = Order.objects.filter(status="held").exclude(pk=order.pk)
    assert held.count() == 3 and held.values("buyer_email").distinct().count() == 3
