"""Every email the events app sends, queued through the notifications outbox.

Each is queued inside the caller's transaction under an idempotency key that
names the person and the change, so repeating a step never sends twice.
"""

import datetime
import io
from urllib.parse import urlencode

import segno
from django.urls import reverse

from events import calendars, checkin
from events.models import RSVP, Event
from events.text import render_markdown
from notifications.models import Category
from notifications.outbox import Attachment, Queued, queue_email

QR_CONTENT_ID = "check-in-qr"
LINK_IN_REMINDERS_WITHIN = datetime.timedelta(hours=2)

absolute = calendars.absolute


def rsvp_url(rsvp: RSVP, *, answer: str = "", guests: int | None = None) -> str:
    query = {key: value for key, value in (("answer", answer), ("guests", guests)) if value not in ("", None)}
    return absolute(rsvp.get_absolute_url()) + (f"?{urlencode(query)}" if query else "")


def _context(rsvp: RSVP, **extra) -> dict:
    event = rsvp.event
    return {
        "event": event,
        "rsvp": rsvp,
        "when": event.when,
        "place": event.place,
        "event_url": absolute(event.get_absolute_url()),
        "calendar_url": absolute(reverse("events:event-ics", args=[event.slug])),
        "rsvp_url": rsvp_url(rsvp),
        "yes_url": rsvp_url(rsvp, answer=RSVP.Status.YES),
        "maybe_url": rsvp_url(rsvp, answer=RSVP.Status.MAYBE),
        "no_url": rsvp_url(rsvp, answer=RSVP.Status.NO),
        "show_link": rsvp.is_yes and event.is_online,
        **extra,
    }


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    # A fixed mask: choosing the "best" of eight costs most of the time and gains scanners nothing.
    segno.make(url, error="m", mask=0, micro=False).save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()


def qr_svg(url: str) -> str:
    """The same code as inline SVG, for the answer page."""
    return segno.make(url, error="m", mask=0, micro=False).svg_inline(scale=5, title="Your check-in code")


def _ics(rsvp: RSVP, method: str) -> Attachment:
    content = calendars.event_ics(rsvp.event, rsvp=rsvp, method=method)
    return Attachment("event.ics", content, f"text/calendar; method={method}")


def _ticket(rsvp: RSVP) -> tuple[dict, tuple[Attachment, ...]]:
    """What a yes carries: the calendar entry, and the QR code an organiser scans at the door."""
    door_url = absolute(checkin.door_path(rsvp))
    qr = Attachment("check-in.png", qr_png(door_url), "image/png", content_id=QR_CONTENT_ID)
    return {"door_url": door_url, "qr_cid": QR_CONTENT_ID}, (_ics(rsvp, "REQUEST"), qr)


def _queue(
    rsvp: RSVP, *, key: str, kind: str, template: str, context: dict, category=Category.TRANSACTIONAL, attachments=()
):
    return queue_email(
        key=key,
        to=rsvp.email,
        kind=kind,
        template=f"events/email/{template}",
        context=context,
        category=category,
        user_id=rsvp.user_id,
        attachments=tuple(attachments),
    )


def answer_recorded(rsvp: RSVP, *, waitlist_position: int | None) -> Queued:
    """Confirm a recorded answer. A yes carries the .ics and the check-in QR code."""
    key = f"event-answer:{rsvp.pk}:{rsvp.revision}"
    if rsvp.is_yes:
        extra, attachments = _ticket(rsvp)
        return _queue(
            rsvp, key=key, kind="event-yes", template="yes", context=_context(rsvp, **extra), attachments=attachments
        )
    if rsvp.status == RSVP.Status.WAITLISTED:
        context = _context(rsvp, position=waitlist_position)
        return _queue(rsvp, key=key, kind="event-waitlisted", template="waitlisted", context=context)
    return _queue(rsvp, key=key, kind="event-answer", template="answer", context=_context(rsvp))


def promoted(rsvp: RSVP) -> Queued:
    """Tell someone from the waitlist that a seat is theirs."""
    extra, attachments = _ticket(rsvp)
    key = f"event-promoted:{rsvp.pk}:{rsvp.revision}"
    return _queue(
        rsvp,
        key=key,
        kind="event-promoted",
        template="promoted",
        context=_context(rsvp, **extra),
        attachments=attachments,
    )


def invitation(rsvp: RSVP) -> Queued:
    """Invite one person: one invitation per person per event, however often they are invited."""
    context = _context(rsvp, description_html=render_markdown(rsvp.event.description))
    return _queue(
        rsvp,
        key=f"event-invitation:{rsvp.event_id}:{rsvp.pk}",
        kind="event-invitation",
        template="invitation",
        context=context,
        category=Category.INVITATIONS,
    )


def rsvp_link(rsvp: RSVP, *, answer: str, guests: int, now: datetime.datetime) -> Queued:
    """Send a visitor the link that confirms their answer: at most one an hour."""
    context = _context(rsvp, answer=answer, confirm_url=rsvp_url(rsvp, answer=answer, guests=guests or None))
    return _queue(
        rsvp,
        key=f"event-rsvp-link:{rsvp.pk}:{now:%Y%m%d%H}",
        kind="event-rsvp-link",
        template="rsvp_link",
        context=context,
    )


def event_changed(rsvp: RSVP, *, change: str, message: str) -> Queued:
    """Tell someone the event moved (`change` "moved") or changed place ("place"), with the updated .ics."""
    event = rsvp.event
    attachments = (_ics(rsvp, "REQUEST"),) if rsvp.status in (RSVP.Status.YES, RSVP.Status.MAYBE) else ()
    return _queue(
        rsvp,
        key=f"event-{change}:{event.pk}:{rsvp.pk}:{event.sequence}",
        kind=f"event-{change}",
        template="changed",
        context=_context(rsvp, change=change, message=message),
        attachments=attachments,
    )


def event_cancelled(rsvp: RSVP) -> Queued:
    """Tell someone the event is cancelled; their calendar entry is withdrawn (METHOD:CANCEL)."""
    attachments = (_ics(rsvp, "CANCEL"),) if rsvp.status in (RSVP.Status.YES, RSVP.Status.MAYBE) else ()
    return _queue(
        rsvp,
        key=f"event-cancelled:{rsvp.event_id}:{rsvp.pk}",
        kind="event-cancelled",
        template="cancelled",
        context=_context(rsvp),
        attachments=attachments,
    )


def starts_in(label: str) -> str:
    """'2d' as 'in 2 days', '1d' as 'tomorrow', '2h' as 'in 2 hours'."""
    amount, unit = int(label[:-1]), label[-1]
    if unit == "d":
        return "tomorrow" if amount == 1 else f"in {amount} days"
    noun = {"h": "hour", "m": "minute"}[unit]
    return f"in {'an' if unit == 'h' and amount == 1 else amount} {noun}{'' if amount == 1 else 's'}"


def reminder_key(event: Event, rsvp_id: int, label: str) -> str:
    """A moved event has a new schedule version, so its reminders are new keys."""
    return f"event-reminder:{event.pk}:{rsvp_id}:{label}:s{event.schedule_version}"


def reminder(rsvp: RSVP, *, label: str, offset: datetime.timedelta) -> Queued:
    """Remind someone the event is coming; the last reminder carries the online joining link."""
    event = rsvp.event
    context = _context(
        rsvp,
        starts_in=starts_in(label),
        show_link=rsvp.is_yes and event.is_online and offset <= LINK_IN_REMINDERS_WITHIN,
    )
    return _queue(
        rsvp,
        key=reminder_key(event, rsvp.pk, label),
        kind="event-reminder",
        template="reminder",
        context=context,
        category=Category.REMINDERS,
    )
