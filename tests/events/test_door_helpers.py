"""Door helpers: named by an event's organisers, they work that event's door and nothing else."""

import pytest
from django.urls import reverse

from events import checkin, door_helpers
from members.roles import DOOR_HELPER, role_names
from tests.events.helpers import answer, entries, make_organiser
from tests.factories import EventFactory, RSVPFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def helper(db):
    return UserFactory(email="dora@example.org")


@pytest.fixture
def helping(event, helper, organiser):
    """`event` with `helper` named at its door."""
    door_helpers.add_door_helper(event=event, email=helper.email, by=organiser)
    return event


def _door(event):
    return reverse("events:check-in", args=[event.slug])


def _add(client, event, email):
    return client.post(reverse("events:manage-door-helper-add", args=[event.slug]), {"email": email})


def test_an_organiser_adds_a_helper_by_the_email_of_their_account(client, organiser, event, helper):
    client.force_login(organiser)
    response = _add(client, event, "Dora@Example.org ")
    assert response.status_code == 302 and response["Location"].endswith("#door-helpers")
    assert list(event.door_helpers.all()) == [helper]
    helper.refresh_from_db()
    assert DOOR_HELPER in role_names(helper)
    [entry] = entries(event)
    assert entry.action == "event.door_helper_added" and entry.by == organiser
    assert entry.changes == {"door_helpers": [[], [helper.pk]]}
    assert "dora" not in entry.target_label


def test_an_unknown_email_is_refused_clearly_and_changes_nothing(client, organiser, event):
    client.force_login(organiser)
    response = _add(client, event, "nobody@example.org")
    assert response.status_code == 400
    assert "No account uses nobody@example.org" in response.content.decode()
    assert not event.door_helpers.exists() and entries(event) == []


def test_a_malformed_email_is_refused(client, organiser, event):
    client.force_login(organiser)
    response = _add(client, event, "not an address")
    assert response.status_code == 400 and "valid email" in response.content.decode()


def test_adding_the_same_helper_twice_is_refused(organiser, helping, helper):
    with pytest.raises(door_helpers.DoorHelperRefused, match="already"):
        door_helpers.add_door_helper(event=helping, email=helper.email, by=organiser)
    assert len(entries(helping)) == 1


def test_the_event_page_lists_its_helpers_with_a_remove_button(client, organiser, helping, helper):
    client.force_login(organiser)
    page = client.get(reverse("events:manage-event", args=[helping.slug])).content.decode()
    assert "Door helpers" in page and "dora@example.org" in page
    assert reverse("events:manage-door-helper-remove", args=[helping.slug, helper.pk]) in page


def test_a_helper_checks_people_in_at_their_event(client, helping, helper):
    person = RSVPFactory(event=helping, name="Ada Lovelace")
    answer(person, "yes")
    client.force_login(helper)
    page = client.get(_door(helping))
    assert page.status_code == 200 and "Ada Lovelace" in page.content.decode()
    assert f'href="{reverse("events:manage-event", args=[helping.slug])}"' not in page.content.decode()
    assert f'href="{reverse("events:door-lists")}"' in page.content.decode()
    client.post(reverse("events:check-in-mark", args=[helping.slug, person.pk]))
    person.refresh_from_db()
    assert person.checked_in_at is not None
    client.post(reverse("events:check-in-mark", args=[helping.slug, person.pk]), {"undo": "1"})
    person.refresh_from_db()
    assert person.checked_in_at is None
    assert [entry.action for entry in entries(person)] == ["rsvp.check_in_undone", "rsvp.checked_in"]
    assert all(entry.by == helper for entry in entries(person))


def test_a_helper_uses_the_qr_codes_of_their_event(client, helping, helper):
    person = RSVPFactory(event=helping)
    answer(person, "yes")
    client.force_login(helper)
    assert client.get(checkin.door_path(person)).status_code == 200
    client.post(checkin.door_path(person))
    person.refresh_from_db()
    assert person.checked_in_at is not None


def test_a_helper_is_refused_another_events_door_and_its_qr_codes(client, helping, helper):
    other = EventFactory(organisers=[make_organiser()])
    stranger = RSVPFactory(event=other)
    answer(stranger, "yes")
    client.force_login(helper)
    assert client.get(_door(other)).status_code == 403
    assert client.post(reverse("events:check-in-mark", args=[other.slug, stranger.pk])).status_code == 403
    assert client.get(checkin.door_path(stranger)).status_code == 403
    stranger.refresh_from_db()
    assert stranger.checked_in_at is None


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("events:manage-event", "get"),
        ("events:manage-edit", "get"),
        ("events:manage-rsvps", "get"),
        ("events:manage-rsvps-csv", "post"),
        ("events:manage-invite", "post"),
        ("events:manage-cancel", "get"),
        ("events:manage-door-helper-add", "post"),
    ],
)
def test_a_helper_opens_nothing_else_of_their_own_event(client, helping, helper, name, method):
    client.force_login(helper)
    assert getattr(client, method)(reverse(name, args=[helping.slug])).status_code == 403


@pytest.mark.parametrize(
    "name", ["events:manage-list", "events:manage-create", "notifications:outbox", "notifications:announcements"]
)
def test_a_helper_opens_no_other_staff_page(client, helping, helper, name):
    client.force_login(helper)
    assert client.get(reverse(name)).status_code == 403


def test_the_manage_link_takes_a_helper_to_their_door_lists(client, helping, helper):
    client.force_login(helper)
    home = client.get("/").content.decode()
    assert 'href="/manage/"' in home
    response = client.get("/manage/")
    assert response.status_code == 302 and response["Location"] == reverse("events:door-lists")
    page = client.get(reverse("events:door-lists")).content.decode()
    assert _door(helping) in page and helping.title in page


def test_the_door_lists_show_only_the_helpers_events(client, helping, helper):
    other = EventFactory(title="Not their evening")
    client.force_login(helper)
    page = client.get(reverse("events:door-lists")).content.decode()
    assert _door(other) not in page and "Not their evening" not in page


def test_an_online_only_event_has_no_door_to_list_or_check_in_at(client, organiser):
    online = EventFactory(organisers=[organiser], title="Lecture on the web", venue_name="", venue_address="",
                          online_url="https://meet.example.org/lecture")  # fmt: skip
    hybrid = EventFactory(organisers=[organiser], title="Forum in the hall", online_url="https://meet.example.org/f")
    client.force_login(organiser)
    doors = client.get(reverse("events:door-lists")).content.decode()
    assert "Forum in the hall" in doors and "Lecture on the web" not in doors
    page = client.get(reverse("events:manage-event", args=[online.slug])).content.decode()
    assert "Check-in at the door" not in page and 'id="door-helpers"' not in page
    page = client.get(reverse("events:manage-event", args=[hybrid.slug])).content.decode()
    assert "Check-in at the door" in page and 'id="door-helpers"' in page


def test_the_door_lists_take_the_same_queries_for_more_events(
    client, organiser, helping, helper, django_assert_max_num_queries
):
    client.force_login(helper)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("events:door-lists"))
    for _ in range(5):
        door_helpers.add_door_helper(event=EventFactory(organisers=[organiser]), email=helper.email, by=organiser)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("events:door-lists")).content.decode()
    assert page.count("Check-in: ") == 6


def test_removing_a_helper_takes_their_door_away(client, organiser, helping, helper):
    client.force_login(organiser)
    response = client.post(reverse("events:manage-door-helper-remove", args=[helping.slug, helper.pk]))
    assert response.status_code == 302
    assert not helping.door_helpers.exists()
    removed, _added = entries(helping)
    assert removed.action == "event.door_helper_removed"
    assert removed.changes == {"door_helpers": [[helper.pk], []]}
    helper.refresh_from_db()
    assert DOOR_HELPER not in role_names(helper)
    client.force_login(helper)
    assert client.get(_door(helping)).status_code == 403
    assert 'href="/manage/"' not in client.get("/").content.decode()


def test_a_helper_at_two_doors_keeps_the_role_until_the_last_goes(organiser, helping, helper):
    second = EventFactory(organisers=[organiser])
    door_helpers.add_door_helper(event=second, email=helper.email, by=organiser)
    door_helpers.remove_door_helper(event=helping, user=helper, by=organiser)
    helper = type(helper).objects.get(pk=helper.pk)
    assert DOOR_HELPER in role_names(helper)


def test_an_organiser_of_the_event_is_not_added_as_its_helper(organiser, event):
    with pytest.raises(door_helpers.DoorHelperRefused, match="organises this event"):
        door_helpers.add_door_helper(event=event, email=organiser.email, by=organiser)


def test_removing_someone_who_is_not_a_helper_is_404(client, organiser, event, helper):
    client.force_login(organiser)
    response = client.post(reverse("events:manage-door-helper-remove", args=[event.slug, helper.pk]))
    assert response.status_code == 404 and entries(event) == []


def test_another_organiser_cannot_name_helpers_for_an_event_not_theirs(client, event, helper):
    client.force_login(make_organiser())
    assert _add(client, event, helper.email).status_code == 404
    assert not event.door_helpers.exists()
