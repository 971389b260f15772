"""Pressing Pay again never holds seats beyond the first hold's end."""

import datetime
from urllib.parse import parse_qs

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.utils import timezone

from events import ticket_checkout, ticket_holds
from events.ticket_records import Order
from tests.events.test_tickets_payment import order_for, stripe_session
from tests.events.ticket_fixtures import use_test_stripe

pytestmark = pytest.mark.django_db
API = "https://api.stripe.com/v1"


@pytest.fixture(autouse=True)
def _stripe_settings(settings):
    use_test_stripe(settings)
    settings.TICKET_HOLD_MINUTES = 45


@pytest.fixture
def stripe_api():
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def congress(db):
    from tests.factories import EventFactory

    return EventFactory(kind="congress", capacity=3)


def _expire_and_answer(stripe_api, session_id):
    stripe_api.post(
        f"{API}/checkout/sessions/{session_id}/expire", json={**stripe_session(session_id), "status": "expired"}
    )


def test_paying_again_ends_the_new_session_with_the_first_hold(congress, paid_ticket, stripe_api):
    stripe_api.post(f"{API}/checkout/sessions", json=stripe_session("cs_test_First"))
    order = order_for(congress, paid_ticket, "Ann")
    ticket_checkout.start(order)
    order.refresh_from_db()
    first_end = order.held_until
    for minutes in (5, 10):
        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=minutes)):
            _expire_and_answer(stripe_api, order.stripe_checkout_session_id)
            stripe_api.post(f"{API}/checkout/sessions", json=stripe_session(f"cs_test_{minutes}"))
            ticket_checkout.start(order)
        order.refresh_from_db()
        assert order.held_until == first_end, "pressing Pay again holds the seats no longer"
    created = [c for c in stripe_api.calls if c.request.url.endswith("/checkout/sessions")]
    expiries = [int(parse_qs(c.request.body)["expires_at"][0]) for c in created]
    assert expiries[1:] == [int(first_end.timestamp())] * 2


def test_with_under_stripes_thirty_minutes_left_paying_again_ends_the_hold(client, congress, paid_ticket, stripe_api):
    stripe_api.post(f"{API}/checkout/sessions", json=stripe_session("cs_test_First"))
    order = order_for(congress, paid_ticket, "Ann")
    ticket_checkout.start(order)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=20)):
        response = client.post(f"/events/orders/o/{order.token}/pay/")
        assert ticket_holds.seats_left(congress, now=timezone.now()) == 3, "its seats are back on sale"
    assert response["Location"] == order.capability_url
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "The time to pay for this order has run out" in message
    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    assert [c.request.url.rsplit("/v1/", 1)[1] for c in stripe_api.calls] == ["checkout/sessions"], "no new session"


def test_on_the_local_checkout_paying_again_keeps_the_first_holds_end(congress, paid_ticket, settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.DEBUG = True
    order = order_for(congress, paid_ticket, "Ann")
    ticket_checkout.start(order)
    order.refresh_from_db()
    first_end = order.held_until
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=40)):
        ticket_checkout.start(order)
    order.refresh_from_db()
    assert order.held_until == first_end and order.is_held
