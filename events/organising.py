"""What organisers do to an event: create, edit, publish, duplicate, move, cancel.

Each change of time or place bumps the event's SEQUENCE (calendars replace their
entry); a move also starts a new reminder schedule. People who answered are told
by email through a fan-out job (`notifications.fanout`), so a large event never
holds up the page, and no batch locks the event.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from config.languages import in_society_language
from events import covers, notices, question_setup
from events import rsvp as seats
from events.models import RSVP, Event
from notifications import fanout

PLACE_FIELDS = ("venue_name", "venue_address", "online_url")
TIME_FIELDS = ("starts_at", "ends_at")
BATCH = 500
FAN_OUT_SOURCE = "events.change"
# Words the URLs use next to an event's slug.
RESERVED_SLUGS = {"new", "check-in", "my-calendar", "calendar"}

# Who hears about a change: everyone with a stake in the event.
TOLD_OF_CHANGE = (RSVP.Status.YES, RSVP.Status.MAYBE, RSVP.Status.WAITLISTED)
TOLD_OF_CANCELLATION = (*TOLD_OF_CHANGE, RSVP.Status.INVITED)


class EventChangeRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def unique_slug(title: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:70] or "event"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Event.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


# What a new event's entry keeps: enough to recognise it, not its whole text.
CREATED_FACTS = ("title", "kind", "starts_at", "ends_at", "capacity", "visibility", "status")

audit.log.describe("event.created", gettext_lazy("Created an event"))
audit.log.describe("event.edited", gettext_lazy("Edited an event"))
audit.log.describe("event.published", gettext_lazy("Published an event"))
audit.log.describe("event.cancelled", gettext_lazy("Cancelled an event"))
audit.log.describe("event.rescheduled", gettext_lazy("Changed an event's date"))
audit.log.describe("event.duplicated", gettext_lazy("Copied an event into a new draft"))


def create_event(*, details: dict, organisers, by) -> Event:
    """Save a new draft event from an organiser's details, its creator among its organisers.
    A cover image is stored first and its sizes made by a worker once this commits."""
    details = covers.stored(details)
    with transaction.atomic():
        event = _new_draft(details, organisers=organisers, by=by)
        audit.log.record(by, "event.created", event, changes=_as_created(event))
        if event.cover_image:
            _make_cover_sizes_on_commit(event)
    return event


def _make_cover_sizes_on_commit(event: Event) -> None:
    from events.tasks import make_cover_sizes

    transaction.on_commit(lambda: make_cover_sizes.delay(event.pk))


def _new_draft(details: dict, *, organisers, by) -> Event:
    event = Event(**details)
    event.slug = event.slug or unique_slug(event.title)
    event.status = Event.Status.DRAFT
    event.reminders_planned_at = timezone.now()
    event.save()
    event.organisers.set({user for user in (*organisers, by) if user is not None})
    return event


def _as_created(event: Event) -> dict:
    return {name: [None, value] for name, value in audit.log.snapshot(event, CREATED_FACTS).items()}


def update_event(*, event_id: int, changes: dict, by, organisers=None) -> Event:
    """Apply an organiser's edits. A new place on a published event bumps SEQUENCE and
    tells the people who answered; more seats promote the waitlist. Times of a
    published event change only through `reschedule`, which tells people. The audit
    entry keeps each field that changed, seats taken too when the waitlist moved up.
    A new cover image is stored before the lock is taken; a worker makes its sizes."""
    changes = covers.stored(changes)
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event_id)
        if not event.is_draft and _differs(event, changes, TIME_FIELDS):
            raise EventChangeRefused(_("Use “Change the date” to move a published event: it tells the people coming."))
        before = audit.log.snapshot(event, (*changes, "seats_taken"))
        organisers_before = _organiser_ids(event)
        times_changed = _differs(event, changes, TIME_FIELDS)
        place_changed = _differs(event, changes, PLACE_FIELDS)
        offsets_changed = _differs(event, changes, ("reminder_offsets",))
        cover_changed = "cover_image" in changes and changes["cover_image"] != event.cover_image.name
        for name, value in changes.items():
            setattr(event, name, value)
        if cover_changed:
            event.cover_sizes = []
            if event.cover_image:
                _make_cover_sizes_on_commit(event)
        if place_changed and not event.is_draft:
            event.sequence += 1
        if offsets_changed or times_changed:
            event.reminders_planned_at = timezone.now()  # reminders already due are not sent late
        event.full_clean(exclude=["organisers", "door_helpers", "uid"])
        event.save()
        if organisers is not None:
            event.organisers.set(organisers)
        seats.promote_waitlist(event, now=timezone.now())
        if place_changed and event.is_published:
            _tell_on_commit(event, "place", "")
        edited = audit.log.diff(before, event)
        if organisers_before != _organiser_ids(event):
            edited["organisers"] = [organisers_before, _organiser_ids(event)]
        if edited:
            audit.log.record(by, "event.edited", event, changes=edited)
    return event


def _organiser_ids(event: Event) -> list[int]:
    return sorted(event.organisers.values_list("pk", flat=True))


def _differs(event: Event, changes: dict, names) -> bool:
    return any(name in changes and changes[name] != getattr(event, name) for name in names)


def publish(*, event_id: int, by, now: datetime.datetime | None = None) -> Event:
    """Make a draft visible to everyone and open its RSVPs."""
    now = now or timezone.now()
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event_id)
        if not event.is_draft:
            raise EventChangeRefused(
                _("Only a draft can be published; this event is %(status)s.") % {"status": event.get_status_display()}
            )
        if event.ends_at <= now:
            raise EventChangeRefused(_("This event is already over: change its date before publishing it."))
        before = audit.log.snapshot(event, ("status", "published_at"))
        event.status = Event.Status.PUBLISHED
        event.published_at = now
        event.save(update_fields=["status", "published_at"])
        audit.log.record(by, "event.published", event, changes=audit.log.diff(before, event))
    return event


def cancel(*, event_id: int, message: str, by) -> Event:
    """Cancel a published event: answers stop, calendars mark it cancelled, and
    everyone invited or answering is told, with the organisers' message (which the
    audit entry keeps as its reason)."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event_id)
        if event.is_cancelled:
            raise EventChangeRefused(_("This event is already cancelled."))
        if event.is_draft:
            raise EventChangeRefused(_("A draft is not public yet, so there is nothing to cancel."))
        before = audit.log.snapshot(event, ("status",))
        event.status = Event.Status.CANCELLED
        event.cancellation_message = message.strip()
        event.sequence += 1
        event.save(update_fields=["status", "cancellation_message", "sequence"])
        _tell_on_commit(event, "cancelled", message)
        _refund_tickets_on_commit(event, by)
        audit.log.record(
            by, "event.cancelled", event, changes=audit.log.diff(before, event), reason=event.cancellation_message
        )
    return event


def _refund_tickets_on_commit(event: Event, by) -> None:
    """Paid ticket orders are refunded in full, and the waitlist closed, by a worker once the
    cancellation commits."""
    from events.tasks import refund_cancelled_event

    if event.ticket_types.exists():
        by_id = getattr(by, "pk", None)
        transaction.on_commit(lambda: refund_cancelled_event.delay(event.pk, by_id), robust=True)


def reschedule(
    *, event_id: int, starts_at: datetime.datetime, ends_at: datetime.datetime, by, message: str = ""
) -> Event:
    """Move an event. Calendars update (SEQUENCE), reminders are planned anew from
    the new date (any already due are skipped, not sent late), and the people who
    answered are told."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event_id)
        if event.is_cancelled:
            raise EventChangeRefused(_("A cancelled event cannot be moved."))
        if ends_at < starts_at:
            raise EventChangeRefused(_("The event must end after it starts."))
        if (starts_at, ends_at) == (event.starts_at, event.ends_at):
            raise EventChangeRefused(_("That is the date it already has."))
        before = audit.log.snapshot(event, TIME_FIELDS)
        event.starts_at, event.ends_at = starts_at, ends_at
        event.sequence += 1
        event.schedule_version += 1
        event.reminders_planned_at = timezone.now()
        event.save(update_fields=["starts_at", "ends_at", "sequence", "schedule_version", "reminders_planned_at"])
        if event.is_published:
            _tell_on_commit(event, "moved", message)
        audit.log.record(by, "event.rescheduled", event, changes=audit.log.diff(before, event), reason=message.strip())
    return event


COPIED_FIELDS = (
    "kind", "title", "summary", "description", "time_zone", "starts_at", "ends_at", "venue_name", "venue_address",
    "online_url", "capacity", "guests_allowed", "visibility", "reminder_offsets", "remind_maybe",
    "cover_image", "cover_alt", "cover_sizes",
)  # fmt: skip


def duplicate(*, event_id: int, by) -> Event:
    """A new draft with the same details, organisers and registration questions, and no RSVPs,
    to edit and publish."""
    with transaction.atomic():
        original = Event.objects.get(pk=event_id)
        details = {name: getattr(original, name) for name in COPIED_FIELDS}
        details["title"] = in_society_language(gettext_lazy("%(title)s (copy)"), title=original.title)
        copy = _new_draft(details, organisers=list(original.organisers.all()), by=by)
        asked = question_setup.copy_questions(source=original, to=copy)
        changes = {"copied_from": [None, original.pk], **_as_created(copy), "questions": [None, asked]}
        audit.log.record(
            by,
            "event.duplicated",
            copy,
            changes=changes,
            reason=in_society_language(gettext_lazy("A copy of %(title)s"), title=original.title),
        )
    return copy


def _tell_on_commit(event: Event, change: str, message: str) -> None:
    """Start telling everyone concerned, once this change commits (one job per change)."""
    params = {"event": event.pk, "change": change, "sequence": event.sequence, "message": message}
    fanout.start(key=f"event-{change}:{event.pk}:s{event.sequence}", source=FAN_OUT_SOURCE, params=params)


def change_batch(params: dict, *, cursor: str, limit: int) -> fanout.Batch:
    """The fan-out source: the next people concerned by a change. A newer change (a
    higher SEQUENCE) supersedes this one, which stops."""
    event = Event.objects.get(pk=params["event"])
    if event.sequence != params["sequence"]:
        return fanout.Batch(
            [],
            cursor,
            done=True,
            stopped=in_society_language(gettext_lazy("A newer change to the event superseded this one.")),
        )
    change, message = params["change"], params["message"]
    statuses = TOLD_OF_CANCELLATION if change == "cancelled" else TOLD_OF_CHANGE
    batch = list(event.rsvps.filter(status__in=statuses, pk__gt=int(cursor or 0)).order_by("pk")[:limit])
    if change == "cancelled":
        owed = [notices.event_cancelled(rsvp, message=message) for rsvp in batch]
    else:
        sequence = params["sequence"]
        owed = [notices.event_changed(rsvp, change=change, sequence=sequence, message=message) for rsvp in batch]
    return fanout.Batch(owed, str(batch[-1].pk) if batch else cursor, done=len(batch) < limit)


def register() -> None:
    fanout.register_source(FAN_OUT_SOURCE, change_batch, batch_size=BATCH)
