"""The organiser's event page shows the event's own history, newest first."""

import datetime

import pytest
from django.urls import reverse

from events import history, organising
from tests.events.helpers import edit_form
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def _page(client, event):
    return client.get(reverse("events:manage-event", args=[event.slug])).content.decode()


def test_the_history_shows_who_did_what_newest_first_with_the_capacity_change(client, organiser):
    event = EventFactory(organisers=[organiser], capacity=40, time_zone="Europe/Paris")
    client.force_login(organiser)
    client.post(reverse("events:manage-edit", args=[event.slug]), edit_form(event, capacity="60"))
    client.post(reverse("events:manage-cancel", args=[event.slug]), {"message": "The hall flooded."})
    page = _page(client, event)
    section = page[page.index('id="history-heading"') :]
    assert section.index("Cancelled an event") < section.index("Edited an event")
    assert "Capacity: 40 → 60" in section and "The hall flooded." in section
    assert organiser.email in section


def test_the_history_links_to_the_events_entries_in_the_audit_log(client, organiser, event):
    client.force_login(organiser)
    assert f'href="/manage/audit/?target_type=event&amp;target_id={event.pk}"' in _page(client, event)


def test_an_event_with_no_entries_says_so(client, organiser, event):
    client.force_login(organiser)
    assert "Nothing recorded yet." in _page(client, event)


def test_times_read_in_the_events_zone_and_new_facts_without_arrows(organiser):
    event = EventFactory(organisers=[organiser], time_zone="Europe/Paris", capacity=None)
    changes = {"starts_at": ["2031-06-12T16:00:00+00:00", "2031-06-13T16:00:00+00:00"], "capacity": [None, 20]}
    assert history.summary(changes, event) == [
        "Capacity: no limit → 20",
        "Starts at: 12 Jun 2031 18:00 → 13 Jun 2031 18:00",
    ]
    assert history.summary({"invitation": [None, 7], "addresses": [None, 3]}, event, arrows=False) == [
        "Addresses: 3",
        "Invitation: 7",
    ]
    assert history.summary({"door_helpers": [[1], [1, 2]]}, event) == ["Door helpers: 1 → 2"]


def test_a_kind_a_status_and_a_visibility_read_in_words_not_as_stored_codes(organiser):
    event = EventFactory(organisers=[organiser])
    changes = {"kind": ["forum", "congress"], "status": ["draft", "published"], "visibility": ["public", "members"]}
    assert history.summary(changes, event) == [
        "Status: Draft → Published",
        "Kind: Forum → Congress",
        "Visibility: Public → Members only",
    ]
    assert history.summary({"kind": [None, "lecture"]}, event, arrows=False) == ["Kind: Lecture"]
    published = {"published_at": [None, "2031-06-03T07:19:00+00:00"]}
    assert history.summary(published, event) == ["Published at: none → 3 Jun 2031 07:19"], "as the When column: no 03"
    assert history.summary({"title": ["draft", "forum"]}, event) == ["Title: draft → forum"], "only fields with choices"


def test_the_page_shows_the_latest_ten(client, organiser, event):
    for capacity in range(51, 63):
        organising.update_event(event_id=event.pk, changes={"capacity": capacity}, by=organiser)
    client.force_login(organiser)
    page = _page(client, event)
    assert "Capacity: 61 → 62" in page and "Capacity: 52 → 53" in page and "Capacity: 51 → 52" not in page


def test_the_event_page_takes_the_same_queries_for_a_longer_history(
    client, organiser, event, django_assert_max_num_queries
):
    organising.update_event(event_id=event.pk, changes={"capacity": 51}, by=organiser)
    client.force_login(organiser)
    with django_assert_max_num_queries(30) as few:
        _page(client, event)
    for capacity in range(52, 60):
        organising.update_event(event_id=event.pk, changes={"capacity": capacity}, by=organiser)
    later = event.ends_at + datetime.timedelta(hours=1)
    organising.reschedule(event_id=event.pk, starts_at=event.starts_at, ends_at=later, by=organiser)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = _page(client, event)
    assert page.count("Edited an event") == 9
