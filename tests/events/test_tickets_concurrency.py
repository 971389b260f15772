"""Ticket holds and discount codes are counted under the event's row lock: no race oversells."""

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from events import ticket_holds
from events.ticket_orders import Attendee, OrderRefused, place_order
from events.ticket_records import DiscountCode, Order, TicketType
from tests.factories import EventFactory

THREADS = 30
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are a PostgreSQL matter")


def race(event, kind, **kwargs) -> list[str]:
    """THREADS buyers place one-ticket orders at the same moment; what each got."""
    start = threading.Barrier(THREADS)
    outcomes = []

    def buy(n):
        try:
            start.wait()
            email = f"buyer{n}@example.org"
            place_order(event=event, user=None, buyer_name=f"Buyer {n}", buyer_email=email,
                        attendees=[Attendee(kind.pk, f"Buyer {n}", email)], **kwargs)  # fmt: skip
            outcomes.append("held")
        except OrderRefused as refusal:
            outcomes.append(refusal.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_thirty_buyers_at_once_for_the_last_five_seats_hold_exactly_five():
    event = EventFactory(kind="congress", capacity=5)
    kind = TicketType.objects.create(event=event, name="Non-member", price_cents=9000)
    outcomes = race(event, kind)
    assert sorted(set(outcomes)) == ["full", "held"]
    assert outcomes.count("held") == 5
    assert Order.objects.filter(status="held").count() == 5
    assert ticket_holds.seats_left(event, now=timezone.now()) == 0


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_discount_code_for_ten_raced_by_thirty_is_used_ten_times():
    event = EventFactory(kind="congress", capacity=None)
    kind = TicketType.objects.create(event=event, name="Non-member", price_cents=9000)
    code = DiscountCode.objects.create(event=event, code="EARLY", kind="percent", value=20, max_uses=10)
    code.ticket_types.set([kind])
    outcomes = race(event, kind, discount_code="early")
    assert outcomes.count("held") == 10
    assert outcomes.count("code_used") == THREADS - 10
    code.refresh_from_db()
    assert code.uses == 10
    assert Order.objects.filter(discount_code=code).count() == 10
    assert set(Order.objects.values_list("total_cents", flat=True)) == {7200}
