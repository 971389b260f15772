"""Calendars that stay true: the iMIP part of a yes, its withdrawal after a no, and the
replies of calendar programs read from the ESP's inbound webhook."""

import base64
import datetime
import json

import icalendar
import pytest
from django.utils import timezone

from events import calendars
from events.models import RSVP
from tests.events.helpers import answer, deliveries
from tests.factories import EventFactory, RSVPFactory

pytestmark = pytest.mark.django_db

SECRET = "societas:webhook-secret"
AUTH = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(SECRET.encode()).decode()}


@pytest.fixture
def replies_read(settings):
    """An inbound webhook for the reply address, protected as production requires."""
    settings.CALENDAR_REPLY_EMAIL = "rsvp@example.org"
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


def _calendar_part(email) -> tuple[str, icalendar.Calendar]:
    [part] = [a for a in email.attachments if a["mimetype"].startswith("text/calendar")]
    return part["mimetype"], icalendar.Calendar.from_ical(base64.b64decode(part["content"]))


def _entry(email) -> icalendar.Event:
    return _calendar_part(email)[1].walk("VEVENT")[0]


def test_without_an_inbound_webhook_a_yes_publishes_the_entry_and_offers_no_reply():
    person = RSVPFactory(event=EventFactory())
    answer(person, "yes")
    [email] = deliveries("event-yes")
    mimetype, cal = _calendar_part(email)
    assert mimetype == "text/calendar; method=PUBLISH" and str(cal["method"]) == "PUBLISH"
    assert "attendee" not in cal.walk("VEVENT")[0]
    assert "answers given in your calendar program do not reach us" in email.body_text
    assert any(a["filename"] == "event.ics" and a["mimetype"] == "application/ics" for a in email.attachments)


def test_with_an_inbound_webhook_a_yes_is_an_invitation_that_replies_to_the_persons_own_address(replies_read):
    person = RSVPFactory(event=EventFactory(), email="ann@example.org")
    answer(person, "yes")
    [email] = deliveries("event-yes")
    mimetype, cal = _calendar_part(email)
    entry = cal.walk("VEVENT")[0]
    assert mimetype == "text/calendar; method=REQUEST"
    assert str(entry["organizer"]) == f"mailto:{calendars.reply_address(person)}"
    assert str(entry["organizer"]).startswith(f"mailto:rsvp+{person.pk}-")
    attendee = entry["attendee"]
    assert str(attendee) == "mailto:ann@example.org"
    assert attendee.params["PARTSTAT"] == "ACCEPTED" and attendee.params["RSVP"] == "TRUE"
    assert "Yes, Maybe and No buttons answer us too" in email.body_text


def test_a_no_after_a_yes_withdraws_the_entry_with_the_same_uid_and_a_higher_sequence():
    person = RSVPFactory(event=EventFactory())
    answer(person, "yes")
    [yes] = deliveries("event-yes")
    accepted = _entry(yes)
    answer(person, "no")
    [no] = deliveries("event-answer")
    mimetype, cal = _calendar_part(no)
    withdrawn = cal.walk("VEVENT")[0]
    assert mimetype == "text/calendar; method=CANCEL" and str(cal["method"]) == "CANCEL"
    assert str(withdrawn["uid"]) == str(accepted["uid"])
    assert int(withdrawn["sequence"]) > int(accepted["sequence"])
    assert str(withdrawn["status"]) == "CANCELLED"
    assert "takes the event out of your calendar" in no.body_text


def test_a_yes_again_after_a_no_brings_an_entry_newer_than_the_withdrawal():
    person = RSVPFactory(event=EventFactory())
    answer(person, "yes")
    answer(person, "no")
    [no] = deliveries("event-answer")
    cancelled = int(_entry(no)["sequence"])
    answer(person, "yes")
    [again] = deliveries("event-yes")
    assert int(_entry(again)["sequence"]) > cancelled


def test_a_no_from_someone_who_never_said_yes_carries_no_calendar():
    person = RSVPFactory(event=EventFactory())
    answer(person, "no")
    [email] = deliveries("event-answer")
    assert not email.attachments
    assert "takes the event out of your calendar" not in email.body_text


def test_the_yes_email_has_google_outlook_and_apple_links():
    event = EventFactory(title="Forum on rivers")
    person = RSVPFactory(event=event)
    answer(person, "yes")
    [email] = deliveries("event-yes")
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE" in email.body_html
    assert "https://outlook.live.com/calendar/0/action/compose?" in email.body_html
    assert f"/r/{person.token}/event.ics" in email.body_text


# Replies from calendar programs, as an ESP (Postmark here) posts them.


def _reply(rsvp: RSVP, partstat: str, *, to: str = "", attendee: str = "", uid: str = "") -> dict:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Google Inc//Google Calendar 70.9054//EN")
    cal.add("version", "2.0")
    cal.add("method", "REPLY")
    entry = icalendar.Event()
    entry.add("uid", uid or calendars.event_uid(rsvp.event))
    entry.add("dtstamp", timezone.now())
    entry.add("sequence", 0)
    entry.add("attendee", f"mailto:{attendee or rsvp.email}", parameters={"PARTSTAT": partstat})
    cal.add_component(entry)
    content = cal.to_ical()
    to = to or calendars.reply_address(rsvp)
    return {
        "From": rsvp.email,
        "FromFull": {"Email": rsvp.email, "Name": ""},
        "To": to,
        "ToFull": [{"Email": to, "Name": ""}],
        "OriginalRecipient": to,
        "Cc": "",
        "CcFull": [],
        "Subject": f"Declined: {rsvp.event.title}",
        "MessageID": "22c74902-a0c1-4511-804f-341342852c91",
        "Date": "Sat, 28 Nov 2026 07:00:00 +0000",
        "TextBody": "",
        "HtmlBody": "",
        "Headers": [],
        "Attachments": [
            {
                "Name": "invite.ics",
                "Content": base64.b64encode(content).decode(),
                "ContentType": "text/calendar; method=REPLY",
                "ContentLength": len(content),
            }
        ],
    }


def _post(client, payload):
    return client.post("/anymail/postmark/inbound/", json.dumps(payload), content_type="application/json", **AUTH)


def test_a_decline_from_the_calendar_records_no_frees_the_seat_and_withdraws_the_entry(client, replies_read):
    event = EventFactory(capacity=1)
    ann, bob = RSVPFactory(event=event), RSVPFactory(event=event)
    answer(ann, "yes")
    answer(bob, "yes")
    assert _post(client, _reply(ann, "DECLINED")).status_code == 200
    ann.refresh_from_db()
    bob.refresh_from_db()
    assert ann.status == RSVP.Status.NO and bob.status == RSVP.Status.YES
    [no] = deliveries("event-answer", to=ann.email)
    assert _calendar_part(no)[0] == "text/calendar; method=CANCEL"
    assert deliveries("event-promoted", to=bob.email)


def test_an_accept_and_a_tentative_answer_yes_and_maybe(client, replies_read):
    event = EventFactory()
    ann, bob = RSVPFactory(event=event), RSVPFactory(event=event)
    _post(client, _reply(ann, "ACCEPTED"))
    _post(client, _reply(bob, "TENTATIVE"))
    assert RSVP.objects.get(pk=ann.pk).status == RSVP.Status.YES
    assert RSVP.objects.get(pk=bob.pk).status == RSVP.Status.MAYBE


@pytest.mark.parametrize("wrong", ["code", "attendee", "uid"])
def test_a_reply_that_does_not_match_the_answer_changes_nothing(client, replies_read, wrong):
    person = RSVPFactory(event=EventFactory())
    answer(person, "yes")
    change = {
        "code": {"to": f"rsvp+{person.pk}-{'0' * 24}@example.org"},  # a made-up code
        "attendee": {"attendee": "mallory@example.org"},  # someone else answering
        "uid": {"uid": "another-event@societas"},  # another entry
    }[wrong]
    assert _post(client, _reply(person, "DECLINED", **change)).status_code == 200
    assert RSVP.objects.get(pk=person.pk).status == RSVP.Status.YES


def test_a_reply_to_an_unprotected_webhook_changes_nothing(client, settings):
    from anymail.exceptions import AnymailInsecureWebhookWarning

    settings.CALENDAR_REPLY_EMAIL = "rsvp@example.org"
    settings.ANYMAIL = {}
    person = RSVPFactory(event=EventFactory())
    answer(person, "yes")
    with pytest.warns(AnymailInsecureWebhookWarning):
        payload = json.dumps(_reply(person, "DECLINED"))
        client.post("/anymail/postmark/inbound/", payload, content_type="application/json")
    assert RSVP.objects.get(pk=person.pk).status == RSVP.Status.YES


def test_a_reply_the_event_cannot_take_is_answered_by_email(client, replies_read):
    event = EventFactory()
    person = RSVPFactory(event=event)
    answer(person, "yes")
    event.rsvp_closes_at = timezone.now() - datetime.timedelta(minutes=1)
    event.save(update_fields=["rsvp_closes_at"])
    _post(client, _reply(person, "DECLINED"))
    assert RSVP.objects.get(pk=person.pk).status == RSVP.Status.YES
    [email] = deliveries("event-reply-refused", to=person.email)
    assert "could not record it" in email.body_text and "closed" in email.body_text
