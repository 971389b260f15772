"""Leaving a paid event's waitlist oneself: by the link in the waitlist email, or signed in."""

import re

import pytest

from events import ticket_holds, ticket_waitlist, ticket_waitlist_leave
from events.ticket_records import Order
from events.ticket_waitlist_records import WaitlistEntry
from notifications.models import Delivery
from tests.events.helpers import make_member
from tests.events.test_tickets_waitlist import hold, wait
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SITE_URL = "http://testserver"
    settings.CURRENCY = "USD"
    settings.TICKET_HOLD_MINUTES = 30
    settings.TICKET_OFFER_HOURS = 48


@pytest.fixture
def congress(db):
    return EventFactory(kind="congress", capacity=2)


def leave_link(to: str) -> str:
    email = Delivery.objects.get(kind="ticket-waitlist-joined", to=to)
    return re.search(r"http://testserver(/events/waitlist/[^/\s]+/leave/)", email.body_text).group(1)


def test_joining_emails_a_link_of_ones_own_to_leave(congress, paid_ticket):
    hold(congress, paid_ticket, "Ann", "Bob")
    wait(congress, "Wes")
    email = Delivery.objects.get(kind="ticket-waitlist-joined")
    assert email.to == "wes@example.org" and email.confidential and "number 1 in line" in email.body_text
    assert leave_link("wes@example.org")


def test_the_link_leaves_by_post_only_and_then_does_nothing_more(client, congress, paid_ticket):
    hold(congress, paid_ticket, "Ann", "Bob")
    entry = wait(congress, "Wes")
    url = leave_link("wes@example.org")
    page = client.get(url)
    assert page.status_code == 200 and b'id="leave-waitlist"' in page.content
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.WAITING, "a GET changes nothing"
    client.post(url)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.LEFT
    assert b'id="waitlist-left"' in client.get(url).content


def test_a_forged_link_is_not_known(client):
    assert client.get("/events/waitlist/1:forged/leave/").status_code == 404


def test_leaving_withdraws_an_open_offer_and_the_seat_passes_to_the_next(client, congress, paid_ticket):
    order = hold(congress, paid_ticket, "Ann", "Bob")
    first = wait(congress, "Wes")
    ticket_holds.expire(order_id=order.pk)
    hold(congress, paid_ticket, "Cat")
    second = wait(congress, "Val")
    ticket_waitlist.offer_pass()
    first.refresh_from_db()
    assert first.status == WaitlistEntry.Status.OFFERED
    offer_email = Delivery.objects.get(kind="ticket-waitlist-offer", to="wes@example.org")
    # The link is signed with the time it was made, so the offer's own link names the same entry.
    offered = re.search(r"http://testserver/events/waitlist/([^/\s]+)/leave/", offer_email.body_text).group(1)
    joined = leave_link("wes@example.org").split("/")[-3]
    leaving = ticket_waitlist_leave.entry_for_token
    assert leaving(offered) == leaving(joined) == first, "the offer carries a leave link for the same place"
    client.post(leave_link("wes@example.org"))
    first.refresh_from_db()
    assert first.status == WaitlistEntry.Status.LEFT and first.offer.status == Order.Status.CANCELLED
    ticket_waitlist.offer_pass()
    second.refresh_from_db()
    assert second.status == WaitlistEntry.Status.OFFERED


def test_a_signed_in_member_sees_their_place_and_leaves_from_the_register_page(client, congress, paid_ticket):
    hold(congress, paid_ticket, "Ann", "Bob")
    member = make_member()
    entry = ticket_waitlist.join(event=congress, name="Mo", email=member.email, user=member)
    client.force_login(member)
    page = client.get(f"/events/{congress.slug}/register/").content.decode()
    assert "You are number 1 in line." in page and 'id="leave-waitlist"' in page
    response = client.post(f"/events/{congress.slug}/waitlist/leave/")
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.LEFT
    assert client.get(f"/events/{congress.slug}/waitlist/leave/").status_code == 405
