"""What starting a ticket checkout costs: a fixed number of queries, however many seats are held."""

import pytest
import responses
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from events.ticket_records import Order, TicketType
from tests.events.test_tickets_payment import API, stripe_session
from tests.events.ticket_fixtures import use_test_stripe
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stripe_settings(settings):
    use_test_stripe(settings)
    settings.TICKET_HOLD_MINUTES = 30


def start_checkout(client, event, ticket_type, number):
    data = {f"q-{ticket_type.pk}": "1", "unlock": "", "discount": "", "a0-ticket_type": ticket_type.pk,
            "a0-name": f"Buyer {number}", "a0-email": f"buyer{number}@example.org"}  # fmt: skip
    return client.post(f"/events/{event.slug}/register/", data)


def test_starting_a_checkout_costs_a_fixed_number_of_queries():
    event = EventFactory(kind="congress", capacity=100)
    paid = TicketType.objects.create(event=event, name="Non-member", price_cents=9000)
    with responses.RequestsMock() as stripe_api:
        stripe_api.post(f"{API}/checkout/sessions", json=stripe_session("cs_test_First"))
        stripe_api.post(f"{API}/checkout/sessions", json=stripe_session())

        start_checkout(Client(), event, paid, 0)  # warms the caches a running server has
        with CaptureQueriesContext(connection) as captured:
            response = start_checkout(Client(), event, paid, 1)
    statements = [query["sql"] for query in captured.captured_queries if "SAVEPOINT" not in query["sql"]]
    assert response.status_code == 302
    assert response["Location"] == "https://checkout.stripe.com/c/pay/cs_test_T1ckets"
    order = Order.objects.get(buyer_email="buyer1@example.org")
    assert (order.status, order.stripe_checkout_session_id, order.total_cents) == (
        Order.Status.HELD,
        "cs_test_T1ckets",
        9000,
    )
    # the visible event, its ticket types and their plans, the questions, attendees already coming;
    # under the lock: the event, seats held and taken by type, the waitlist, the order and its lines;
    # then the lines for Stripe, and the session written with the event locked again
    assert len(statements) <= 13, "\n".join(statements)
