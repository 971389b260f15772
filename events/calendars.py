"""iCalendar for events: one event, the public feed, a member's private feed, and
the attachments of confirmation and cancellation emails.

An event's UID never changes; its SEQUENCE goes up with every change of time or
place, so calendar programs replace the old entry instead of adding a second.
"""

import datetime
from collections.abc import Iterable
from email.utils import parseaddr
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from events.models import RSVP, CalendarFeed, Event

PRODID = "-//Societas//Events//EN"
RECENT = datetime.timedelta(days=30)
PARTSTAT = {RSVP.Status.YES: "ACCEPTED", RSVP.Status.MAYBE: "TENTATIVE", RSVP.Status.NO: "DECLINED"}


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def event_uid(event: Event) -> str:
    return f"{event.uid}@{urlsplit(settings.SITE_URL).hostname or 'societas'}"


def _description(event: Event, rsvp: RSVP | None, *, answer_link: bool) -> str:
    parts = [event.summary, event.description]
    if rsvp is not None and rsvp.is_yes and event.online_url:
        parts.append(f"Join online: {event.online_url}")
    if event.is_cancelled and event.cancellation_message:
        parts.insert(0, f"Cancelled: {event.cancellation_message}")
    parts.append(f"Details: {absolute(event.get_absolute_url())}")
    if rsvp is not None and answer_link:
        parts.append(f"Your answer: {absolute(rsvp.get_absolute_url())}")
    return "\n\n".join(part.strip() for part in parts if part and part.strip())


def _location(event: Event, rsvp: RSVP | None) -> str:
    if not event.has_venue and event.is_online and rsvp is not None and rsvp.is_yes:
        return event.online_url
    return event.place


def vevent(
    event: Event, *, rsvp: RSVP | None = None, now: datetime.datetime | None = None, answer_link: bool = True
) -> icalendar.Event:
    """The VEVENT for an event; with an RSVP, as that person sees it (the joining link once yes).
    `answer_link=False` leaves out the link that changes the answer, for feeds that calendar
    programs share and publish."""
    entry = icalendar.Event()
    entry.add("uid", event_uid(event))
    entry.add("dtstamp", (now or timezone.now()).astimezone(datetime.UTC))
    entry.add("dtstart", event.starts_local)
    entry.add("dtend", event.ends_local)
    entry.add("sequence", event.sequence)
    entry.add("summary", f"Cancelled: {event.title}" if event.is_cancelled else event.title)
    entry.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    entry.add("location", _location(event, rsvp))
    entry.add("description", _description(event, rsvp, answer_link=answer_link))
    entry.add("url", absolute(event.get_absolute_url()))
    organiser_name, organiser_email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    entry.add("organizer", f"mailto:{organiser_email}", parameters={"CN": organiser_name or settings.ORG_NAME})
    if rsvp is not None:
        partstat = PARTSTAT.get(rsvp.status, "NEEDS-ACTION")
        entry.add("attendee", f"mailto:{rsvp.email}", parameters={"CN": rsvp.display_name, "PARTSTAT": partstat})
    return entry


def calendar(entries: Iterable[icalendar.Event], *, name: str, method: str = "") -> bytes:
    """A VCALENDAR around the entries, with the VTIMEZONEs they need."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    if method:
        cal.add("method", method)
    days = []
    for entry in entries:
        cal.add_component(entry)
        days.append(entry.decoded("dtstart").date())
    if days:
        cal.add_missing_timezones(
            first_date=min(days) - datetime.timedelta(days=366), last_date=max(days) + datetime.timedelta(days=366)
        )
    return cal.to_ical()


def event_ics(event: Event, *, rsvp: RSVP | None = None, method: str = "") -> bytes:
    """One event as a calendar file. PUBLISH on the web; REQUEST or CANCEL in emails."""
    return calendar([vevent(event, rsvp=rsvp)], name=event.title, method=method)


def public_feed(*, now: datetime.datetime) -> bytes:
    """Every listed event from a month ago on, cancellations included so calendars drop them."""
    events = Event.objects.listed().filter(ends_at__gte=now - RECENT).order_by("starts_at")
    return calendar((vevent(event, now=now) for event in events), name=settings.ORG_NAME, method="PUBLISH")


def member_rsvps(user) -> Iterable[RSVP]:
    """The events a person said yes or maybe to, from a month ago on."""
    return (
        RSVP.objects.filter(Q(user=user) | Q(email=user.email.lower()))
        .filter(status__in=[RSVP.Status.YES, RSVP.Status.MAYBE], event__ends_at__gte=timezone.now() - RECENT)
        .exclude(event__status=Event.Status.DRAFT)
        .select_related("event")
        .order_by("event__starts_at")
    )


def member_feed(feed: CalendarFeed, *, now: datetime.datetime) -> bytes:
    """A person's private feed. Read-only: its entries link to the event page, never to
    the answer link, which would let anyone the calendar is shared with answer for them."""
    entries = (vevent(rsvp.event, rsvp=rsvp, now=now, answer_link=False) for rsvp in member_rsvps(feed.user))
    return calendar(entries, name=f"{settings.ORG_NAME}: my events", method="PUBLISH")


def feed_context(user) -> dict:
    """What `events/_calendar_feed.html` needs: the person's private feed address, if they made one."""
    feed = CalendarFeed.objects.filter(user=user).first() if user.is_authenticated else None
    return {
        "calendar_feed_url": absolute(feed.get_absolute_url()) if feed else "",
        "calendar_feed_action": reverse("events:member-feed-create"),
    }


def create_feed(*, user, reset: bool = False) -> CalendarFeed:
    """Give a person their private feed address; `reset` replaces it, so an old copied link stops working."""
    feed, created = CalendarFeed.objects.get_or_create(user=user)
    if reset and not created:
        feed.token = CalendarFeed._meta.get_field("token").default()
        feed.save(update_fields=["token"])
    return feed
