"""Who a message from an event's page goes to: a small registry of audience filters.

An audience is `register_filter(key, label, queryset_fn)`: `queryset_fn(event)` gives
the RSVPs of that event it reaches. events registers everyone coming and each answer
below; the ticket code registers its ticket types the same way, from its own module,
without this one knowing of them. `applies(event)`, when given, says whether the
audience is offered for an event at all (a ticket type only on events that sell it).

The segment key notifications stores is `event:<event id>:<audience key>`, so an
audience key holds no colon.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from events.models import RSVP, Event


@dataclass(frozen=True)
class Audience:
    key: str
    label: str
    rsvps: Callable[[Event], QuerySet[RSVP]]
    applies: Callable[[Event], bool] | None = None


@dataclass(frozen=True)
class Family:
    """Audiences that differ by event (one per ticket type, say): keys `<prefix>-<id>`."""

    prefix: str
    of_event: Callable[[Event], list[Audience]]
    keys_of: Callable[[list[int]], dict[int, list[str]]]  # {event id: keys}, for many events at once


filters: dict[str, Audience] = {}
families: dict[str, Family] = {}


def register_filter(key: str, label, queryset_fn: Callable[[Event], QuerySet[RSVP]], *, applies=None) -> None:
    """Offer an audience on every event's page (or those where `applies(event)`)."""
    if ":" in key:
        raise ValueError("An audience key holds no colon.")
    filters[key] = Audience(key=key, label=label, rsvps=queryset_fn, applies=applies)


def register_family(prefix: str, of_event, *, keys_of) -> None:
    """Offer each event the audiences `of_event(event)` gives, keyed `<prefix>-<something>`;
    `keys_of(event ids)` gives their keys for many events in one query."""
    if ":" in prefix or "-" in prefix:
        raise ValueError("A family's prefix holds no colon and no dash.")
    families[prefix] = Family(prefix=prefix, of_event=of_event, keys_of=keys_of)


def _family_of(key: str) -> Family | None:
    return families.get(key.split("-", 1)[0]) if "-" in key else None


def known(key: str) -> bool:
    """Whether a key can name an audience (a registered one, or one of a family's)."""
    return key in filters or _family_of(key) is not None


def for_event(event: Event) -> list[Audience]:
    """The audiences offered for this event, in the order they were registered, then each family's."""
    found = [audience for audience in filters.values() if audience.applies is None or audience.applies(event)]
    for family in families.values():
        found += family.of_event(event)
    return found


def keys_for(event_ids: list[int]) -> dict[int, list[str]]:
    """Every audience key each of these events may have had: the registered ones and the families'."""
    keys = {pk: list(filters) for pk in event_ids}
    for family in families.values():
        for pk, more in family.keys_of(event_ids).items():
            keys[pk] += more
    return keys


def rsvps(event_id: int, key: str) -> QuerySet[RSVP]:
    """The RSVPs an audience reaches, in the order of their id (a fan-out's cursor)."""
    audience = filters.get(key)
    family = _family_of(key)
    if audience is None and family is not None:
        audience = next((a for a in family.of_event(Event.objects.get(pk=event_id)) if a.key == key), None)
    if audience is None:
        return RSVP.objects.none()
    return audience.rsvps(Event.objects.get(pk=event_id)).order_by("pk")


def segment(event: Event, key: str) -> str:
    """The key notifications stores for this event's audience (without the source's name)."""
    return f"event:{event.pk}:{key}"


def page_of(key: str) -> str:
    """The organiser page section where messages to "event:<id>:<audience>" are followed."""
    from django.urls import reverse

    parts = key.split(":")
    if len(parts) != 3 or parts[0] != "event" or not parts[1].isdigit():
        return ""
    slug = Event.objects.filter(pk=int(parts[1])).values_list("slug", flat=True).first()
    return reverse("events:manage-event", args=[slug]) + "#messages" if slug else ""


def _answered(*statuses: str) -> Callable[[Event], QuerySet[RSVP]]:
    return lambda event: event.rsvps.filter(status__in=statuses)


COMING = (RSVP.Status.YES, RSVP.Status.MAYBE, RSVP.Status.WAITLISTED)

register_filter("coming", _("Everyone coming (yes, maybe and the waitlist)"), _answered(*COMING))
register_filter("yes", _("People who said yes"), _answered(RSVP.Status.YES))
register_filter("maybe", _("People who said maybe"), _answered(RSVP.Status.MAYBE))
register_filter("no", _("People who said no"), _answered(RSVP.Status.NO))
register_filter("waitlisted", _("People on the waitlist"), _answered(RSVP.Status.WAITLISTED))
