"""Who may see which event."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from events.models import RSVP, Event
from members.roles import is_organiser

# How long after an event ends its door stays on a helper's list of doors.
DOOR_STAYS_OPEN = datetime.timedelta(days=1)


def is_event_organiser(user, event: Event) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or event.organisers.filter(pk=user.pk).exists()


def get_visible_event(user, slug: str) -> Event:
    """An event anyone may see; a draft only for its organisers (404 for everyone else)."""
    event = get_object_or_404(Event, slug=slug)
    if event.is_draft and not is_event_organiser(user, event):
        raise Http404("No such event.")
    return event


def get_event_for_organiser(user, slug: str) -> Event:
    """An event this organiser organises; 404 for other people's events."""
    return get_object_or_404(Event.objects.organised_by(user), slug=slug)


def may_work_door(user, event: Event) -> bool:
    """Its organisers (holding the Organiser role) and the door helpers they named."""
    if not user.is_authenticated:
        return False
    if is_organiser(user) and is_event_organiser(user, event):
        return True
    return event.door_helpers.filter(pk=user.pk).exists()


def refuse_door(user) -> None:
    """Not this event's door: an organiser is told no such event (404), as on their
    other pages; anyone else, a door helper of another event too, is refused (403)."""
    if is_organiser(user):
        raise Http404("No such event among yours.")
    raise PermissionDenied


def get_event_for_door(user, slug: str) -> Event:
    """An event whose door list this person may work."""
    event = get_object_or_404(Event, slug=slug)
    if not may_work_door(user, event):
        refuse_door(user)
    return event


def doors_for(user, *, now: datetime.datetime):
    """The events, not over for more than a day, whose door this person may work; an
    online-only event has no door."""
    theirs = Q(door_helpers=user)
    if is_organiser(user):
        theirs |= Q(pk__in=Event.objects.organised_by(user).values("pk"))
    recent = now - DOOR_STAYS_OPEN
    events = Event.objects.filter(theirs, ends_at__gte=recent).exclude(
        venue_name="", venue_address="", online_url__gt=""
    )
    return events.distinct().order_by("starts_at", "pk")


def viewer_rsvp(user, event: Event) -> RSVP | None:
    if not user.is_authenticated:
        return None
    return event.rsvps.filter(Q(user=user) | Q(email=user.email.lower())).order_by("-user_id").first()
