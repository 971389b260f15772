"""Printable receipts for paid ticket orders: who may see one, what it says, where it is linked."""

import datetime

import pytest
from django.utils import timezone

from events import ticket_pay_later
from events.ticket_orders import Attendee, place_order
from events.ticket_pay_later_records import PayLaterTerms
from events.ticket_records import DiscountCode, Order, TicketType
from members import reference_payments
from members.roles import TREASURER
from tests.events.helpers import deliveries, make_member, make_organiser
from tests.factories import EventFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SITE_URL = "http://testserver"
    settings.CURRENCY = "USD"
    settings.ORG_NAME = "The Learned Society"
    settings.ORG_ADDRESS = "2 Scholar Row, Oxford"


@pytest.fixture
def congress(db):
    event = EventFactory(kind="congress", capacity=10, time_zone="Asia/Tokyo")
    PayLaterTerms.objects.create(event=event, allowed=True, days=5)
    return event


@pytest.fixture
def treasurer(db):
    return StaffFactory(email="treasurer@example.org", role=TREASURER)


@pytest.fixture
def paid(congress, treasurer):
    """A member's order for themself and a guest, 10% off, paid by bank transfer."""
    kind = TicketType.objects.create(event=congress, name="Non-member", price_cents=10000)
    code = DiscountCode.objects.create(event=congress, code="EARLY", kind="percent", value=10)
    code.ticket_types.add(kind)
    buyer = make_member()
    attendees = [Attendee(kind.pk, "Buyer", buyer.email), Attendee(kind.pk, "Guest", "guest@example.org")]
    order = place_order(event=congress, user=buyer, buyer_name="Buyer", buyer_email=buyer.email,
                        attendees=attendees, discount_code="early")  # fmt: skip
    order = ticket_pay_later.reserve(order_id=order.pk)
    reference_payments.settle(reference=order.bank_reference, amount_cents=18000,
                              received_on=timezone.localdate(), by=treasurer)  # fmt: skip
    order.refresh_from_db()
    return order


def receipt(client, order):
    return client.get(f"/events/orders/{order.pk}/receipt/")


def test_the_receipt_says_who_what_discount_total_how_and_when(client, paid):
    client.force_login(paid.user)
    page = receipt(client, paid)
    assert page.status_code == 200
    text = page.content.decode()
    assert "The Learned Society" in text and "2 Scholar Row, Oxford" in text
    assert text.count("$100.00") == 2 and "EARLY" in text and "$20.00" in text and "$180.00" in text
    assert f"Bank transfer, reference {paid.bank_reference}" in text
    tokyo = timezone.localtime(paid.paid_at, datetime.timezone(datetime.timedelta(hours=9)))
    assert tokyo.strftime("%H:%M") in text and "Asia/Tokyo" in text
    assert "events/receipt.css" in text


def test_staff_may_see_a_receipt(client, paid, treasurer):
    client.force_login(treasurer)
    assert receipt(client, paid).status_code == 200
    organiser = make_organiser()
    paid.event.organisers.add(organiser)
    client.force_login(organiser)
    assert receipt(client, paid).status_code == 200


def test_nobody_else_sees_a_receipt(client, paid):
    assert receipt(client, paid).status_code == 404, "not signed in"
    client.force_login(UserFactory())
    assert receipt(client, paid).status_code == 404
    client.force_login(make_organiser())  # an organiser, but not of this event
    assert receipt(client, paid).status_code == 404


def test_an_unpaid_order_has_no_receipt(client, congress):
    kind = TicketType.objects.create(event=congress, name="Non-member", price_cents=5000)
    buyer = make_member()
    order = place_order(event=congress, user=buyer, buyer_name="B", buyer_email=buyer.email,
                        attendees=[Attendee(kind.pk, "B", buyer.email)])  # fmt: skip
    client.force_login(buyer)
    assert receipt(client, order).status_code == 404
    assert client.get(f"/events/orders/o/{order.token}/receipt/").status_code == 404


def test_the_receipt_by_the_order_link_and_on_the_order_page(client, paid):
    link = f"/events/orders/o/{paid.token}/receipt/"
    assert client.get(link).status_code == 200
    assert link in client.get(paid.capability_url).content.decode()


def test_the_receipt_is_drawn_in_a_fixed_number_of_queries(client, paid, django_assert_max_num_queries):
    client.force_login(paid.user)
    with django_assert_max_num_queries(12):
        assert receipt(client, paid).status_code == 200


def test_the_buyers_ticket_email_links_the_receipt_and_the_guests_does_not(paid):
    [buyer_mail] = deliveries(kind="event-ticket", to=paid.buyer_email)
    [guest_mail] = deliveries(kind="event-ticket", to="guest@example.org")
    link = f"/events/orders/o/{paid.token}/receipt/"
    assert link in buyer_mail.body_text and link in buyer_mail.body_html
    assert link not in guest_mail.body_text and "receipt" not in guest_mail.body_text.lower()


def test_the_membership_page_links_a_paid_orders_receipt(client, paid):
    client.force_login(paid.user)
    page = client.get("/membership/").content.decode()
    assert f"/events/orders/{paid.pk}/receipt/" in page
    Order.objects.filter(pk=paid.pk).update(status=Order.Status.REFUNDED)
    assert f"/events/orders/{paid.pk}/receipt/" not in client.get("/membership/").content.decode()


def test_each_attendees_email_is_their_ticket_not_an_rsvp_answer(paid):
    [guest_mail] = deliveries(kind="event-ticket", to="guest@example.org")
    assert guest_mail.subject == f"Your ticket: {paid.event.shown_title}"
    assert f"This is your ticket for {paid.event.shown_title}: Non-member." in guest_mail.body_text
    assert "Buyer ordered it for you." in guest_mail.body_text
    assert "Your answer is" not in guest_mail.body_text and "Your answer is" not in guest_mail.body_html
    guest = paid.lines.get(attendee_email="guest@example.org").rsvp
    assert f"/r/{guest.token}/" in guest_mail.body_text and "/manage/events/check-in/" in guest_mail.body_text
    names = {attachment["filename"] for attachment in guest_mail.attachments}
    assert {"invite.ics", "event.ics", "check-in.png"} <= names
    [buyer_mail] = deliveries(kind="event-ticket", to=paid.buyer_email)
    assert "ordered it for you" not in buyer_mail.body_text


def test_a_ticket_holders_check_in_code_checks_them_in_at_the_door(client, paid):
    """The guest's ticket carries the same door code as an RSVP's: on the door list, one press."""
    from events import checkin

    organiser = make_organiser()
    paid.event.organisers.add(organiser)
    guest = paid.lines.get(attendee_email="guest@example.org").rsvp
    client.force_login(organiser)
    door = client.get(f"/manage/events/{paid.event.slug}/check-in/").content.decode()
    assert "Guest" in door and "guest@example.org" in door
    url = checkin.door_path(guest)
    [guest_mail] = deliveries(kind="event-ticket", to="guest@example.org")
    assert url in guest_mail.body_text
    client.post(url)
    guest.refresh_from_db()
    assert guest.checked_in_at is not None
