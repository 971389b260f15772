"""Add-to-calendar links: Google Calendar and Outlook take the event in their own
address; Apple's Calendar and every other program open the .ics file.

These links carry what the event page shows, and for someone who said yes the online
joining link; never the answer link, since the entry they make may be shared.
"""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from events import calendars
from events.models import RSVP, Event

GOOGLE = "https://calendar.google.com/calendar/render"
OUTLOOK = "https://outlook.live.com/calendar/0/action/compose"


@dataclass(frozen=True)
class CalendarLink:
    label: str
    url: str


def _utc(moment: datetime.datetime, layout: str) -> str:
    return moment.astimezone(datetime.UTC).strftime(layout)


def _details(event: Event, rsvp: RSVP | None) -> str:
    lines = [event.summary]
    if rsvp is not None and rsvp.is_yes and event.online_url:
        lines.append(_("Join online: %(url)s") % {"url": event.online_url})
    lines.append(calendars.absolute(event.get_absolute_url()))
    return "\n\n".join(line for line in lines if line)


def google(event: Event, *, rsvp: RSVP | None = None) -> str:
    dates = f"{_utc(event.starts_at, '%Y%m%dT%H%M%SZ')}/{_utc(event.ends_at, '%Y%m%dT%H%M%SZ')}"
    query = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": dates,
        "ctz": event.time_zone,
        "details": _details(event, rsvp),
        "location": calendars.location(event, rsvp),
    }
    return f"{GOOGLE}?{urlencode(query)}"


def outlook(event: Event, *, rsvp: RSVP | None = None) -> str:
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": event.title,
        "startdt": _utc(event.starts_at, "%Y-%m-%dT%H:%M:%SZ"),
        "enddt": _utc(event.ends_at, "%Y-%m-%dT%H:%M:%SZ"),
        "body": _details(event, rsvp),
        "location": calendars.location(event, rsvp),
    }
    return f"{OUTLOOK}?{urlencode(query)}"


def ics_url(event: Event, *, rsvp: RSVP | None = None) -> str:
    """The .ics file: the person's own (with the joining link once yes), or the event's."""
    path = reverse("events:rsvp-ics", args=[rsvp.token]) if rsvp else reverse("events:event-ics", args=[event.slug])
    return calendars.absolute(path)


def add_to_calendar(event: Event, *, rsvp: RSVP | None = None) -> list[CalendarLink]:
    """The three links, in the order people look for them."""
    return [
        CalendarLink(_("Google Calendar"), google(event, rsvp=rsvp)),
        CalendarLink(_("Outlook"), outlook(event, rsvp=rsvp)),
        CalendarLink(_("Apple Calendar and others (.ics)"), ics_url(event, rsvp=rsvp)),
    ]


def subscribe(feed_url: str) -> list[CalendarLink]:
    """Links that subscribe a calendar program to a feed, kept up to date by the program."""
    webcal = calendars.webcal(feed_url)
    return [
        CalendarLink(_("Apple Calendar, Outlook and others"), webcal),
        CalendarLink(_("Google Calendar"), f"{GOOGLE}?{urlencode({'cid': webcal})}"),
    ]
