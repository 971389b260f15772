import base64
import datetime

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from events import calendars, organising
from events.models import CalendarFeed
from tests.events.helpers import answer, deliveries, make_member
from tests.factories import EventFactory, RSVPFactory

pytestmark = pytest.mark.django_db

LA = "America/Los_Angeles"


def _events(body: bytes) -> list:
    return icalendar.Calendar.from_ical(body).walk("VEVENT")


def _la_event(**kwargs):
    starts = datetime.datetime(2031, 6, 13, 1, 0, tzinfo=datetime.UTC)  # 18:00 PDT on the 12th
    return EventFactory(time_zone=LA, starts_at=starts, ends_at=starts + datetime.timedelta(hours=2), **kwargs)


def test_an_event_in_los_angeles_exports_its_local_time_and_zone(client):
    event = _la_event()
    body = client.get(reverse("events:event-ics", args=[event.slug])).content
    assert b"DTSTART;TZID=America/Los_Angeles:20310612T180000" in body
    assert b"BEGIN:VTIMEZONE" in body and b"TZID:America/Los_Angeles" in body
    [entry] = _events(body)
    assert entry.decoded("dtstart").astimezone(datetime.UTC) == datetime.datetime(
        2031, 6, 13, 1, 0, tzinfo=datetime.UTC
    )
    assert entry.decoded("dtend").astimezone(datetime.UTC) == datetime.datetime(2031, 6, 13, 3, 0, tzinfo=datetime.UTC)


def test_the_uid_is_stable_and_sequence_increases_on_a_date_change():
    event = EventFactory()
    [before] = _events(calendars.event_ics(event))
    organising.reschedule(
        event_id=event.pk,
        starts_at=event.starts_at + datetime.timedelta(days=1),
        ends_at=event.ends_at + datetime.timedelta(days=1),
        by=None,
    )
    event.refresh_from_db()
    [after] = _events(calendars.event_ics(event))
    assert str(after["uid"]) == str(before["uid"])
    assert int(after["sequence"]) == int(before["sequence"]) + 1
    assert after.decoded("dtstart") - before.decoded("dtstart") == datetime.timedelta(days=1)


def test_a_change_of_place_also_increases_the_sequence():
    event = EventFactory()
    organising.update_event(event_id=event.pk, changes={"venue_name": "The Old Library"}, by=None)
    event.refresh_from_db()
    assert event.sequence == 1
    [entry] = _events(calendars.event_ics(event))
    assert "The Old Library" in str(entry["location"])


def test_a_cancelled_event_is_marked_cancelled_and_the_email_withdraws_it():
    event = EventFactory()
    person = RSVPFactory(event=event)
    answer(person, "yes")
    organising.cancel(event_id=event.pk, message="The hall flooded.", by=None)
    event.refresh_from_db()
    [entry] = _events(calendars.event_ics(event))
    assert str(entry["status"]) == "CANCELLED" and int(entry["sequence"]) == 1
    [email] = deliveries("event-cancelled", to=person.email)
    [ics] = [a for a in email.attachments if a["mimetype"].startswith("text/calendar")]
    assert ics["mimetype"] == "text/calendar; method=CANCEL"
    cal = icalendar.Calendar.from_ical(base64.b64decode(ics["content"]))
    assert str(cal["method"]) == "CANCEL" and str(cal.walk("VEVENT")[0]["status"]) == "CANCELLED"


def test_the_public_feed_parses_and_holds_listed_upcoming_events(client):
    EventFactory(title="Open lecture")
    EventFactory(title="Members forum", visibility="members")
    EventFactory(title="Hidden draft", status="draft")
    EventFactory(
        title="Ancient",
        starts_at=timezone.now() - datetime.timedelta(days=90),
        ends_at=timezone.now() - datetime.timedelta(days=89),
    )
    response = client.get("/events/calendar.ics")
    assert response["Content-Type"].startswith("text/calendar")
    titles = {str(e["summary"]) for e in _events(response.content)}
    assert titles == {"Open lecture", "Members forum"}


def test_a_members_private_feed_has_their_yes_and_maybe_events(client):
    person = make_member()
    going, maybe, declined, other = (EventFactory(title=t) for t in ("Going", "Perhaps", "Declined", "Not mine"))
    for event, reply in ((going, "yes"), (maybe, "maybe"), (declined, "no")):
        answer(RSVPFactory(event=event, email=person.email, user=person), reply)
    answer(RSVPFactory(event=other), "yes")
    feed = calendars.create_feed(user=person)
    body = client.get(reverse("events:member-feed", args=[feed.token])).content
    assert {str(e["summary"]) for e in _events(body)} == {"Going", "Perhaps"}


def test_the_private_feed_address_is_made_and_reset_only_by_post(client):
    person = make_member()
    client.force_login(person)
    client.get(reverse("events:list"))
    assert not CalendarFeed.objects.exists(), "showing the page creates nothing"
    client.post(reverse("events:member-feed-create"))
    old = CalendarFeed.objects.get(user=person).token
    assert old in client.get(reverse("events:list")).content.decode()
    client.post(reverse("events:member-feed-create"), {"reset": "1"})
    assert client.get(reverse("events:member-feed", args=[old])).status_code == 404
    new = CalendarFeed.objects.get(user=person).token
    assert new != old and client.get(reverse("events:member-feed", args=[new])).status_code == 200


def test_the_feed_tag_for_other_apps_pages_renders_the_address(rf):
    from django.template import Context, Template

    person = make_member()
    feed = calendars.create_feed(user=person)
    request = rf.get("/membership/")
    request.user = person
    html = Template("{% load event_calendars %}{% calendar_feed %}").render(Context({"request": request}))
    assert feed.token in html and "Your events in your calendar" in html


def test_the_yes_confirmation_carries_a_request_for_the_calendar(settings):
    settings.CALENDAR_REPLY_EMAIL = "rsvp@example.org"
    event = _la_event(online_url="https://meet.example.org/abc", venue_name="", venue_address="")
    person = RSVPFactory(event=event)
    answer(person, "yes")
    [email] = deliveries("event-yes")
    [ics] = [a for a in email.attachments if a["filename"] == "event.ics"]
    cal = icalendar.Calendar.from_ical(base64.b64decode(ics["content"]))
    [entry] = cal.walk("VEVENT")
    assert str(cal["method"]) == "REQUEST"
    assert str(entry["attendee"]) == f"mailto:{person.email}" and entry["attendee"].params["PARTSTAT"] == "ACCEPTED"
    assert "https://meet.example.org/abc" in str(entry["location"])


def test_the_private_feed_links_to_event_pages_and_never_to_the_answer_link(client):
    person = make_member()
    event = EventFactory(title="Going")
    rsvp = RSVPFactory(event=event, email=person.email, user=person)
    answer(rsvp, "yes")
    feed = calendars.create_feed(user=person)
    [entry] = _events(client.get(reverse("events:member-feed", args=[feed.token])).content)
    texts = [str(entry[field]) for field in ("description", "url", "location")]
    assert not any("/r/" in text or rsvp.token in text for text in texts)
    assert calendars.absolute(event.get_absolute_url()) in str(entry["description"])


def test_the_calendar_file_of_an_email_keeps_the_persons_answer_link():
    person = make_member()
    rsvp = RSVPFactory(event=EventFactory(), email=person.email, user=person)
    answer(rsvp, "yes")
    [entry] = _events(calendars.event_ics(rsvp.event, rsvp=rsvp, method="REQUEST"))
    assert calendars.absolute(rsvp.get_absolute_url()) in str(entry["description"])
