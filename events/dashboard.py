"""The organiser's part of /manage/: their upcoming events, with the answers and seats of
each, in one query however many events and answers there are."""

import datetime

from django.db.models import Count, Q

from events.models import RSVP, Event

UPCOMING = 10


def upcoming_for(user, *, now: datetime.datetime, limit: int = UPCOMING) -> list[Event]:
    """The next events `user` organises (every event, for a superuser), drafts included and
    cancelled ones left out, each with `answers_yes`, `answers_maybe`, `answers_no` and
    `answers_waitlisted`; seats are the event's own `seats_taken` and `capacity`."""
    answers = {
        f"answers_{status}": Count("rsvps", filter=Q(rsvps__status=status))
        for status in (RSVP.Status.YES, RSVP.Status.MAYBE, RSVP.Status.NO, RSVP.Status.WAITLISTED)
    }
    events = (
        Event.objects.organised_by(user).exclude(status=Event.Status.CANCELLED).upcoming(now=now).annotate(**answers)
    )
    return list(events[:limit])
