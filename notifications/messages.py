"""Messages staff write to an audience from the page it belongs to (an event's
attendees): written and sent now, sent as a test to the writer, or scheduled for a
time and started by the dispatcher when it comes. Each is an `Announcement`, sent by
the announcements fan-out; this module adds the writing, the test and the schedule.
"""

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from notifications import access, announcements, fanout, outbox
from notifications.announcements import AnnouncementError
from notifications.models import Announcement, Category, Delivery

audit.log.describe("announcement.created", gettext_lazy("Wrote a message to attendees or an announcement"))
audit.log.describe("announcement.scheduled", gettext_lazy("Scheduled an announcement or a message to attendees"))
audit.log.describe("announcement.cancelled", gettext_lazy("Cancelled a scheduled announcement or message to attendees"))
audit.log.describe("announcement.test", gettext_lazy("Sent a test of a message to themselves"))


@dataclass(frozen=True)
class Draft:
    subject: str
    body: str
    kind: str
    segment: str
    category: str = Category.NEWSLETTERS


def _check(draft: Draft, *, by) -> str:
    """The audience's label, once the writer may use it; refused otherwise."""
    choices = dict(announcements.segment_choices())
    if draft.segment not in choices:
        raise AnnouncementError(_("That audience no longer exists; choose another."))
    if by is not None and not access.may_use_segment(by, draft.segment):
        raise AnnouncementError(_("You may not write to this audience; choose one of your own."))
    if not announcements.markdown_to_html(draft.body).strip():
        raise AnnouncementError(_("Write the message: it is empty once formatting is removed."))
    return choices[draft.segment]


def write(draft: Draft, *, by) -> Announcement:
    """Save a message as a draft to its audience, with its audit row."""
    label = _check(draft, by=by)
    with transaction.atomic():
        announcement = Announcement.objects.create(
            subject=draft.subject, body=draft.body, kind=draft.kind, category=draft.category,
            segment=draft.segment, segment_label=label, created_by=by,
        )  # fmt: skip
        audit.log.record(by, "announcement.created", announcement)
    return announcement


def send_now(draft: Draft, *, by) -> Announcement:
    """Write the message and start sending it to its audience when this commits."""
    with transaction.atomic():
        announcement = write(draft, by=by)
        return announcements.start_sending(announcement_id=announcement.pk, by=by)


def send_test(draft: Draft, *, by) -> str:
    """Queue the message to its writer alone, as an attendee would get it, marked as a
    test. It is not an announcement's delivery, so no fan-out counts it. Returns the key."""
    _check(draft, by=by)
    key = f"announcement-test:{by.pk}:{uuid.uuid4().hex}"
    facts = {"test": True, "subject": draft.subject, "body": draft.body, "name": by.get_full_name()}
    with transaction.atomic():
        # A test is always delivered to its writer, like a receipt: they asked for it.
        outbox.queue(key=key, kind=draft.kind, to=by.email, facts=facts, category=Category.TRANSACTIONAL,
                     user_id=by.pk)  # fmt: skip
        audit.log.record(by, "announcement.test", None, label=f"{draft.segment}: {draft.subject}")
    return key


def schedule(draft: Draft, *, send_at, by) -> Announcement:
    """Write the message to be sent at `send_at` (aware; stored in UTC)."""
    if send_at is None or send_at <= timezone.now():
        raise AnnouncementError(_("Choose a time in the future to send it."))
    with transaction.atomic():
        announcement = write(draft, by=by)
        before = audit.log.snapshot(announcement, ("status", "send_at"))
        announcement.status, announcement.send_at = Announcement.Status.SCHEDULED, send_at
        announcement.save(update_fields=["status", "send_at", "updated_at"])
        audit.log.record(by, "announcement.scheduled", announcement, changes=audit.log.diff(before, announcement))
    return announcement


def cancel(*, announcement_id: int, by, segment_prefix: str = "") -> Announcement:
    """Cancel a scheduled message before it goes out (one to an audience starting with
    `segment_prefix`, when given: the page it was cancelled from)."""
    with transaction.atomic():
        announcement = Announcement.objects.select_for_update().filter(pk=announcement_id).first()
        if announcement is None or not announcement.segment.startswith(segment_prefix):
            raise AnnouncementError(_("There is no such message here."))
        if announcement.status != Announcement.Status.SCHEDULED:
            raise AnnouncementError(_("Only a message that is still scheduled can be cancelled."))
        if by is not None and not access.may_use_segment(by, announcement.segment):
            raise AnnouncementError(_("You may not change messages to this audience."))
        before = audit.log.snapshot(announcement, ("status",))
        announcement.status = Announcement.Status.CANCELLED
        announcement.save(update_fields=["status", "updated_at"])
        audit.log.record(by, "announcement.cancelled", announcement, changes=audit.log.diff(before, announcement))
    return announcement


def send_due(now) -> int:
    """The dispatcher's source: start every scheduled message whose time has come, sent
    on behalf of the person who scheduled it. Returns how many were started."""
    due = Announcement.objects.filter(status=Announcement.Status.SCHEDULED, send_at__lte=now)
    started = 0
    for announcement_id, by in list(due.values_list("pk", "created_by")):
        person = _person(by)
        try:
            announcements.start_sending(announcement_id=announcement_id, by=person)
        except AnnouncementError as refusal:
            _give_up(announcement_id, str(refusal))
            continue
        started += 1
    return started


def _give_up(announcement_id: int, reason: str) -> None:
    """A scheduled message that can no longer be sent (its audience is gone, or its writer
    may no longer write to it) is cancelled, with why, rather than tried every minute."""
    with transaction.atomic():
        announcement = Announcement.objects.select_for_update().filter(pk=announcement_id).first()
        if announcement is None or announcement.status != Announcement.Status.SCHEDULED:
            return  # sent or cancelled meanwhile
        announcement.status = Announcement.Status.CANCELLED
        announcement.save(update_fields=["status", "updated_at"])
        changes = {"status": [Announcement.Status.SCHEDULED, Announcement.Status.CANCELLED]}
        audit.log.record(None, "announcement.cancelled", announcement, changes=changes, reason=reason)


def _person(user_id):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=user_id).first() if user_id else None


def for_segments(prefix: str, *, limit: int = 20) -> list[Announcement]:
    """The latest messages to audiences starting with `prefix`, each with `.progress`
    (its fan-out's, or None) and `.emails` (its deliveries by state): three queries."""
    rows = list(Announcement.objects.filter(segment__startswith=prefix).select_related("created_by")[:limit])
    progress = fanout.progress_many([announcements.job_key(row.pk) for row in rows])
    emails: dict[int, dict[str, int]] = {row.pk: dict.fromkeys(Delivery.Status.values, 0) for row in rows}
    states = Delivery.objects.filter(announcement_id__in=list(emails)).values_list("announcement_id", "status")
    for announcement_id, status, n in states.annotate(n=Count("pk")).values_list("announcement_id", "status", "n"):
        emails[announcement_id][status] = n
    for row in rows:
        row.progress = progress.get(announcements.job_key(row.pk))
        row.emails = emails[row.pk]
        row.waiting = row.emails["queued"] + row.emails["sending"]
    return rows


def register() -> None:
    from notifications.registry import register_reminder_source

    register_reminder_source("scheduled-messages", send_due)
