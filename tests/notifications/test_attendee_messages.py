"""Organisers write only to the attendees of the events they organise; treasurers write
to members. Enforced in the choices offered, on POST, and when a draft is sent."""

import pytest
from django.contrib.auth.models import Group

from audit.models import Entry
from notifications import announcements
from notifications.models import Announcement
from tests.events.helpers import answer
from tests.factories import EventFactory, RSVPFactory, UserFactory

pytestmark = pytest.mark.django_db


def _staff(role: str):
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def world():
    ours, theirs = _staff("Organiser"), _staff("Organiser")
    rivers = EventFactory(title="Forum on clean rivers", organisers=[ours])
    bees = EventFactory(title="Symposium on bees", organisers=[theirs])
    answer(RSVPFactory(event=rivers, email="ann@example.org"), "yes")
    answer(RSVPFactory(event=bees, email="bob@example.org"), "yes")
    return {"ours": ours, "theirs": theirs, "rivers": rivers, "bees": bees}


def _form(segment: str) -> dict:
    return {"subject": "Bring boots", "body": "It is **muddy**.", "category": "newsletters", "segment": segment}


def _options(client) -> set[str]:
    form = client.get("/manage/announcements/new/").context["form"]
    return {value for value, _label in form.fields["segment"].choices if value}


def test_an_organiser_is_offered_only_their_events_attendees(client, world):
    client.force_login(world["ours"])
    rivers = world["rivers"].pk
    audiences = ("coming", "yes", "maybe", "no", "waitlisted")
    assert _options(client) == {f"events:event:{rivers}:{audience}" for audience in audiences}
    page = client.get("/manage/announcements/new/").content.decode()
    assert "Forum on clean rivers" in page and "Symposium on bees" not in page
    assert "Members in good standing" not in page


def test_an_organiser_cannot_post_another_events_segment_or_a_members_segment(client, world):
    client.force_login(world["ours"])
    for segment in (f"events:event:{world['bees'].pk}:yes", "members:good-standing", "members:everyone"):
        response = client.post("/manage/announcements/new/", _form(segment))
        assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
        preview = client.post("/manage/announcements/new/", {**_form(segment), "preview": "1"})
        assert "Preview (not saved)" not in preview.content.decode()
    assert not Announcement.objects.exists()


def test_an_organiser_messages_their_attendees(client, world):
    client.force_login(world["ours"])
    segment = f"events:event:{world['rivers'].pk}:yes"
    client.post("/manage/announcements/new/", _form(segment))
    draft = Announcement.objects.get()
    assert "Send to 1 address" in client.get(f"/manage/announcements/{draft.pk}/").content.decode()
    client.post(f"/manage/announcements/{draft.pk}/send/")
    draft.refresh_from_db()
    assert draft.status == Announcement.Status.SENDING and draft.sent_by == world["ours"]
    assert Entry.objects.filter(action="announcement.started", by=world["ours"]).count() == 1


def test_someone_elses_draft_is_out_of_reach_on_every_page_and_in_the_domain(client, world):
    treasurers = Announcement.objects.create(subject="Dues", body="Pay", segment="members:good-standing")
    bees = Announcement.objects.create(
        subject="Bees", body="Buzz", segment=f"events:event:{world['bees'].pk}:yes", created_by=world["ours"]
    )
    client.force_login(world["ours"])
    listing = client.get("/manage/announcements/").content.decode()
    for draft in (treasurers, bees):
        assert f"/manage/announcements/{draft.pk}/" not in listing
        assert client.get(f"/manage/announcements/{draft.pk}/").status_code == 404
        assert client.get(f"/manage/announcements/{draft.pk}/edit/").status_code == 404
        assert client.post(f"/manage/announcements/{draft.pk}/edit/", _form("members:lapsed")).status_code == 404
        assert client.post(f"/manage/announcements/{draft.pk}/send/").status_code == 404
        with pytest.raises(announcements.AnnouncementError, match="may not write to this audience"):
            announcements.start_sending(announcement_id=draft.pk, by=world["ours"])
    assert set(Announcement.objects.values_list("status", flat=True)) == {Announcement.Status.DRAFT}
    assert not Entry.objects.exists()


def test_a_treasurer_messages_members_and_not_attendees(client, world):
    client.force_login(_staff("Treasurer"))
    assert _options(client) == {"members:good-standing", "members:lapsed", "members:everyone"}
    refused = client.post("/manage/announcements/new/", _form(f"events:event:{world['rivers'].pk}:yes"))
    assert "Select a valid choice" in refused.content.decode() and not Announcement.objects.exists()
    client.post("/manage/announcements/new/", _form("members:good-standing"))
    draft = Announcement.objects.get()
    client.post(f"/manage/announcements/{draft.pk}/send/")
    assert Announcement.objects.get().status == Announcement.Status.SENDING


def test_a_superuser_may_write_to_every_audience(client, world):
    client.force_login(UserFactory(is_superuser=True))
    options = _options(client)
    assert "members:good-standing" in options
    assert {f"events:event:{world['rivers'].pk}:yes", f"events:event:{world['bees'].pk}:yes"} <= options
