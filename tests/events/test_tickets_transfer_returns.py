"""An event cancelled with orders paid by bank transfer: the money is listed for the treasurer
to return, the buyer is told so, and nothing is asked of Stripe."""

import datetime

import pytest
import responses
from django.utils import timezone

from events import organising, ticket_pay_later
from events.ticket_orders import Attendee, place_order
from events.ticket_pay_later_records import PayLaterTerms
from events.ticket_records import Order, TicketType
from events.ticket_refund_records import TicketRefund
from members import reference_payments, roles
from members.models import Payment
from notifications.models import Delivery
from tests.events.helpers import make_organiser
from tests.factories import EventFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_51Societas"
    settings.SITE_URL = "http://testserver"
    settings.CURRENCY = "USD"


@pytest.fixture
def treasurer(db):
    return StaffFactory(email="treasurer@example.org", role=roles.TREASURER)


@pytest.fixture
def transferred(treasurer):
    event = EventFactory(kind="congress", capacity=10, starts_at=timezone.now() + datetime.timedelta(days=30))
    PayLaterTerms.objects.create(event=event, allowed=True, days=5)
    kind = TicketType.objects.create(event=event, name="Non-member", price_cents=9000)
    order = place_order(event=event, user=None, buyer_name="Ann", buyer_email="ann@example.org",
                        attendees=[Attendee(kind.pk, "Ann", "ann@example.org")])  # fmt: skip
    order = ticket_pay_later.reserve(order_id=order.pk)
    reference_payments.settle(reference=order.bank_reference, amount_cents=9000,
                              received_on=timezone.localdate(), by=treasurer)  # fmt: skip
    order.refresh_from_db()
    assert order.is_paid and not order.stripe_payment_intent_id
    return order


def _cancel(workers, order):
    organiser = make_organiser()
    order.event.organisers.add(organiser)
    with responses.RequestsMock() as stripe_api:  # any call to Stripe fails this test
        workers(organising.cancel, event_id=order.event_id, message="The venue flooded.", by=organiser)
        assert not stripe_api.calls
    return organiser


def test_a_cancelled_events_transfer_is_owed_not_refunded_and_the_buyer_is_told(client, transferred, workers):
    organiser = _cancel(workers, transferred)
    transferred.refresh_from_db()
    assert transferred.status == Order.Status.REFUNDED
    refund = TicketRefund.objects.get(order=transferred)
    assert refund.amount_cents == 9000 and refund.refunded_at is None, "not returned until the treasurer does"
    told = Delivery.objects.get(kind="ticket-refund", to="ann@example.org")
    assert "treasurer will return $90.00" in told.body_text and transferred.bank_reference in told.body_text
    assert Payment.objects.get(kind="tickets").refunded_cents == 0
    client.force_login(organiser)
    page = client.get(f"/manage/events/{transferred.event.slug}/tickets/refunds/").content.decode()
    assert 'id="transfers-owed"' in page and transferred.bank_reference in page and "$90.00" in page
    order_page = client.get(transferred.capability_url).content.decode()
    assert "the treasurer will return it by bank transfer" in order_page


def test_the_treasurer_records_returning_it_and_it_leaves_the_list(client, transferred, workers, treasurer):
    organiser = _cancel(workers, transferred)
    payment = Payment.objects.get(kind="tickets")
    client.force_login(treasurer)
    listed = client.get("/manage/payments/").content.decode()
    assert 'id="transfers-to-return"' in listed and transferred.bank_reference in listed
    assert f'href="/manage/payments/{payment.pk}/"' in listed, "links to the payment where the refund is recorded"
    with responses.RequestsMock() as stripe_api:
        response = workers(client.post, f"/manage/payments/{payment.pk}/refund/", {"refund-reason": "Returned."})
        assert not stripe_api.calls
    assert response.status_code == 302
    said = client.get(response.url).content.decode()
    assert "nothing goes to a card" in said and "the card is refunded" not in said
    payment.refresh_from_db()
    assert payment.refunded_cents == 9000
    [refund] = TicketRefund.objects.filter(order=transferred)
    assert refund.refunded_at is not None
    client.force_login(organiser)
    page = client.get(f"/manage/events/{transferred.event.slug}/tickets/refunds/").content.decode()
    assert 'id="transfers-owed"' not in page
    client.force_login(treasurer)
    assert 'id="transfers-to-return"' not in client.get("/manage/payments/").content.decode()
    assert Delivery.objects.filter(kind="ticket-refund").count() == 1, "the buyer is told once"
