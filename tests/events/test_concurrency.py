"""Seats are counted under a lock on the event row: no interleaving can overbook."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from events.models import RSVP
from tests.events.helpers import yes_rsvps
from tests.factories import EventFactory, RSVPFactory

THREADS = 50


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are a PostgreSQL matter")
@pytest.mark.django_db(transaction=True)
def test_fifty_people_answering_yes_for_the_last_five_seats_at_once():
    event = EventFactory(capacity=25)
    yes_rsvps(event, 20)
    people = RSVPFactory.create_batch(THREADS, event=event)
    start = threading.Barrier(THREADS)
    statuses = []

    def answer_yes(person):
        try:
            client = Client()
            start.wait()
            statuses.append(client.post(f"/r/{person.token}/", {"answer": "yes"}).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=answer_yes, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [302] * THREADS, "every answer is recorded, none is an error page"
    answered = RSVP.objects.filter(pk__in=[p.pk for p in people])
    assert answered.filter(status=RSVP.Status.YES).count() == 5
    assert answered.filter(status=RSVP.Status.WAITLISTED).count() == 45
    assert event.rsvps.filter(status=RSVP.Status.YES).count() == 25
    positions = sorted(answered.filter(status=RSVP.Status.WAITLISTED).values_list("waitlisted_at", "pk"))
    assert len(set(positions)) == 45, "each waiting person has their own place in line"
