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

Each due offset is one fan-out job (`notifications.fanout`) that queues the
reminders a batch at a time without locking the event, so a 7-day reminder to a
10,000-person congress never holds up answers to it. Once an offset's job is
started it is noted on the event, so later passes skip it in one query.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from config.languages import in_society_language
from events import audiences, notices
from events.models import RSVP, Event
from notifications import fanout
from notifications.registry import Recipient

FAN_OUT_SOURCE = "events.reminders"


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
    """The dispatcher's source: start the reminder fan-out of every event with an offset
    due at `now`; returns how many were started."""
    started = 0
    candidates = Event.objects.filter(status=Event.Status.PUBLISHED, starts_at__gt=now).exclude(reminder_offsets="")
    for event in candidates.only("pk", "starts_at", "reminder_offsets", "reminders_planned_at",
                                 "schedule_version", "reminders_done", "status"):  # fmt: skip
        due = due_offset(event, now=now)
        if due is not None and _done_marker(event, due[0]) not in event.reminders_done:
            started += _start(event.pk, now)
    return started


def _start(event_id: int, now: datetime.datetime) -> int:
    """Note the offset as done and start its fan-out, under the event's lock for a moment."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event_id)
        due = due_offset(event, now=now)
        if due is None or _done_marker(event, due[0]) in event.reminders_done:
            return 0
        label, offset = due
        event.reminders_done = [*event.reminders_done, _done_marker(event, label)]
        event.save(update_fields=["reminders_done"])
        params = {"event": event.pk, "label": label, "offset": int(offset.total_seconds()),
                  "schedule": event.schedule_version}  # fmt: skip
        key = f"event-reminders:{event.pk}:{label}:s{event.schedule_version}"
        return int(fanout.start(key=key, source=FAN_OUT_SOURCE, params=params)[1])


def reminder_batch(params: dict, *, cursor: str, limit: int) -> fanout.Batch:
    """The fan-out source: the next people to remind, after `cursor`. Someone who answered
    after the offset fell due does not get it (they just had their confirmation)."""
    event = Event.objects.get(pk=params["event"])
    if event.schedule_version != params["schedule"] or not event.is_published:
        return fanout.Batch(
            [],
            cursor,
            done=True,
            stopped=in_society_language(gettext_lazy("The event moved or is no longer published.")),
        )
    offset = datetime.timedelta(seconds=params["offset"])
    statuses = [RSVP.Status.YES, RSVP.Status.MAYBE] if event.remind_maybe else [RSVP.Status.YES]
    rsvps = list(
        event.rsvps.filter(
            status__in=statuses, status_changed_at__lte=event.starts_at - offset, pk__gt=int(cursor or 0)
        )
        .only("pk", "email", "user_id", "event_id")
        .order_by("pk")[:limit]
    )
    owed = [notices.reminder(rsvp, event=event, label=params["label"], offset=offset) for rsvp in rsvps]
    return fanout.Batch(owed, str(rsvps[-1].pk) if rsvps else cursor, done=len(rsvps) < limit)


def register() -> None:
    fanout.register_source(FAN_OUT_SOURCE, reminder_batch)


# Announcement audiences: each upcoming event's audiences (events.audiences).


def segment_choices() -> list[tuple[str, str]]:
    events = Event.objects.filter(status=Event.Status.PUBLISHED).upcoming(now=timezone.now())
    return [
        (audiences.segment(event, audience.key), f"{event.title} ({event.starts_local:%d %b %Y}): {audience.label}")
        for event in events
        for audience in audiences.for_event(event)
    ]


def segment_recipients(key: str, *, after: int = 0):
    """Recipients for a key made by `segment_choices`, e.g. "event:12:yes", in the order of their
    RSVP's id (the fan-out's cursor); none for a key it did not make."""
    try:
        prefix, event_id, audience = key.split(":")
        event_id = int(event_id)
    except ValueError:
        return
    if prefix != "event" or not audiences.known(audience) or not Event.objects.filter(pk=event_id).exists():
        return
    rsvps = audiences.rsvps(event_id, audience).filter(pk__gt=after)
    for rsvp in rsvps.iterator(chunk_size=1000):
        yield Recipient(email=rsvp.email, name=rsvp.name, user_id=rsvp.user_id, cursor=rsvp.pk)
