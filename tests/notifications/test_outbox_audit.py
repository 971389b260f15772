"""The outbox's staff actions each write one audit row, in the transaction of the change:
send again, mark as sent, suppress an address, allow it again, start sending an
announcement. A refused action writes none; a failed audit row undoes the change."""

import pytest
from django.contrib.auth.models import Group
from django.db.models import Q

import audit.log
from audit.models import Entry
from notifications import access, announcements, registry, sending, suppression
from notifications.models import Announcement, Delivery, Suppression
from notifications.outbox import OutboxError
from notifications.registry import Recipient, SegmentSource
from tests.factories import UserFactory
from tests.notifications.conftest import queue

pytestmark = pytest.mark.django_db
Status = Delivery.Status


@pytest.fixture
def staff(client, monkeypatch):
    """An organiser whose role looks after the test kinds of email and the "club" audience."""
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name="Organiser")[0])
    scope = access.Scope(deliveries=lambda user: Q(kind__startswith="test-"), segments=lambda user: ["club:all"])
    monkeypatch.setitem(access.scopes, "Organiser", scope)
    monkeypatch.setattr(registry, "segment_sources", {})
    registry.register_segment_source(
        "club",
        SegmentSource(
            choices=lambda: [("all", "Everyone in the club")],
            recipients=lambda key, after=0: [Recipient("one@example.org", "One", cursor=1)],
        ),
    )
    client.force_login(user)
    return user


def _entry(action: str) -> Entry:
    [entry] = Entry.objects.filter(action=action)
    return entry


def test_sending_again_is_recorded_with_who_and_what_changed(client, staff):
    delivery = queue("failed", "pat@example.org").delivery
    Delivery.objects.filter(pk=delivery.pk).update(status=Status.FAILED)
    client.post(f"/manage/outbox/{delivery.pk}/retry/")
    entry = _entry("delivery.resent")
    assert entry.by == staff and entry.target_id == str(delivery.pk)
    assert entry.target_label == f"Email {delivery.pk} (test-reminder)" and "pat@" not in entry.target_label
    assert entry.changes["status"] == ["failed", "queued"]
    assert audit.log.label_of("delivery.resent") == "Sent an email again"


def test_marking_as_sent_is_recorded(client, staff):
    delivery = queue("uncertain").delivery
    Delivery.objects.filter(pk=delivery.pk).update(status=Status.UNCERTAIN)
    client.post(f"/manage/outbox/{delivery.pk}/mark-sent/")
    entry = _entry("delivery.marked_sent")
    assert entry.by == staff and entry.changes["status"] == ["uncertain", "sent"]
    assert "sent_at" in entry.changes


def test_a_refused_action_writes_no_row(client, staff):
    delivery = queue("sent").delivery
    Delivery.objects.filter(pk=delivery.pk).update(status=Status.SENT)
    client.post(f"/manage/outbox/{delivery.pk}/retry/")
    client.post(f"/manage/outbox/{delivery.pk}/mark-sent/")
    with pytest.raises(OutboxError):
        sending.retry(delivery_id=delivery.pk, by=staff)
    assert not Entry.objects.exists()


def test_the_change_and_its_audit_row_commit_or_roll_back_together(staff, monkeypatch):
    delivery = queue("failed").delivery
    Delivery.objects.filter(pk=delivery.pk).update(status=Status.FAILED)

    def broken(*args, **kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(audit.log, "record", broken)
    with pytest.raises(RuntimeError):
        sending.retry(delivery_id=delivery.pk, by=staff)
    assert Delivery.objects.get(pk=delivery.pk).status == Status.FAILED


def test_suppressing_and_allowing_again_are_recorded_without_the_address(client, staff):
    client.post("/manage/outbox/suppressions/", {"email": "Gone@Example.org", "detail": "asked by phone"})
    row = Suppression.objects.get()
    added = _entry("suppression.added")
    assert added.by == staff and added.reason == "asked by phone"
    assert added.target_label == f"Suppression {row.pk}"
    assert added.changes["email"] == ["(changed)", "(changed)"] and added.changes["reason"] == [None, "staff"]
    client.post("/manage/outbox/suppressions/", {"email": "gone@example.org", "detail": "again"})
    assert Entry.objects.filter(action="suppression.added").count() == 1, "already suppressed: nothing changed"

    client.post(f"/manage/outbox/suppressions/{row.pk}/lift/")
    lifted = _entry("suppression.lifted")
    assert lifted.by == staff and lifted.target_id == str(row.pk)
    assert lifted.changes["lifted_by"] == [None, staff.pk] and lifted.changes["lifted_at"][0] is None
    assert "gone@example.org" not in str(lifted.changes) + lifted.target_label


def test_allowing_an_address_again_keeps_its_history(client, staff):
    suppressed, _created = suppression.suppress(email="gone@example.org", reason=Suppression.Reason.BOUNCED)
    assert queue("blocked", "gone@example.org").delivery.status == Status.SUPPRESSED
    suppression.lift(suppression_id=suppressed.pk, by=staff)
    with pytest.raises(suppression.SuppressionError):
        suppression.lift(suppression_id=suppressed.pk, by=staff)
    response = client.post(f"/manage/outbox/suppressions/{suppressed.pk}/lift/", follow=True)
    assert "already allowed again" in response.content.decode()
    assert queue("allowed", "gone@example.org").delivery.status == Status.QUEUED
    # Suppressed again later: a new row; the lifted one stays.
    again, created = suppression.suppress(email="gone@example.org", reason=Suppression.Reason.COMPLAINED)
    assert created and again.pk != suppressed.pk and Suppression.objects.count() == 2
    assert queue("blocked-again", "gone@example.org").delivery.status == Status.SUPPRESSED
    page = client.get("/manage/outbox/suppressions/").content.decode()
    assert "Allowed again" in page and f"by {staff.email}" in page


def test_starting_to_send_an_announcement_is_recorded(client, staff):
    announcement = Announcement.objects.create(subject="Meeting", body="Friday", segment="club:all")
    client.post(f"/manage/announcements/{announcement.pk}/send/")
    entry = _entry("announcement.started")
    assert entry.by == staff and entry.target_id == str(announcement.pk)
    assert entry.changes["status"] == ["draft", "sending"] and entry.changes["sent_by"] == [None, staff.pk]
    with pytest.raises(announcements.AnnouncementError):
        announcements.start_sending(announcement_id=announcement.pk, by=staff)
    assert Entry.objects.filter(action="announcement.started").count() == 1
