"""Calendar programs' replies to the invitation in a yes email: Accept, Maybe, Decline.

Where CALENDAR_REPLY_EMAIL is set, each person's invitation names as its ORGANIZER a
reply address of their own (`calendars.reply_address`). The ESP's inbound webhook
posts the reply to us and notifications hands it here (`on_inbound`, registered from
EventsConfig.ready()). A reply counts when it is addressed to a valid reply address,
holds a METHOD:REPLY entry with that answer's event UID, and names that answer's
address as the ATTENDEE; it is then recorded as the link would record it
(`events.rsvp.respond`): the seat, the waitlist and the confirmation email alike. A
reply the event cannot take (answers are closed) is answered by email, so that the
person does not believe it counted. Anything else is ignored.
"""

import logging
from collections.abc import Iterator
from email.message import Message

import icalendar

from events import calendars, notices, rsvp
from events.models import RSVP

logger = logging.getLogger(__name__)

ANSWERS = {"ACCEPTED": RSVP.Status.YES, "TENTATIVE": RSVP.Status.MAYBE, "DECLINED": RSVP.Status.NO}
CALENDAR_TYPES = {"text/calendar", "application/ics"}


def _recipients(message: Message) -> list[str]:
    """Where the email was sent: the envelope first (a Bcc leaves no header), then To and Cc."""
    found = [getattr(message, "envelope_recipient", None) or ""]
    for header in ("to", "cc"):
        found += [address.addr_spec for address in getattr(message, header, None) or []]
    return [address for address in found if address]


def _calendars(message: Message) -> Iterator[icalendar.Calendar]:
    for part in message.walk():
        if part.is_multipart():
            continue
        if part.get_content_type() in CALENDAR_TYPES or (part.get_filename() or "").lower().endswith(".ics"):
            try:
                yield icalendar.Calendar.from_ical(part.get_payload(decode=True))
            except ValueError:
                continue


def _attendees(entry) -> list:
    found = entry.get("attendee") or []
    return found if isinstance(found, list) else [found]


def reply_answer(calendar: icalendar.Calendar, answer: RSVP) -> str:
    """The answer (yes, maybe, no) a calendar reply gives for this RSVP, or "" if it gives none."""
    if str(calendar.get("method", "")).upper() != "REPLY":
        return ""
    for entry in calendar.walk("VEVENT"):
        if str(entry.get("uid", "")) != calendars.event_uid(answer.event):
            continue
        for attendee in _attendees(entry):
            if str(attendee).lower().removeprefix("mailto:").strip() == answer.email:
                return ANSWERS.get(str(attendee.params.get("PARTSTAT", "")).upper(), "")
    return ""


def answer_for(message: Message) -> tuple[RSVP, str] | None:
    """The RSVP a reply email is for and the answer it gives, or None."""
    ids = [calendars.rsvp_id_for_reply_address(address) for address in _recipients(message)]
    rsvp_id = next((found for found in ids if found is not None), None)
    found = RSVP.objects.select_related("event").filter(pk=rsvp_id).first() if rsvp_id else None
    if found is None:
        return None
    for calendar in _calendars(message):
        answer = reply_answer(calendar, found)
        if answer:
            return found, answer
    return None


def record_reply(found: RSVP, answer: str) -> rsvp.Outcome | None:
    """Take the answer as the link would (a yes keeps the guests already given); if the event
    cannot take it, email the person why. None when it was refused."""
    guests = found.guests if answer == RSVP.Status.YES else 0
    try:
        return rsvp.respond(rsvp_id=found.pk, answer=answer, guests=guests, unlocked=found)
    except rsvp.RSVPRefused as refusal:
        logger.info("A calendar reply to RSVP %s was refused: %s", found.pk, refusal.code)
        notices.reply_refused(found, answer=answer, reason=refusal.message)
        return None


def on_inbound(message: Message) -> None:
    """notifications' inbound handler: record the answer of a calendar reply, if it is one."""
    if not calendars.replies_read():
        return
    found = answer_for(message)
    if found is not None:
        record_reply(*found)
