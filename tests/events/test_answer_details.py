"""Small things people read on the event and answer pages: seats, the yes button, the
check-in code of an online event, and the links that add an event to a calendar."""

import pytest
from django.urls import reverse

from events import calendars
from tests.events.helpers import answer, deliveries
from tests.factories import EventFactory, RSVPFactory

pytestmark = pytest.mark.django_db


def _page(client, rsvp) -> str:
    return client.get(reverse("events:rsvp-link", args=[rsvp.token])).content.decode().replace("&#x27;", "'")


def test_the_answer_page_says_no_limit_and_full_in_words(client):
    unlimited = RSVPFactory(event=EventFactory(capacity=None))
    assert "<dt>Seats left</dt><dd>No limit</dd>" in _page(client, unlimited)
    full = EventFactory(capacity=1)
    answer(RSVPFactory(event=full), "yes")
    page = _page(client, RSVPFactory(event=full))
    assert "<dt>Seats left</dt><dd>Full: a yes joins the waitlist</dd>" in page


def test_a_yes_to_an_event_without_guests_is_not_offered_again(client):
    person = RSVPFactory(event=EventFactory(guests_allowed=0))
    answer(person, "yes")
    page = _page(client, person)
    assert "update guests" not in page and 'value="yes"' not in page
    assert "No, cancel my place" in page


def test_a_yes_to_an_event_with_guests_may_change_them(client):
    person = RSVPFactory(event=EventFactory(guests_allowed=2))
    answer(person, "yes")
    assert "Change my guests" in _page(client, person)


def test_an_online_event_has_no_check_in_code(client):
    event = EventFactory(venue_name="", venue_address="", online_url="https://meet.example.org/lecture")
    person = RSVPFactory(event=event)
    answer(person, "yes")
    assert "check-in code" not in _page(client, person).lower()
    [email] = deliveries("event-yes")
    assert not [a for a in email.attachments if a["mimetype"] == "image/png"]
    assert "check-in" not in email.body_text.lower() and "cid:" not in email.body_html
    assert f"/r/{person.token}/" in email.body_text  # the answer link stays


def test_an_event_at_a_venue_keeps_its_check_in_code(client):
    person = RSVPFactory(event=EventFactory(online_url="https://meet.example.org/hybrid"))
    answer(person, "yes")
    assert "Your check-in code" in _page(client, person)


def test_the_event_page_adds_to_google_outlook_and_apple_calendars(client):
    event = EventFactory(title="Forum on rivers")
    page = client.get(event.get_absolute_url()).content.decode()
    start = event.starts_at.strftime("%Y%m%dT%H%M%SZ")
    google = "https://calendar.google.com/calendar/render?action=TEMPLATE&amp;text=Forum+on+rivers"
    assert f"{google}&amp;dates={start}%2F" in page
    outlook = "https://outlook.live.com/calendar/0/action/compose?path=%2Fcalendar%2Faction%2Fcompose"
    assert f"{outlook}&amp;rru=addevent&amp;subject=Forum+on+rivers" in page
    assert calendars.absolute(reverse("events:event-ics", args=[event.slug])) in page


def test_the_feeds_offer_webcal_subscriptions(client, member):
    page = client.get(reverse("events:list")).content.decode()
    feed = calendars.absolute(reverse("events:feed"))
    assert f'href="{calendars.webcal(feed)}"' in page and feed.startswith("http")
    assert calendars.webcal(feed).startswith("webcal://")
    assert "calendar.google.com/calendar/render?cid=webcal" in page
    client.force_login(member)
    calendar_feed = calendars.create_feed(user=member)
    page = client.get(reverse("events:list")).content.decode()
    assert f'href="{calendars.webcal(calendars.absolute(calendar_feed.get_absolute_url()))}"' in page


def test_a_venue_address_of_several_lines_reads_as_one_with_commas(client):
    event = EventFactory(
        venue_name="Haus der Wissenschaft", venue_address="Unter den Linden 1\r\n10117 Berlin\n\nGermany", online_url=""
    )
    place = "Haus der Wissenschaft, Unter den Linden 1, 10117 Berlin, Germany"
    assert event.place == place
    assert place in client.get(reverse("events:list")).content.decode()
    entry = calendars.vevent(event)
    assert str(entry["location"]) == place
    person = RSVPFactory(event=event)
    answer(person, "yes")
    [email] = deliveries("event-yes")
    assert f"Where: {place}" in email.body_text
