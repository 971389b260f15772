"""A paid ticket's /r/<token>/ page: the seat is given up by cancelling the ticket, never by a plain "no"."""

import pytest
from django.contrib.messages import get_messages

from events.models import RSVP
from events.ticket_refund_records import TicketRefund
from tests.events.test_tickets_refunds import paid_order
from tests.factories import EventFactory, RSVPFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    from tests.members import stripe_payloads as sp

    settings.STRIPE_SECRET_KEY = "sk_test_51Societas"
    settings.STRIPE_WEBHOOK_SECRET = sp.SECRET
    settings.SITE_URL = "http://testserver"
    settings.CURRENCY = "USD"


@pytest.fixture
def holder(client):
    import datetime

    from django.utils import timezone

    from events.ticket_records import TicketType

    congress = EventFactory(kind="congress", capacity=5, starts_at=timezone.now() + datetime.timedelta(days=30))
    kind = TicketType.objects.create(event=congress, name="Non-member", price_cents=9000)
    paid_order(client, congress, kind, "Ann")
    return RSVP.objects.get(event=congress, email="ann@example.org")


def test_a_ticket_holders_link_offers_cancel_my_ticket_instead_of_no(client, holder):
    page = client.get(f"/r/{holder.token}/")
    body = page.content.decode()
    assert 'id="cancel-my-ticket"' in body and f"/r/{holder.token}/cancel-ticket/" in body
    assert "Confirm: no" not in body and 'value="no"' not in body


def test_a_posted_no_from_a_ticket_holder_is_refused_and_keeps_the_seat(client, holder):
    response = client.post(f"/r/{holder.token}/", {"answer": "no", "guests": "0"})
    assert response.status_code == 302
    holder.refresh_from_db()
    holder.event.refresh_from_db()
    assert holder.status == "yes" and holder.event.seats_taken == 1
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "cancel your ticket" in message and f"/r/{holder.token}/cancel-ticket/" in message
    assert not TicketRefund.objects.exists()


def test_a_free_events_link_still_takes_a_no(client):
    from events import rsvp as answers

    rsvp = RSVPFactory()
    answers.respond(rsvp_id=rsvp.pk, answer="yes", notify=False)
    client.post(f"/r/{rsvp.token}/", {"answer": "no", "guests": "0"})
    rsvp.refresh_from_db()
    assert rsvp.status == "no"
