"""Small helpers shared by the events tests."""

import datetime

from django.contrib.auth.models import Group
from django.utils import timezone

from events import rsvp as seats
from members.roles import ORGANISER
from tests.factories import MemberFactory, RSVPFactory, TermFactory, UserFactory
from tests.mail import mails


def make_organiser():
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name=ORGANISER)[0])
    return user


def make_member(*, lapsed: bool = False):
    """A user whose member profile is in good standing (a current term), or lapsed."""
    member = MemberFactory()
    today = timezone.localdate()
    if lapsed:
        TermFactory(member=member, start=today - datetime.timedelta(days=800), end=today - datetime.timedelta(days=400))
    else:
        TermFactory(member=member, start=today - datetime.timedelta(days=30))
    return member.user


def answer(rsvp, answer: str, guests: int = 0, **kwargs):
    return seats.respond(rsvp_id=rsvp.pk, answer=answer, guests=guests, **kwargs)


def yes_rsvps(event, n: int, **kwargs):
    """n people who said yes."""
    people = RSVPFactory.create_batch(n, event=event, **kwargs)
    for person in people:
        answer(person, "yes")
    return people


def deliveries(kind: str = "", to: str = ""):
    """The emails queued (fan-outs run first), each composed as its worker would."""
    filters = {name: value for name, value in (("kind", kind), ("to", to)) if value}
    return mails(**filters)


def edit_form(event, **overrides):
    """The event form as an organiser would post it for `event` unchanged (times in UTC), with overrides."""
    data = {
        "kind": event.kind,
        "title": event.title,
        "summary": event.summary,
        "description": event.description,
        "time_zone": "UTC",
        "starts_at": event.starts_at.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": event.ends_at.strftime("%Y-%m-%dT%H:%M"),
        "venue_name": event.venue_name,
        "venue_address": event.venue_address,
        "online_url": event.online_url,
        "capacity": "" if event.capacity is None else str(event.capacity),
        "guests_allowed": str(event.guests_allowed),
        "visibility": event.visibility,
        "rsvp_opens_at": "",
        "rsvp_closes_at": "",
        "reminder_offsets": event.reminder_offsets,
        "organisers": [str(user.pk) for user in event.organisers.all()] if event.pk else [],
    }
    data.update(overrides)
    return data


def entries(target, action: str = ""):
    """The audit entries about `target`, newest first, of one action if given."""
    from audit import log

    found = log.history(target)
    return list(found.filter(action=action) if action else found)
