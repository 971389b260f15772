"""iCalendar for events: one event, the public feed, a member's private feed, and
the attachments of confirmation and cancellation emails.

An event's UID never changes; its SEQUENCE goes up with every change of time or
place, so calendar programs replace the old entry instead of adding a second. A
person's own copy (in their emails and private feed) adds their answer's revision,
so that a withdrawal after a "no" and a new invitation after a later "yes" each
replace what that person's calendar holds.

Emails carry the entry as an iMIP part (RFC 6047). Where an inbound webhook reads
replies (`CALENDAR_REPLY_EMAIL`, see events/calendar_replies.py) a yes is a
REQUEST with the person as attendee, whose Accept and Decline buttons answer us;
without one it is a PUBLISH, which mail programs offer to add with no reply.
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
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext

from events.models import RSVP, CalendarFeed, Event

PRODID = "-//Societas//Events//EN"
RECENT = datetime.timedelta(days=30)
REPLY_SALT = "events.calendar-reply"
PARTSTAT = {RSVP.Status.YES: "ACCEPTED", RSVP.Status.MAYBE: "TENTATIVE", RSVP.Status.NO: "DECLINED"}


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def event_uid(event: Event) -> str:
    return f"{event.uid}@{urlsplit(settings.SITE_URL).hostname or 'societas'}"


def sequence(event: Event, rsvp: RSVP | None = None) -> int:
    """The entry's SEQUENCE: the event's, plus the person's answer revision in their own copy.
    Both only go up, so every change of either replaces the entry the person holds."""
    return event.sequence + (rsvp.revision if rsvp is not None else 0)


def replies_read() -> bool:
    """Whether calendar replies reach us (an inbound webhook for CALENDAR_REPLY_EMAIL)."""
    return bool(settings.CALENDAR_REPLY_EMAIL)


def invitation_method() -> str:
    """The iMIP method of the calendar part of a yes or a change notice."""
    return "REQUEST" if replies_read() else "PUBLISH"


def webcal(url: str) -> str:
    """A feed's address as a subscription link: calendar programs subscribe to webcal://."""
    return "webcal://" + url.split("://", 1)[-1]


def _description(event: Event, rsvp: RSVP | None, *, answer_link: bool) -> str:
    parts = [event.summary, event.description]
    if rsvp is not None and rsvp.is_yes and event.online_url:
        parts.append(gettext("Join online: %(url)s") % {"url": event.online_url})
    if event.is_cancelled and event.cancellation_message:
        parts.insert(0, gettext("Cancelled: %(message)s") % {"message": event.cancellation_message})
    parts.append(gettext("Details: %(url)s") % {"url": absolute(event.get_absolute_url())})
    if rsvp is not None and answer_link:
        parts.append(gettext("Your answer: %(url)s") % {"url": absolute(rsvp.get_absolute_url())})
    return "\n\n".join(part.strip() for part in parts if part and part.strip())


def location(event: Event, rsvp: RSVP | None) -> str:
    if not event.has_venue and event.is_online and rsvp is not None and rsvp.is_yes:
        return event.online_url
    return event.place


def vevent(
    event: Event,
    *,
    rsvp: RSVP | None = None,
    now: datetime.datetime | None = None,
    answer_link: bool = True,
    withdrawn: bool = False,
    attendee: bool = True,
    organiser: str = "",
) -> icalendar.Event:
    """The VEVENT for an event; with an RSVP, as that person sees it (the joining link once yes).
    `answer_link=False` leaves out the link that changes the answer, for feeds that calendar
    programs share and publish. `withdrawn`: the person's own copy, cancelled for them alone
    (they said no). `attendee=False` leaves the person out (a PUBLISH offers no reply);
    `organiser` is the address replies go to, when they are read."""
    entry = icalendar.Event()
    entry.add("uid", event_uid(event))
    entry.add("dtstamp", (now or timezone.now()).astimezone(datetime.UTC))
    entry.add("dtstart", event.starts_local)
    entry.add("dtend", event.ends_local)
    entry.add("sequence", sequence(event, rsvp))
    summary = gettext("Cancelled: %(title)s") % {"title": event.title} if event.is_cancelled else event.title
    entry.add("summary", summary)
    # RFC 5546 leaves STATUS out when one attendee is uninvited, but calendar programs
    # reliably drop an entry only when it says CANCELLED: the copy is that person's alone.
    entry.add("status", "CANCELLED" if event.is_cancelled or withdrawn else "CONFIRMED")
    entry.add("location", location(event, rsvp))
    entry.add("description", _description(event, rsvp, answer_link=answer_link))
    entry.add("url", absolute(event.get_absolute_url()))
    organiser_name, organiser_email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    entry.add(
        "organizer", f"mailto:{organiser or organiser_email}", parameters={"CN": organiser_name or settings.ORG_NAME}
    )
    if rsvp is not None and attendee:
        parameters = {"CN": rsvp.display_name, "PARTSTAT": PARTSTAT.get(rsvp.status, "NEEDS-ACTION")}
        if organiser:
            parameters["RSVP"] = "TRUE"
        entry.add("attendee", f"mailto:{rsvp.email}", parameters=parameters)
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


def email_ics(rsvp: RSVP, *, method: str, organiser: str = "") -> bytes:
    """The calendar part of an email to one person: REQUEST (with `organiser`, the address
    their calendar's reply goes to), PUBLISH (no attendee, so no reply is offered), or
    CANCEL (the event is cancelled, or the person said no after yes)."""
    entry = vevent(
        rsvp.event,
        rsvp=rsvp,
        withdrawn=method == "CANCEL",
        attendee=method != "PUBLISH",
        organiser=organiser if method == "REQUEST" else "",
    )
    return calendar([entry], name=rsvp.event.title, method=method)


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
    url = absolute(feed.get_absolute_url()) if feed else ""
    return {
        "calendar_feed_url": url,
        "calendar_feed_webcal": webcal(url) if url else "",
        "calendar_feed_action": reverse("events:member-feed-create"),
    }


def create_feed(*, user, reset: bool = False) -> CalendarFeed:
    """Give a person their private feed address; `reset` replaces it, so an old copied link stops working."""
    feed, created = CalendarFeed.objects.get_or_create(user=user)
    if reset and not created:
        feed.token = CalendarFeed._meta.get_field("token").default()
        feed.save(update_fields=["token"])
    return feed


def reply_address(rsvp: RSVP) -> str:
    """The ORGANIZER of one person's invitation, where their calendar's reply goes:
    `rsvp+<id>-<code>@domain` from CALENDAR_REPLY_EMAIL. The code is an HMAC of the RSVP id,
    so a reply names exactly one answer and cannot be made up for someone else (a From
    header proves nothing). Hex, since some mail servers lower-case the local part."""
    local, domain = settings.CALENDAR_REPLY_EMAIL.rsplit("@", 1)
    return f"{local}+{rsvp.pk}-{reply_code(rsvp.pk)}@{domain}"


def reply_code(rsvp_id: int) -> str:
    return salted_hmac(REPLY_SALT, str(rsvp_id)).hexdigest()[:24]


def rsvp_id_for_reply_address(address: str) -> int | None:
    """The RSVP a reply address names, or None for any other address or a wrong code."""
    if not settings.CALENDAR_REPLY_EMAIL:
        return None
    local, _, domain = address.strip().lower().rpartition("@")
    base_local, base_domain = settings.CALENDAR_REPLY_EMAIL.lower().rsplit("@", 1)
    if domain != base_domain or not local.startswith(f"{base_local}+"):
        return None
    rsvp_id, _, code = local.removeprefix(f"{base_local}+").partition("-")
    if not rsvp_id.isdigit() or not constant_time_compare(code, reply_code(int(rsvp_id))):
        return None
    return int(rsvp_id)
