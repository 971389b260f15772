"""Which outbox mail is an organiser's: the emails of the events they organise (answers,
invitations, reminders, change notices) and their messages to those events' attendees.

Told to notifications from EventsConfig.ready(): it never imports events. Every events
email's row records the RSVP it is for (`facts["rsvp"]`, see notices.py), so an
organiser's mail is the rows whose RSVP belongs to one of their events.
"""

from django.db.models import BigIntegerField, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.db.models.lookups import In
from django.utils.translation import gettext_lazy as _

from events import audiences
from events.models import RSVP, Event
from members.roles import ORGANISER
from notifications.access import register_scope
from notifications.kinds import describe_kind

SEGMENT_SOURCE = "events"  # the name events/apps.py registers its announcement audiences under

KINDS = {
    "event-yes": _("RSVP confirmation: yes"),
    "event-answer": _("RSVP confirmation: maybe or no"),
    "event-waitlisted": _("RSVP confirmation: waitlisted"),
    "event-ticket": _("Ticket for a paid order"),
    "event-promoted": _("Seat from the waitlist"),
    "event-invitation": _("Event invitation"),
    "event-rsvp-link": _("Link to confirm an RSVP"),
    "event-moved": _("Event moved"),
    "event-place": _("Event changed place"),
    "event-cancelled": _("Event cancelled"),
    "event-reminder": _("Event reminder"),
    "event-reply-refused": _("Calendar reply not taken"),
}


def organiser_deliveries(user) -> Q:
    """The rows of events emails whose RSVP is to an event this person organises."""
    theirs = RSVP.objects.filter(event__organisers=user).values("pk")
    return Q(kind__startswith="event-") & Q(In(Cast(KT("facts__rsvp"), BigIntegerField()), theirs))


def organiser_segments(user) -> list[str]:
    """The audiences of every event this person organises, past ones included (so their
    earlier messages stay theirs), in the format of reminders.segment_choices."""
    events = list(Event.objects.filter(organisers=user).values_list("pk", flat=True))
    keys = audiences.keys_for(events)
    return [f"{SEGMENT_SOURCE}:event:{pk}:{key}" for pk in events for key in keys[pk]]


def register() -> None:
    for kind, label in KINDS.items():
        describe_kind(kind, label)
    register_scope(ORGANISER, deliveries=organiser_deliveries, segments=organiser_segments)
