"""Messages to attendees from the event's organiser page: the audiences, operational
messages that reach everyone, a test to oneself, a time to send later, the progress
fragment, and who may do each."""

import datetime

import pytest
from django.utils import timezone

from audit.models import Entry
from events import audiences
from notifications import sending
from notifications.models import Announcement, Delivery, Preference
from tests.events.helpers import answer, deliveries, make_organiser
from tests.factories import RSVPFactory
from tests.mail import run_fan_outs

pytestmark = pytest.mark.django_db


@pytest.fixture
def attendees(event):
    people = {}
    for status in ("yes", "maybe", "no"):
        people[status] = answer(RSVPFactory(event=event, email=f"{status}@example.org"), status)
    return people


def _post(client, event, button="send", **overrides):
    data = {"audience": "yes", "kind": "operational-message", "subject": "The room changed",
            "body": "We meet in **room 4**.", "send_at": "", button: "1", **overrides}  # fmt: skip
    return client.post(f"/manage/events/{event.slug}/messages/", data)


def _to(kind=""):
    return {mail.to for mail in deliveries(kind=kind)}


def test_the_organiser_page_offers_everyone_coming_and_each_answer(client, organiser, event):
    client.force_login(organiser)
    page = client.get(f"/manage/events/{event.slug}/")
    choices = [value for value, _label in page.context["message_form"].fields["audience"].choices]
    assert choices == ["coming", "yes", "maybe", "no", "waitlisted"]
    assert 'id="messages"' in page.content.decode()


def test_a_message_to_yes_reaches_only_yes(client, organiser, event, attendees):
    client.force_login(organiser)
    response = _post(client, event)
    assert response.status_code == 302 and response["Location"].endswith("#messages")
    assert _to("operational-message") == {"yes@example.org"}


def test_everyone_coming_is_yes_maybe_and_the_waitlist(client, organiser, event, attendees):
    client.force_login(organiser)
    _post(client, event, audience="coming")
    assert _to("operational-message") == {"yes@example.org", "maybe@example.org"}


def test_an_operational_message_reaches_a_yes_who_turned_off_invitations_without_unsubscribe(
    client, organiser, event, attendees
):
    Preference.objects.create(email="yes@example.org", invitations=False, newsletters=False)
    client.force_login(organiser)
    _post(client, event)
    [mail] = deliveries(kind="operational-message")
    assert mail.row.status == Delivery.Status.QUEUED and mail.row.category == "transactional"
    assert "room 4" in mail.body_text and "/u/" not in mail.body_text and "/u/" not in mail.body_html


def test_an_announcement_honours_a_turned_off_choice(client, organiser, event, attendees):
    Preference.objects.create(email="yes@example.org", invitations=False)
    client.force_login(organiser)
    _post(client, event, kind="announcement")
    run_fan_outs()
    sending.send_due()
    assert Delivery.objects.get(kind="announcement").status == Delivery.Status.SUPPRESSED


def test_an_operational_message_is_sent_past_a_turned_off_choice(client, organiser, event, attendees, mailoutbox):
    Preference.objects.create(email="yes@example.org", invitations=False, newsletters=False)
    client.force_login(organiser)
    _post(client, event)
    run_fan_outs()
    sending.send_due()
    assert Delivery.objects.get(kind="operational-message").status == Delivery.Status.SENT
    [email] = [m for m in mailoutbox if m.subject == "The room changed"]
    assert email.to == ["yes@example.org"] and "List-Unsubscribe" not in email.extra_headers


def test_a_test_goes_to_the_organiser_alone_marked_and_not_counted(client, organiser, event, attendees):
    client.force_login(organiser)
    _post(client, event, button="test")
    [mail] = deliveries(to=organiser.email)
    assert mail.to == organiser.email and mail.subject.startswith("[Test]")
    assert mail.row.announcement_id is None and not Announcement.objects.exists()
    assert Entry.objects.filter(action="announcement.test", by=organiser).count() == 1


def test_a_scheduled_message_waits_and_can_be_cancelled_by_post(client, organiser, event, attendees):
    client.force_login(organiser)
    later = timezone.now() + datetime.timedelta(days=2)
    _post(client, event, button="schedule", send_at=later.strftime("%Y-%m-%dT%H:%M"))
    message = Announcement.objects.get()
    assert message.status == "scheduled" and abs(message.send_at - later) < datetime.timedelta(minutes=1)
    assert _to("operational-message") == set()
    page = client.get(f"/manage/events/{event.slug}/").content.decode()
    assert "Scheduled for" in page and f"/messages/{message.pk}/cancel/" in page
    assert client.get(f"/manage/events/{event.slug}/messages/{message.pk}/cancel/").status_code == 405
    client.post(f"/manage/events/{event.slug}/messages/{message.pk}/cancel/")
    message.refresh_from_db()
    assert message.status == "cancelled"
    actions = set(Entry.objects.filter(by=organiser).values_list("action", flat=True))
    assert {"announcement.created", "announcement.scheduled", "announcement.cancelled"} <= actions


def test_send_later_is_read_in_the_events_zone(client, organiser, event, attendees):
    event.time_zone = "America/New_York"
    event.save(update_fields=["time_zone"])
    client.force_login(organiser)
    wall = (timezone.now() + datetime.timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    _post(client, event, button="schedule", send_at=wall.strftime("%Y-%m-%dT%H:%M"))
    sent_at = Announcement.objects.get().send_at
    assert sent_at.astimezone(datetime.UTC).hour in (13, 14)  # 09:00 in New York, summer or winter


def test_a_time_in_the_past_is_refused_and_nothing_is_saved(client, organiser, event, attendees):
    client.force_login(organiser)
    earlier = timezone.now() - datetime.timedelta(hours=1)
    _post(client, event, button="schedule", send_at=earlier.strftime("%Y-%m-%dT%H:%M"))
    assert not Announcement.objects.exists()


def test_an_empty_message_is_refused_with_the_form(client, organiser, event):
    client.force_login(organiser)
    response = _post(client, event, subject="")
    assert response.status_code == 400 and not Announcement.objects.exists()


def test_another_organiser_cannot_write_or_cancel_or_read_progress(client, event, attendees, organiser):
    other = make_organiser()
    client.force_login(organiser)
    _post(
        client,
        event,
        button="schedule",
        send_at=(timezone.now() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
    )
    message = Announcement.objects.get()
    client.force_login(other)
    assert _post(client, event).status_code == 404
    assert client.post(f"/manage/events/{event.slug}/messages/{message.pk}/cancel/").status_code == 404
    assert client.get(f"/manage/events/{event.slug}/progress/").status_code == 404
    assert Announcement.objects.count() == 1 and Announcement.objects.get().status == "scheduled"


def test_the_progress_fragment_is_a_get_that_changes_nothing(client, organiser, event, attendees):
    client.force_login(organiser)
    _post(client, event)
    before = list(Delivery.objects.values_list("pk", "status"))
    fragment = client.get(f"/manage/events/{event.slug}/progress/")
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert 'id="message-progress"' in body and 'id="invitation-progress"' in body and "The room changed" in body
    assert list(Delivery.objects.values_list("pk", "status")) == before
    assert client.post(f"/manage/events/{event.slug}/progress/").status_code == 405


def test_the_progress_fragment_is_staff_only(client, event):
    assert client.get(f"/manage/events/{event.slug}/progress/").status_code == 302


def test_the_page_polls_with_a_same_origin_script_and_keeps_a_reload_link(client, organiser, event, attendees):
    client.force_login(organiser)
    _post(client, event)
    page = client.get(f"/manage/events/{event.slug}/").content.decode()
    assert "js/live-progress.js" in page and f'data-live-progress="/manage/events/{event.slug}/progress/"' in page
    assert "Reload to see the latest" in page and "<script>" not in page


def test_a_registered_audience_is_offered_and_reached_without_changing_events_code(client, organiser, event, attendees):
    audiences.register_filter("guests", "People bringing guests", lambda ev: ev.rsvps.filter(email__startswith="maybe"))
    try:
        client.force_login(organiser)
        _post(client, event, audience="guests")
        assert _to("operational-message") == {"maybe@example.org"}
    finally:
        audiences.filters.pop("guests")


def test_the_organiser_page_takes_the_same_queries_for_many_messages(
    client, organiser, event, attendees, django_assert_max_num_queries
):
    client.force_login(organiser)
    _post(client, event)
    with django_assert_max_num_queries(60) as few:
        assert client.get(f"/manage/events/{event.slug}/").status_code == 200
    first = len(few.captured_queries)  # counted now: every request clears the log
    for n in range(5):
        _post(client, event, subject=f"Update {n}", audience="coming")
    with django_assert_max_num_queries(first):
        client.get(f"/manage/events/{event.slug}/")


def test_the_old_announcement_page_of_a_sent_message_opens_the_events_section(client, organiser, event, attendees):
    client.force_login(organiser)
    _post(client, event)
    message = Announcement.objects.get()
    response = client.get(f"/manage/announcements/{message.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/manage/events/{event.slug}/#messages"


def test_an_announcements_progress_fragment_is_staff_only_and_polls_while_sending(client, organiser, event, attendees):
    client.force_login(organiser)
    _post(client, event)
    message = Announcement.objects.get()
    fragment = client.get(f"/manage/announcements/{message.pk}/progress/").content.decode()
    assert 'id="announcement-progress"' in fragment and "data-running" in fragment
    client.logout()
    assert client.get(f"/manage/announcements/{message.pk}/progress/").status_code == 302


def test_the_events_reminder_passes_show_on_its_page_and_in_the_fragment(client, organiser, event, attendees):
    from notifications import fanout

    fanout.start(key=f"event-reminders:{event.pk}:1d:s1", source="events.reminders",
                 params={"event": event.pk, "label": "1d", "offset": 86400, "schedule": 1})  # fmt: skip
    client.force_login(organiser)
    fragment = client.get(f"/manage/events/{event.slug}/progress/").content.decode()
    assert "1d before" in fragment and "data-running" in fragment
    assert "1d before" in client.get(f"/manage/events/{event.slug}/").content.decode()


def test_an_audience_offered_only_where_it_applies(client, organiser, event):
    audiences.register_filter("vip", "VIP ticket holders", lambda ev: ev.rsvps.none(), applies=lambda ev: False)
    try:
        assert "vip" not in [audience.key for audience in audiences.for_event(event)]
        client.force_login(organiser)
        assert _post(client, event, audience="vip").status_code == 400
    finally:
        audiences.filters.pop("vip")


def test_an_audience_key_holds_no_colon():
    with pytest.raises(ValueError):
        audiences.register_filter("ticket:3", "Ticket 3", lambda ev: ev.rsvps.all())
