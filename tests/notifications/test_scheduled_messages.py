"""Scheduled messages are started by the dispatcher when their time comes, on behalf of
the person who scheduled them; a cancelled one never goes out. The kinds say which
messages reach everyone."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from audit.models import Entry
from notifications import kinds, messages, reminders
from notifications.announcements import AnnouncementError
from notifications.models import Announcement, Delivery
from tests.events.helpers import answer
from tests.factories import EventFactory, RSVPFactory, UserFactory
from tests.mail import run_fan_outs

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    organiser = UserFactory()
    organiser.groups.add(Group.objects.get_or_create(name="Organiser")[0])
    event = EventFactory(organisers=[organiser])
    answer(RSVPFactory(event=event, email="ann@example.org"), "yes")
    draft = messages.Draft("Bring boots", "It is *muddy*.", kinds.OPERATIONAL, f"events:event:{event.pk}:yes",
                           "transactional")  # fmt: skip
    return organiser, draft


def _sent_to():
    run_fan_outs()
    return set(Delivery.objects.filter(kind=kinds.OPERATIONAL).values_list("to", flat=True))


def test_the_dispatcher_starts_a_scheduled_message_when_its_time_comes(setting):
    organiser, draft = setting
    at = timezone.now() + datetime.timedelta(hours=3)
    message = messages.schedule(draft, send_at=at, by=organiser)
    reminders.dispatch(now=at - datetime.timedelta(minutes=1), once_per_minute=False)
    assert _sent_to() == set()
    with time_machine.travel(at + datetime.timedelta(seconds=30), tick=False):
        assert reminders.dispatch(now=timezone.now(), once_per_minute=False)["scheduled-messages"] == 1
    assert _sent_to() == {"ann@example.org"}
    message.refresh_from_db()
    assert message.status == Announcement.Status.SENT and message.sent_by == organiser
    assert Entry.objects.filter(action="announcement.started", by=organiser).count() == 1
    assert reminders.dispatch(now=at + datetime.timedelta(minutes=5), once_per_minute=False)["scheduled-messages"] == 0


def test_a_cancelled_message_is_never_sent(setting):
    organiser, draft = setting
    at = timezone.now() + datetime.timedelta(hours=1)
    message = messages.schedule(draft, send_at=at, by=organiser)
    messages.cancel(announcement_id=message.pk, by=organiser)
    with time_machine.travel(at + datetime.timedelta(minutes=1), tick=False):
        messages.send_due(timezone.now())
    assert _sent_to() == set()
    with pytest.raises(AnnouncementError):
        messages.cancel(announcement_id=message.pk, by=organiser)
    assert Entry.objects.filter(action="announcement.cancelled").count() == 1


def test_a_message_cannot_be_scheduled_in_the_past(setting):
    organiser, draft = setting
    with pytest.raises(AnnouncementError):
        messages.schedule(draft, send_at=timezone.now() - datetime.timedelta(minutes=1), by=organiser)
    assert not Announcement.objects.exists()


def test_someone_else_cannot_write_to_or_cancel_an_events_audience(setting):
    organiser, draft = setting
    stranger = UserFactory()
    stranger.groups.add(Group.objects.get(name="Organiser"))
    with pytest.raises(AnnouncementError):
        messages.send_now(draft, by=stranger)
    message = messages.schedule(draft, send_at=timezone.now() + datetime.timedelta(days=1), by=organiser)
    with pytest.raises(AnnouncementError):
        messages.cancel(announcement_id=message.pk, by=stranger)
    assert Announcement.objects.get().status == Announcement.Status.SCHEDULED


def test_a_cancel_from_another_events_page_is_refused(setting):
    organiser, draft = setting
    message = messages.schedule(draft, send_at=timezone.now() + datetime.timedelta(days=1), by=organiser)
    with pytest.raises(AnnouncementError):
        messages.cancel(announcement_id=message.pk, by=organiser, segment_prefix="events:event:0:")


def test_operational_is_an_explicit_kind_and_announcements_are_not():
    assert kinds.is_operational(kinds.OPERATIONAL) and not kinds.is_operational(kinds.ANNOUNCEMENT)
    assert kinds.kind_label(kinds.OPERATIONAL) == "Operational message to attendees"


def test_a_scheduled_message_its_writer_may_no_longer_send_is_cancelled_with_why(setting):
    organiser, draft = setting
    at = timezone.now() + datetime.timedelta(hours=1)
    message = messages.schedule(draft, send_at=at, by=organiser)
    organiser.groups.clear()
    organiser = type(organiser).objects.get(pk=organiser.pk)  # no cached roles
    assert messages.send_due(at + datetime.timedelta(minutes=1)) == 0
    message.refresh_from_db()
    assert message.status == Announcement.Status.CANCELLED and _sent_to() == set()
    entry = Entry.objects.get(action="announcement.cancelled")
    assert entry.by is None and "may not write" in entry.reason
