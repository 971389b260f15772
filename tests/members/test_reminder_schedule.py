"""/manage/reminders/: dues reminder offsets (treasurers) and the reminders new events
start with (organisers), validated, each change in the audit log; the dispatcher and
the event form follow what is saved."""

import datetime

import pytest

from audit.models import Entry
from members import reminder_schedule, reminders
from members.models import ReminderSchedule
from notifications.models import Delivery
from tests.factories import TermFactory
from tests.mail import run_fan_outs

pytestmark = pytest.mark.django_db

URL = "/manage/reminders/"
NOW = datetime.datetime(2026, 6, 15, 9, 0, tzinfo=datetime.UTC)


def _dues(client, before="30, 7, 0", after="14, 60"):
    return client.post(URL, {"section": "dues", "days_before_end": before, "days_after_grace": after})


def test_until_saved_the_environment_gives_the_offsets(client, treasurer, settings):
    settings.RENEWAL_REMINDER_DAYS_BEFORE_END = [45, 5]
    settings.RENEWAL_REMINDER_DAYS_AFTER_GRACE = [20]
    client.force_login(treasurer)
    page = client.get(URL).content.decode()
    assert 'value="45, 5"' in page and 'value="20"' in page and "7d 1d 2h" in page
    assert not ReminderSchedule.objects.exists(), "a GET changes nothing"


def test_a_treasurer_sets_dues_offsets_and_the_audit_log_keeps_the_change(client, treasurer):
    client.force_login(treasurer)
    response = _dues(client, before="60, 10", after="90")
    assert response.status_code == 302
    schedule = reminder_schedule.current()
    assert (schedule.days_before_end, schedule.days_after_grace) == ([60, 10], [90])
    entry = Entry.objects.get(action="reminders.dues_changed")
    assert entry.by == treasurer and entry.changes["days_after_grace"][1] == [90]


@pytest.mark.parametrize(
    ("before", "after", "message"),
    [
        ("30, a week", "14", "is not a whole number of days"),
        ("2.5", "14", "is not a whole number of days"),
        ("-3", "14", "is not a whole number of days"),
        ("30", "400", "is out of range; use whole days from 0 to 365"),
        ("1, 2, 3, 4, 5, 6, 7", "14", "Six reminders at most."),
    ],
)
def test_bad_offsets_get_a_clear_message_and_change_nothing(client, treasurer, before, after, message):
    client.force_login(treasurer)
    response = _dues(client, before=before, after=after)
    assert response.status_code == 400 and message in response.content.decode()
    assert not ReminderSchedule.objects.exists() and not Entry.objects.exists()


def test_an_organiser_may_not_change_dues_offsets(client, organiser):
    client.force_login(organiser)
    assert _dues(client).status_code == 403
    assert not ReminderSchedule.objects.exists()


def test_a_treasurer_may_not_change_event_defaults(client, treasurer):
    client.force_login(treasurer)
    assert client.post(URL, {"section": "events", "event_offsets": "3d"}).status_code == 403


def test_a_member_without_a_role_may_not_see_the_page(client, member):
    client.force_login(member.user)
    assert client.get(URL).status_code == 403


def test_an_organiser_sets_the_reminders_new_events_start_with(client, organiser):
    client.force_login(organiser)
    assert client.post(URL, {"section": "events", "event_offsets": "3d, 3h 3d"}).status_code == 302
    assert reminder_schedule.current().event_offsets == "3d 3h"
    assert Entry.objects.get(action="reminders.event_defaults_changed").by == organiser
    from events.forms import EventForm

    assert EventForm().initial["reminder_offsets"] == "3d 3h"


def test_bad_event_offsets_are_refused(client, organiser):
    client.force_login(organiser)
    response = client.post(URL, {"section": "events", "event_offsets": "tomorrow"})
    assert response.status_code == 400 and "is not a reminder time" in response.content.decode()


def test_the_manage_home_links_the_page(client, treasurer):
    client.force_login(treasurer)
    assert f'href="{URL}"' in client.get("/manage/").content.decode()


def test_the_dispatcher_follows_the_saved_offsets(treasurer):
    reminder_schedule.change_dues_offsets(days_before_end=[50], days_after_grace=[], by=treasurer)
    end = NOW.date() + datetime.timedelta(days=50)
    term = TermFactory(start=end - datetime.timedelta(days=364), end=end)
    TermFactory(start=NOW.date() - datetime.timedelta(days=357), end=NOW.date() + datetime.timedelta(days=7))
    reminders.queue_renewal_reminders(NOW)
    run_fan_outs()
    assert set(Delivery.objects.values_list("key", flat=True)) == {f"renewal:{term.member_id}:{term.pk}:-50d"}


def test_the_audit_log_links_a_change_to_the_reminders_page(client, treasurer):
    client.force_login(treasurer)
    _dues(client, before="20", after="30")
    page = client.get("/manage/audit/").content.decode()
    assert "Changed when dues reminders are sent" in page and f'href="{URL}"' in page
