"""Event reminders and announcement audiences, registered with notifications.

`queue_due_reminders(now)` is called by the dispatcher every minute. For each
upcoming published event it finds the latest reminder offset now due and queues
that reminder to every yes (and, if the organiser chose, maybe) RSVP:

- an offset already due when the schedule was planned (the event created or
  moved, or its offsets changed) is skipped, never sent late;
- a pass missed while beat was down is caught up on the next pass, as long as the
  event has not started; if several offsets were missed, only the latest is sent,
  so nobody gets "in 7 days" and "tomorrow" in the same minute;
- someone who answered after an offset fell due does not get that one (they just
  had their confirmation);
- a moved event has a new schedule version, so its reminders have new keys.

Once an offset is done it is noted on the event, so later passes skip it in one query.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from events import notices
from events.models import RSVP, Event
from notifications.models import Delivery
from notifications.registry import Recipient

CHUNK = 500


def due_offset(event: Event, *, now: datetime.datetime) -> tuple[str, datetime.timedelta] | None:
    """The offset whose reminder is due at `now`: the latest one that has fallen due
    since the schedule was planned, while the event has not started."""
    if not event.is_published or now >= event.starts_at:
        return None
    due = [
        (label, offset)
        for label, offset in event.offsets
        if event.reminders_planned_at <= event.starts_at - offset <= now
    ]
    return min(due, key=lambda item: item[1]) if due else None


def _done_marker(event: Event, label: str) -> str:
    return f"s{event.schedule_version}:{label}"


def queue_due_reminders(now: datetime.datetime) -> int:
    """Queue every event reminder due at `now`; returns how many were newly queued."""
    queued = 0
    candidates = Event.objects.filter(status=Event.Status.PUBLISHED, starts_at__gt=now).exclude(reminder_offsets="")
    for event_id in candidates.values_list("pk", flat=True):
        queued += _queue_for_event(event_id, now)
    return queued


def _queue_for_event(event_id: int, now: datetime.datetime) -> int:
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event_id)
        due = due_offset(event, now=now)
        if due is None or _done_marker(event, due[0]) in event.reminders_done:
            return 0
        label, offset = due
        statuses = [RSVP.Status.YES, RSVP.Status.MAYBE] if event.remind_maybe else [RSVP.Status.YES]
        rsvps = event.rsvps.filter(status__in=statuses, status_changed_at__lte=event.starts_at - offset).order_by("pk")
        queued = 0
        for chunk in _chunks(list(rsvps), CHUNK):
            keys = {notices.reminder_key(event, rsvp.pk, label): rsvp for rsvp in chunk}
            sent = set(Delivery.objects.filter(key__in=keys).values_list("key", flat=True))
            for key, rsvp in keys.items():
                if key not in sent:
                    rsvp.event = event
                    queued += int(notices.reminder(rsvp, label=label, offset=offset).created)
        event.reminders_done = [*event.reminders_done, _done_marker(event, label)]
        event.save(update_fields=["reminders_done"])
    return queued


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# Announcement audiences: the yes / maybe / waitlisted of each upcoming event.

SEGMENT_STATUSES = {
    RSVP.Status.YES: "said yes",
    RSVP.Status.MAYBE: "said maybe",
    RSVP.Status.WAITLISTED: "are on the waitlist",
}


def segment_choices() -> list[tuple[str, str]]:
    events = Event.objects.filter(status=Event.Status.PUBLISHED).upcoming(now=timezone.now())
    return [
        (f"event:{event.pk}:{status}", f"{event.title} ({event.starts_local:%d %b %Y}): people who {label}")
        for event in events
        for status, label in SEGMENT_STATUSES.items()
    ]


def segment_recipients(key: str):
    """Recipients for a key made by `segment_choices`, e.g. "event:12:yes"; none for a key it did not make."""
    try:
        prefix, event_id, status = key.split(":")
        event_id = int(event_id)
    except ValueError:
        return
    if prefix != "event" or status not in SEGMENT_STATUSES:
        return
    rsvps = RSVP.objects.filter(event_id=event_id, status=status).order_by("pk")
    for rsvp in rsvps.iterator(chunk_size=1000):
        yield Recipient(email=rsvp.email, name=rsvp.name, user_id=rsvp.user_id)
