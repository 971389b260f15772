"""Messages to attendees by ticket type: one audience per ticket type of an event that sells
tickets ("Member ticket holders"), registered into events/audiences.py as a family."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from events import audiences
from events.models import RSVP, Event
from events.ticket_records import Order, TicketType

PREFIX = "ticket"


def holders(ticket_type_id: int) -> QuerySet[RSVP]:
    """The people coming on a paid ticket of this type (a cancelled RSVP is not reached)."""
    return RSVP.objects.filter(
        status=RSVP.Status.YES,
        ticket_lines__ticket_type_id=ticket_type_id,
        ticket_lines__order__status=Order.Status.PAID,
    ).distinct()


def _audience(ticket_type: TicketType) -> audiences.Audience:
    return audiences.Audience(
        key=f"{PREFIX}-{ticket_type.pk}",
        label=_("%(name)s ticket holders") % {"name": ticket_type.name},
        rsvps=lambda event, pk=ticket_type.pk: holders(pk).filter(event=event),
    )


def of_event(event: Event) -> list[audiences.Audience]:
    """One audience per ticket type, in their order; none for a free event."""
    if not event.pk:
        return []
    return [_audience(ticket_type) for ticket_type in TicketType.objects.filter(event_id=event.pk)]


def keys_of(event_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for event_id, pk in TicketType.objects.filter(event_id__in=event_ids).values_list("event_id", "pk"):
        found.setdefault(event_id, []).append(f"{PREFIX}-{pk}")
    return found


def register() -> None:
    audiences.register_family(PREFIX, of_event, keys_of=keys_of)
