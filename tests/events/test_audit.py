"""Every organiser's action on an event writes its audit entry, in the change's transaction."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from audit import log
from audit.models import Entry
from events import checkin, organising
from events.models import RSVP, Event
from tests.events.helpers import answer, edit_form, entries, make_organiser, yes_rsvps
from tests.factories import EventFactory, RSVPFactory

pytestmark = pytest.mark.django_db


def _manage(name, event):
    return reverse(f"events:{name}", args=[event.slug])


def test_creating_an_event_records_who_and_its_main_facts(client, organiser):
    client.force_login(organiser)
    data = edit_form(EventFactory.build(title="Winter lecture", capacity=30), time_zone="Europe/Paris")
    data.update(starts_at="2031-12-03T18:30", ends_at="2031-12-03T20:00")
    assert client.post(reverse("events:manage-create"), data).status_code == 302
    event = Event.objects.get(title="Winter lecture")
    [entry] = entries(event)
    assert entry.action == "event.created" and entry.by == organiser and entry.target_label == "Winter lecture"
    assert entry.changes["capacity"] == [None, 30] and entry.changes["status"] == [None, "draft"]
    assert entry.changes["starts_at"] == [None, "2031-12-03T17:30:00+00:00"]


def test_editing_records_each_changed_field_before_and_after_with_the_capacity(client, organiser):
    event = EventFactory(organisers=[organiser], capacity=1, venue_name="Town Hall")
    yes_rsvps(event, 1)
    answer(RSVPFactory(event=event), "yes")  # waitlisted
    client.force_login(organiser)
    data = edit_form(event, capacity="2", venue_name="The Old Library")
    assert client.post(_manage("manage-edit", event), data).status_code == 302
    [entry] = entries(event, "event.edited")
    assert entry.by == organiser
    assert entry.changes == {
        "capacity": [1, 2],
        "seats_taken": [1, 2],
        "venue_name": ["Town Hall", "The Old Library"],
    }


def test_an_edit_that_changes_nothing_records_nothing(client, organiser, event):
    client.force_login(organiser)
    assert client.post(_manage("manage-edit", event), edit_form(event)).status_code == 302
    assert entries(event) == []


def test_changing_the_organisers_is_recorded_by_account_key(client, organiser, event):
    other = make_organiser()
    client.force_login(organiser)
    client.post(_manage("manage-edit", event), edit_form(event, organisers=[str(other.pk)]))
    [entry] = entries(event, "event.edited")
    assert entry.changes == {"organisers": [[organiser.pk], sorted([organiser.pk, other.pk])]}


def test_publishing_records_the_status_change(client, organiser):
    event = EventFactory(organisers=[organiser], status="draft", published_at=None)
    client.force_login(organiser)
    client.post(_manage("manage-publish", event))
    [entry] = entries(event)
    assert entry.action == "event.published" and entry.by == organiser
    assert entry.changes["status"] == ["draft", "published"]
    assert entry.changes["published_at"][0] is None and entry.changes["published_at"][1]


def test_cancelling_records_the_message_as_the_reason(client, organiser, event):
    client.force_login(organiser)
    client.post(_manage("manage-cancel", event), {"message": "The hall flooded."})
    [entry] = entries(event)
    assert entry.action == "event.cancelled"
    assert entry.changes == {"status": ["published", "cancelled"]}
    assert entry.reason == "The hall flooded."


def test_moving_records_the_dates_before_and_after_and_the_message(client, organiser, event):
    client.force_login(organiser)
    old_start, old_end = event.starts_at, event.ends_at
    data = {"starts_at": "2032-02-01T18:00", "ends_at": "2032-02-01T20:00", "message": "The hall is booked."}
    assert client.post(_manage("manage-reschedule", event), data).status_code == 302
    [entry] = entries(event)
    assert entry.action == "event.rescheduled" and entry.reason == "The hall is booked."
    assert entry.changes == {
        "starts_at": [old_start.isoformat(), "2032-02-01T18:00:00+00:00"],
        "ends_at": [old_end.isoformat(), "2032-02-01T20:00:00+00:00"],
    }


def test_a_refused_change_writes_no_entry(organiser):
    event = EventFactory(organisers=[organiser], status="cancelled")
    with pytest.raises(organising.EventChangeRefused):
        organising.cancel(event_id=event.pk, message="Again", by=organiser)
    assert not Entry.objects.exists()


def test_duplicating_records_one_entry_on_the_copy_naming_the_original(client, organiser, event):
    client.force_login(organiser)
    client.post(_manage("manage-duplicate", event))
    copy = Event.objects.exclude(pk=event.pk).get()
    [entry] = entries(copy)
    assert entry.action == "event.duplicated" and entry.changes["copied_from"] == [None, event.pk]
    assert entries(event) == []


def test_inviting_a_list_records_the_invitation_and_how_many_addresses_but_none_of_them(client, organiser, event):
    client.force_login(organiser)
    pasted = "ann@example.org\nbob@example.org, Cleo <cleo@example.org>"
    client.post(_manage("manage-invite", event), {"segment": "emails", "emails": pasted})
    invitation = event.invitations.get()
    [entry] = entries(event)
    assert entry.action == "event.invited" and entry.by == organiser
    assert entry.changes == {"invitation": [None, invitation.pk], "segment": [None, "emails"], "addresses": [None, 3]}
    assert "example.org" not in str(entry.changes) + entry.reason + entry.target_label


def test_checking_in_and_undoing_it_are_recorded_on_the_answer_without_the_persons_name(client, organiser, event):
    person = RSVPFactory(event=event, name="Ada Lovelace", email="ada@example.org")
    answer(person, "yes")
    client.force_login(organiser)
    mark = reverse("events:check-in-mark", args=[event.slug, person.pk])
    client.post(mark)
    client.post(mark)  # pressed twice: the first time stands, and one entry
    client.post(mark, {"undo": "1"})
    undone, arrived = entries(person)
    assert arrived.action == "rsvp.checked_in" and undone.action == "rsvp.check_in_undone"
    assert arrived.changes["checked_in_at"][0] is None and arrived.changes["checked_in_at"][1]
    assert undone.changes["checked_in_at"] == [arrived.changes["checked_in_at"][1], None]
    assert arrived.target_label == f"Answer {person.pk} to {event.title}"
    assert "Ada" not in arrived.target_label and "ada@" not in arrived.target_label


def test_the_qr_code_check_in_is_recorded_too(client, organiser, event):
    person = RSVPFactory(event=event)
    answer(person, "yes")
    client.force_login(organiser)
    client.post(checkin.door_path(person))
    [entry] = entries(person)
    assert entry.action == "rsvp.checked_in" and entry.by == organiser


def test_downloading_the_answers_is_recorded_with_the_number_of_rows(client, organiser, event):
    yes_rsvps(event, 3)
    client.force_login(organiser)
    response = client.post(_manage("manage-rsvps-csv", event))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    [entry] = entries(event)
    assert entry.action == "event.answers_exported" and entry.by == organiser
    assert entry.changes == {"rows": [None, len(rows) - 1]} == {"rows": [None, 3]}


def test_each_action_reads_in_words_in_the_log():
    codes = [
        "event.created", "event.edited", "event.published", "event.cancelled", "event.rescheduled",
        "event.duplicated", "event.invited", "event.answers_exported", "rsvp.checked_in", "rsvp.check_in_undone",
        "event.door_helper_added", "event.door_helper_removed",
    ]  # fmt: skip
    assert all(log.label_of(code) != code for code in codes)


def test_an_answers_label_names_the_event_and_not_the_person(event):
    person = RSVP(pk=123, event=event, name="Ada Lovelace", email="ada@example.org")
    assert log.audit_label(person) == f"Answer 123 to {event.title}"
    assert log.audit_label(event) == event.title


def test_the_demo_check_ins_keep_their_times_and_are_recorded(organiser):
    event = EventFactory(organisers=[organiser])
    person = RSVPFactory(event=event)
    answer(person, "yes")
    at = timezone.now() - datetime.timedelta(minutes=5)
    checkin.check_in(event=event, rsvp_id=person.pk, by=None, now=at)
    [entry] = entries(person)
    assert entry.by is None and entry.changes["checked_in_at"] == [None, at.isoformat()]


def test_a_get_of_the_answers_csv_hands_out_nothing_and_records_nothing(client, organiser, event):
    yes_rsvps(event, 2)
    client.force_login(organiser)
    assert client.get(_manage("manage-rsvps-csv", event)).status_code == 405
    assert entries(event) == []
