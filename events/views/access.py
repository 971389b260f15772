"""Who may see which event."""

from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from events.models import RSVP, Event


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


def viewer_rsvp(user, event: Event) -> RSVP | None:
    if not user.is_authenticated:
        return None
    return event.rsvps.filter(Q(user=user) | Q(email=user.email.lower())).order_by("-user_id").first()
