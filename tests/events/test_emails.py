"""The events emails, sent for real: through the outbox, a worker and an SMTP server."""

import base64
import re

import icalendar
import pytest
from django.urls import reverse

from events import checkin, notices
from notifications import outbox
from tests.events.helpers import answer, deliveries, make_organiser
from tests.factories import EventFactory, RSVPFactory


def _parts(message):
    return {part.get_content_type(): part for part in message.walk() if not part.is_multipart()}


@pytest.mark.django_db(transaction=True)
def test_a_yes_from_the_invitation_link_brings_a_confirmation_with_the_ics_and_qr_code(
    client, celery_worker, smtp_server
):
    event = EventFactory(title="Forum on clean rivers", organisers=[make_organiser()])
    person = RSVPFactory(event=event, email="ann@example.org", name="Ann Example")
    client.post(f"/r/{person.token}/", {"answer": "yes"})
    [message] = smtp_server.wait_for(1)
    assert message["To"] == "ann@example.org"
    assert "Forum on clean rivers" in message["Subject"]
    parts = _parts(message)
    calendar = icalendar.Calendar.from_ical(parts["text/calendar"].get_payload(decode=True))
    assert str(calendar["method"]) == "PUBLISH"  # no inbound webhook reads replies here
    # iMIP: the entry is a body part beside the text and HTML, which mail programs show as an event.
    alternative = next(part for part in message.walk() if part.get_content_type() == "multipart/alternative")
    bodies = [part.get_content_type() for part in alternative.iter_parts()]
    assert bodies == ["text/plain", "text/html", "text/calendar"]
    assert parts["application/ics"].get_filename() == "event.ics"
    assert str(calendar.walk("VEVENT")[0]["summary"]) == "Forum on clean rivers"
    assert parts["image/png"].get_payload(decode=True).startswith(b"\x89PNG")
    html = parts["text/html"].get_content()
    assert f'src="cid:{notices.QR_CONTENT_ID}"' in html
    door = checkin.door_path(person)
    assert door in parts["text/plain"].get_content() and door in html


def test_the_qr_code_is_an_inline_image_of_the_check_in_address(db):
    event = EventFactory()
    person = RSVPFactory(event=event)
    answer(person, "yes")
    [email] = deliveries("event-yes")
    [qr] = [a for a in email.attachments if a["mimetype"] == "image/png"]
    assert qr["content_id"] == notices.QR_CONTENT_ID
    assert base64.b64decode(qr["content"]) == notices.qr_png(notices.absolute(checkin.door_path(person)))


def test_every_link_in_an_invitation_is_absolute(db, settings):
    event = EventFactory()
    person = RSVPFactory(event=event)
    outbox.queue_many([notices.invitation(person)])
    [email] = deliveries("event-invitation")
    for href in re.findall(r'href="([^"]+)"', email.body_html):
        assert href.startswith(settings.SITE_URL) or href.startswith("mailto:") or href.startswith("https://")


def test_the_events_emails_wear_the_societys_accent_not_the_default_blue(db, settings):
    settings.ORG_ACCENT = "#7a1f5c"
    person = RSVPFactory(event=EventFactory(online_url=""))
    outbox.queue_many([notices.invitation(person)])
    answer(person, "yes")
    for kind in ("event-invitation", "event-yes"):
        [email] = deliveries(kind)
        assert "#1f4e79" not in email.body_html.lower(), kind
        assert "#7a1f5c" in email.body_html.lower(), kind
    [invitation] = deliveries("event-invitation")
    assert re.search(
        r'href="[^"]+" style="display:inline-block;background:#7a1f5c;color:#ffffff;', invitation.body_html
    )


def test_the_waitlist_and_promotion_emails_name_the_event_and_the_answer_page(db):
    event = EventFactory(capacity=1)
    first, second = RSVPFactory(event=event), RSVPFactory(event=event)
    answer(first, "yes")
    answer(second, "yes")
    [waitlisted] = deliveries("event-waitlisted")  # a worker sends it before anything else changes
    answer(first, "no")
    [promoted] = deliveries("event-promoted")
    for email in (waitlisted, promoted):
        assert event.title in email.subject and f"/r/{second.token}/" in email.body_text
        assert email.category == "transactional"


def test_the_rsvp_page_link_from_the_email_works(client, db):
    person = RSVPFactory(event=EventFactory())
    outbox.queue_many([notices.invitation(person)])
    [email] = deliveries("event-invitation")
    path = re.search(r"https?://[^/]+(/r/[^?\s]+)\?answer=no", email.body_text).group(1)
    assert path == reverse("events:rsvp-link", args=[person.token])
    assert client.get(path).status_code == 200
