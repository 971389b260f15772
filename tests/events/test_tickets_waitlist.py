"""The waitlist of a sold-out paid event: joining it, and the offers freed seats make to it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from events import ticket_checkout, ticket_holds, ticket_waitlist
from events.ticket_orders import Attendee, OrderRefused, place_order
from events.ticket_records import Order, TicketType
from events.ticket_waitlist_records import WaitlistEntry
from notifications.models import Delivery
from tests.events.helpers import entries, make_member, make_organiser
from tests.events.ticket_fixtures import use_test_stripe
from tests.factories import EventFactory
from tests.members import stripe_payloads as sp

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    use_test_stripe(settings)
    settings.TICKET_HOLD_MINUTES = 30
    settings.TICKET_OFFER_HOURS = 48


@pytest.fixture
def congress(db):
    return EventFactory(kind="congress", capacity=2)


def hold(event, kind, *names, user=None):
    attendees = [Attendee(kind.pk, name, f"{name.lower()}@example.org") for name in names]
    return place_order(event=event, user=user, buyer_name=names[0], buyer_email=attendees[0].email, attendees=attendees)


def wait(event, name, **kwargs):
    return ticket_waitlist.join(event=event, name=name, email=f"{name.lower()}@example.org", **kwargs)


def offer_emails(to=""):
    rows = Delivery.objects.filter(kind="ticket-waitlist-offer")
    return list(rows.filter(to=to) if to else rows)


def test_joining_is_refused_while_seats_are_left(congress, paid_ticket):
    with pytest.raises(OrderRefused) as refused:
        wait(congress, "Wes")
    assert refused.value.code == "not_full"
    assert not WaitlistEntry.objects.exists()


def test_a_buyer_joins_a_sold_out_event_once(congress, paid_ticket):
    hold(congress, paid_ticket, "Ann", "Bob")
    entry = wait(congress, "Wes")
    assert entry.status == WaitlistEntry.Status.WAITING and ticket_waitlist.position(entry) == 1
    with pytest.raises(OrderRefused) as refused:
        wait(congress, "Wes")
    assert refused.value.code == "waiting"
    assert ticket_waitlist.position(wait(congress, "Val")) == 2


def test_a_sold_out_ticket_type_has_its_own_waitlist(congress, paid_ticket):
    few = TicketType.objects.create(event=congress, name="Student", price_cents=3000, quantity=1)
    hold(congress, few, "Ann")
    with pytest.raises(OrderRefused):
        wait(congress, "Wes", ticket_type=paid_ticket)
    assert wait(congress, "Wes", ticket_type=few).ticket_type == few


def test_the_register_page_of_a_full_event_offers_the_waitlist_and_a_member_joins_in_one_click(
    client, congress, paid_ticket
):
    hold(congress, paid_ticket, "Ann", "Bob")
    user = make_member()
    client.force_login(user)
    page = client.get(reverse("events:register", args=[congress.slug]))
    assert b'id="waitlist-form"' in page.content
    response = client.post(reverse("events:waitlist-join", args=[congress.slug]))
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert entry.email == user.email and entry.user == user


def test_a_get_of_the_waitlist_address_changes_nothing(client, congress, paid_ticket):
    hold(congress, paid_ticket, "Ann", "Bob")
    assert client.get(reverse("events:waitlist-join", args=[congress.slug])).status_code == 405
    assert not WaitlistEntry.objects.exists()


def test_a_bad_email_is_refused_with_a_message_and_nothing_joins(client, congress, paid_ticket):
    hold(congress, paid_ticket, "Ann", "Bob")
    url = reverse("events:waitlist-join", args=[congress.slug])
    response = client.post(url, {"name": "Wes", "email": "not-an-email"}, follow=True)
    assert b"valid email address" in response.content
    assert not WaitlistEntry.objects.exists()


def test_nothing_is_offered_in_the_request_that_frees_the_seat(congress, paid_ticket):
    order = hold(congress, paid_ticket, "Ann", "Bob")
    entry = wait(congress, "Wes")
    ticket_holds.expire(order_id=order.pk)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING and not offer_emails()


def test_a_freed_seat_is_held_for_the_first_in_line_who_is_emailed_a_link_of_their_own(congress, paid_ticket):
    order = hold(congress, paid_ticket, "Ann")
    hold(congress, paid_ticket, "Bob")
    first, second = wait(congress, "Wes"), wait(congress, "Val")
    ticket_holds.expire(order_id=order.pk)
    now = timezone.now()
    assert ticket_waitlist.offer_pass(now=now) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == WaitlistEntry.Status.OFFERED and second.status == WaitlistEntry.Status.WAITING
    offer = first.offer
    assert offer.is_held and offer.buyer_email == "wes@example.org" and offer.total_cents == 9000
    assert offer.held_until == now + datetime.timedelta(hours=48)
    assert ticket_holds.seats_left(congress, now=now) == 0, "the offered seat is not sold to anyone else"
    [email] = offer_emails()
    assert email.to == "wes@example.org" and email.confidential, "the link is never shown to staff"
    assert f"http://testserver{offer.capability_url}" in email.body_text


def test_an_offer_not_taken_up_in_time_goes_to_the_next_in_line(congress, paid_ticket):
    order = hold(congress, paid_ticket, "Ann")
    hold(congress, paid_ticket, "Bob")
    first, second = wait(congress, "Wes"), wait(congress, "Val")
    ticket_holds.expire(order_id=order.pk)
    ticket_waitlist.offer_pass()
    later = timezone.now() + datetime.timedelta(hours=49)
    assert ticket_waitlist.offer_pass(now=later) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == WaitlistEntry.Status.LAPSED and first.offer.status == Order.Status.EXPIRED
    assert second.status == WaitlistEntry.Status.OFFERED
    assert sorted(e.to for e in offer_emails()) == ["val@example.org", "wes@example.org"]


def test_two_freed_seats_are_never_offered_to_the_same_person_twice(congress, paid_ticket):
    order = hold(congress, paid_ticket, "Ann", "Bob")
    wait(congress, "Wes"), wait(congress, "Val")
    ticket_holds.expire(order_id=order.pk)
    assert ticket_waitlist.offer_pass() == 2
    assert ticket_waitlist.offer_pass() == 0, "a second pass (another beat) offers nothing new"
    assert Order.objects.filter(buyer_email="wes@example.org").count() == 1
    assert Order.objects.filter(buyer_email="val@example.org").count() == 1
    assert sorted(e.to for e in offer_emails()) == ["val@example.org", "wes@example.org"]


def test_a_member_is_offered_the_member_price_for_their_standing_now(congress, paid_ticket):
    member_ticket = TicketType.objects.create(
        event=congress, name="Member", price_cents=5000, audience=TicketType.Audience.GOOD_STANDING
    )
    order = hold(congress, paid_ticket, "Ann", "Bob")
    user = make_member()
    entry = ticket_waitlist.join(event=congress, name="Mia", email=user.email, user=user)
    ticket_holds.expire(order_id=order.pk)
    ticket_waitlist.offer_pass()
    entry.refresh_from_db()
    assert entry.offer.lines.get().ticket_type == member_ticket and entry.offer.total_cents == 5000


def test_paying_the_offer_confirms_the_ticket_and_the_entry(client, congress, paid_ticket):
    order = hold(congress, paid_ticket, "Ann", "Bob")
    entry = wait(congress, "Wes")
    ticket_holds.expire(order_id=order.pk)
    ticket_waitlist.offer_pass()
    entry.refresh_from_db()
    offer = entry.offer
    offer.stripe_checkout_session_id = "cs_test_Offer"
    offer.save(update_fields=["stripe_checkout_session_id"])
    session = {"id": "cs_test_Offer", "object": "checkout.session", "mode": "payment", "status": "complete",
               "payment_status": "paid", "amount_subtotal": 9000, "amount_total": 9000, "currency": "usd",
               "customer": None, "customer_email": offer.buyer_email, "payment_intent": "pi_test_Offer",
               "metadata": {"kind": "tickets", "order_id": str(offer.pk)}, "livemode": False}  # fmt: skip
    sp.post(client, sp.event("checkout.session.completed", session))
    offer.refresh_from_db()
    assert offer.status == Order.Status.PAID
    ticket_waitlist.offer_pass()
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.BOUGHT


def test_starting_to_pay_an_offer_never_shortens_its_hold(congress, paid_ticket, settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.DEBUG = True
    order = hold(congress, paid_ticket, "Ann", "Bob")
    entry = wait(congress, "Wes")
    ticket_holds.expire(order_id=order.pk)
    ticket_waitlist.offer_pass()
    entry.refresh_from_db()
    until = entry.offer.held_until
    ticket_checkout.start(entry.offer)
    entry.offer.refresh_from_db()
    assert entry.offer.held_until == until


def test_an_organiser_withdraws_an_offer_and_it_goes_to_the_next(congress, paid_ticket):
    order = hold(congress, paid_ticket, "Ann", "Bob")
    first = wait(congress, "Wes")
    ticket_holds.expire(order_id=order.pk)
    ticket_waitlist.offer_pass()
    first.refresh_from_db()
    hold(congress, paid_ticket, "Cat")  # the other freed seat is taken meanwhile
    second = wait(congress, "Val")
    organiser = make_organiser()
    assert ticket_waitlist.withdraw_offer(entry=first, by=organiser, reason="asked by mistake")
    first.refresh_from_db()
    assert first.offer.status == Order.Status.CANCELLED and first.status == WaitlistEntry.Status.LAPSED
    [entry] = entries(first, "ticket_waitlist.offer_withdrawn")
    assert entry.by == organiser
    ticket_waitlist.offer_pass()
    second.refresh_from_db()
    assert second.status == WaitlistEntry.Status.OFFERED


def test_stripes_expired_session_leaves_an_offer_held_until_its_own_end(client, congress, paid_ticket):
    order = hold(congress, paid_ticket, "Ann", "Bob")
    entry = wait(congress, "Wes")
    ticket_holds.expire(order_id=order.pk)
    ticket_waitlist.offer_pass()
    entry.refresh_from_db()
    Order.objects.filter(pk=entry.offer_id).update(stripe_checkout_session_id="cs_test_Gone")
    session = {"id": "cs_test_Gone", "object": "checkout.session", "status": "expired", "payment_status": "unpaid",
               "metadata": {"kind": "tickets", "order_id": str(entry.offer_id)}}  # fmt: skip
    sp.post(client, sp.event("checkout.session.expired", session))
    entry.offer.refresh_from_db()
    assert entry.offer.is_held


def test_a_seat_freed_between_two_passes_is_kept_for_the_first_in_line(congress, paid_ticket):
    order = hold(congress, paid_ticket, "Ann")
    hold(congress, paid_ticket, "Bob")
    wait(congress, "Wes")
    ticket_holds.expire(order_id=order.pk)
    with pytest.raises(OrderRefused) as refused:
        hold(congress, paid_ticket, "Cat")
    assert refused.value.code == "full"
    assert wait(congress, "Cat").status == WaitlistEntry.Status.WAITING, "so Cat may wait in line too"
    assert ticket_waitlist.offer_pass() == 1


def test_a_seat_freed_by_a_free_answer_never_goes_free_to_the_answers_waitlist_once_tickets_are_sold(congress):
    from events import rsvp as answers
    from tests.factories import RSVPFactory

    coming, waiting = RSVPFactory(event=congress), RSVPFactory(event=congress)
    other = RSVPFactory(event=congress)
    answers.respond(rsvp_id=coming.pk, answer="yes")  # the two seats, answered before tickets were sold
    answers.respond(rsvp_id=other.pk, answer="yes")
    answers.respond(rsvp_id=waiting.pk, answer="yes")
    waiting.refresh_from_db()
    assert waiting.status == "waitlisted"
    TicketType.objects.create(event=congress, name="Non-member", price_cents=9000)
    answers.respond(rsvp_id=coming.pk, answer="no", guests=0)
    waiting.refresh_from_db()
    assert waiting.status == "waitlisted", "a paid seat is bought, not given to the free answers' waitlist"
    assert not Delivery.objects.filter(kind="event-promoted").exists()
