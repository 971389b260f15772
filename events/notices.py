"""Every email the events app sends.

A change records what it owes with one of the `…(rsvp)` functions below: one small
row under an idempotency key that names the person and the change, so repeating a
step never sends twice. Nothing is rendered there, and no QR code or calendar file
is made: that happens in a mail worker, in the composers below (`register()`).

What a message reflects: the event as it is when the email is composed (its time,
place and link), and the facts of the change that caused it (which answer, which
organiser's message). An email that no longer applies is not sent: an answer's
confirmation that a newer answer replaced, a notice of a change that a newer change
superseded, a reminder to someone no longer coming or for an event moved since.
"""

import datetime
import io
from urllib.parse import urlencode

import segno
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from events import calendar_links, calendars, checkin
from events.models import RSVP, Event
from events.text import render_markdown
from events.ticket_receipts import receipt_url_for
from events.ticket_records import OrderLine
from notifications.outbox import Attachment, Category, Notice, Skip, composed_from, queue_notice, register_composer

QR_CONTENT_ID = "check-in-qr"
LINK_IN_REMINDERS_WITHIN = datetime.timedelta(hours=2)
TEMPLATES = "events/email/"
COMING = (RSVP.Status.YES, RSVP.Status.MAYBE)

absolute = calendars.absolute


def rsvp_url(rsvp: RSVP, *, answer: str = "", guests: int | None = None) -> str:
    query = {key: value for key, value in (("answer", answer), ("guests", guests)) if value not in ("", None)}
    return absolute(rsvp.get_absolute_url()) + (f"?{urlencode(query)}" if query else "")


# Keys: each format is written here only.


def invitation_key_prefix(event: Event) -> str:
    return f"event-invitation:{event.pk}:"


def reminder_key(event: Event, rsvp_id: int, label: str) -> str:
    """A moved event has a new schedule version, so its reminders are new keys."""
    return f"event-reminder:{event.pk}:{rsvp_id}:{label}:s{event.schedule_version}"


# What a change owes.


def _notice(rsvp: RSVP, *, key: str, kind: str, facts: dict, category=Category.TRANSACTIONAL) -> Notice:
    return Notice(key=key, kind=kind, to=rsvp.email, facts={"rsvp": rsvp.pk, **facts}, category=category,
                  user_id=rsvp.user_id)  # fmt: skip


def answer_recorded(rsvp: RSVP, *, waitlist_position: int | None, previous: str = "") -> bool:
    """Confirm a recorded answer. A yes carries the calendar entry and the check-in QR code;
    a no after a yes (`previous`) withdraws the entry from the person's calendar."""
    kind = {RSVP.Status.YES: "event-yes", RSVP.Status.WAITLISTED: "event-waitlisted"}.get(rsvp.status, "event-answer")
    facts = {"revision": rsvp.revision, "position": waitlist_position}
    if rsvp.status == RSVP.Status.NO and previous == RSVP.Status.YES:
        facts["withdrawn"] = True
    return queue_notice(_notice(rsvp, key=f"event-answer:{rsvp.pk}:{rsvp.revision}", kind=kind, facts=facts))


def ticket_confirmed(rsvp: RSVP, *, line_id: int) -> bool:
    """Give an attendee their paid ticket: the ticket type, who ordered it, the calendar entry,
    the check-in QR code and their own link. Keyed like an answer, so a yes is told once."""
    facts = {"revision": rsvp.revision, "line": line_id}
    return queue_notice(_notice(rsvp, key=f"event-answer:{rsvp.pk}:{rsvp.revision}", kind="event-ticket", facts=facts))


def promoted(rsvp: RSVP) -> bool:
    """Tell someone from the waitlist that a seat is theirs."""
    key = f"event-promoted:{rsvp.pk}:{rsvp.revision}"
    return queue_notice(_notice(rsvp, key=key, kind="event-promoted", facts={"revision": rsvp.revision}))


def invitation(rsvp: RSVP) -> Notice:
    """Invite one person: one invitation per person per event, however often they are invited."""
    key = f"{invitation_key_prefix(rsvp.event)}{rsvp.pk}"
    return _notice(rsvp, key=key, kind="event-invitation", facts={}, category=Category.INVITATIONS)


def rsvp_link(rsvp: RSVP, *, answer: str, guests: int, now: datetime.datetime) -> bool:
    """Send a visitor the link that confirms their answer: at most one an hour."""
    key = f"event-rsvp-link:{rsvp.pk}:{now:%Y%m%d%H}"
    return queue_notice(_notice(rsvp, key=key, kind="event-rsvp-link", facts={"answer": answer, "guests": guests}))


def event_changed(rsvp: RSVP, *, change: str, sequence: int, message: str) -> Notice:
    """Tell someone the event moved (`change` "moved") or changed place ("place"), with the updated .ics."""
    key = f"event-{change}:{rsvp.event_id}:{rsvp.pk}:{sequence}"
    facts = {"change": change, "sequence": sequence, "message": message}
    return _notice(rsvp, key=key, kind=f"event-{change}", facts=facts)


def event_cancelled(rsvp: RSVP, *, message: str) -> Notice:
    """Tell someone the event is cancelled; their calendar entry is withdrawn (METHOD:CANCEL)."""
    key = f"event-cancelled:{rsvp.event_id}:{rsvp.pk}"
    return _notice(rsvp, key=key, kind="event-cancelled", facts={"message": message})


def reply_refused(rsvp: RSVP, *, answer: str, reason: str) -> bool:
    """Tell someone the answer their calendar program sent could not be taken (answers are
    closed, say), so they do not believe it counted. Once per answer they had."""
    key = f"event-reply-refused:{rsvp.pk}:{rsvp.revision}:{answer}"
    return queue_notice(_notice(rsvp, key=key, kind="event-reply-refused", facts={"answer": answer, "reason": reason}))


def reminder(rsvp: RSVP, *, event: Event, label: str, offset: datetime.timedelta) -> Notice:
    """Remind someone the event is coming; the last reminder carries the online joining link."""
    facts = {"label": label, "offset": int(offset.total_seconds()), "schedule": event.schedule_version}
    key = reminder_key(event, rsvp.pk, label)
    return _notice(rsvp, key=key, kind="event-reminder", facts=facts, category=Category.REMINDERS)


# Composers: run in a mail worker.


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    # A fixed mask: choosing the "best" of eight costs most of the time and gains scanners nothing.
    segno.make(url, error="m", mask=0, micro=False).save(buffer, kind="png", scale=6, border=2)
    return buffer.getvalue()


def qr_svg(url: str) -> str:
    """The same code as inline SVG, for the answer page."""
    return segno.make(url, error="m", mask=0, micro=False).svg_inline(scale=5, title=gettext("Your check-in code"))


def _calendar(rsvp: RSVP, method: str) -> tuple[Attachment, ...]:
    """The person's calendar entry twice: as the iMIP part of the message, which mail
    programs show as an invitation (or a cancellation), and as a file to open elsewhere
    (application/ics, so that no program takes it for a second invitation)."""
    organiser = calendars.reply_address(rsvp) if method == "REQUEST" else ""
    content = calendars.email_ics(rsvp, method=method, organiser=organiser)
    return (
        Attachment("invite.ics", content, f"text/calendar; method={method}", alternative=True),
        Attachment("event.ics", content, "application/ics"),
    )


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
        "replies_read": calendars.replies_read(),
        **extra,
    }


PERSONAL = ("rsvp_url", "yes_url", "maybe_url", "no_url", "door_url", "confirm_url", "receipt_url")


def _compose(row, template: str, context: dict, attachments=()):
    links = tuple(context[name] for name in PERSONAL if context.get(name))
    return composed_from(row, TEMPLATES + template, context, attachments=tuple(attachments), personal_links=links)


def _rsvp(row) -> RSVP:
    return RSVP.objects.select_related("event").get(pk=row.facts["rsvp"])


def _ticket(rsvp: RSVP) -> tuple[dict, tuple[Attachment, ...]]:
    """What a yes carries: the calendar entry with add-to-calendar links, and the QR code an
    organiser scans at the door (none for an online event: it has no door)."""
    context = {"calendar_links": calendar_links.add_to_calendar(rsvp.event, rsvp=rsvp)}
    attachments = _calendar(rsvp, calendars.invitation_method())
    if rsvp.event.is_online_only:
        return context, attachments
    door_url = absolute(checkin.door_path(rsvp))
    qr = Attachment("check-in.png", qr_png(door_url), "image/png", content_id=QR_CONTENT_ID)
    return {**context, "door_url": door_url, "qr_cid": QR_CONTENT_ID}, (*attachments, qr)


def _current(rsvp: RSVP, row) -> None:
    if rsvp.revision != row.facts["revision"]:
        raise Skip(gettext_lazy("a newer answer replaced the one this email confirmed."))


def compose_answer(row):
    rsvp = _rsvp(row)
    _current(rsvp, row)
    if row.kind == "event-yes":
        extra, attachments = _ticket(rsvp)
        extra["receipt_url"] = receipt_url_for(rsvp)
        return _compose(row, "yes", _context(rsvp, **extra), attachments)
    if row.kind == "event-waitlisted":
        return _compose(row, "waitlisted", _context(rsvp, position=row.facts.get("position")))
    withdrawn = bool(row.facts.get("withdrawn"))
    attachments = _calendar(rsvp, "CANCEL") if withdrawn else ()
    return _compose(row, "answer", _context(rsvp, withdrawn=withdrawn), attachments)


def compose_ticket(row):
    rsvp = _rsvp(row)
    _current(rsvp, row)
    line = OrderLine.objects.select_related("ticket_type__event", "order").get(pk=row.facts["line"])
    extra, attachments = _ticket(rsvp)
    extra.update(line=line, buyer=line.order.buyer_name, receipt_url=receipt_url_for(rsvp))
    extra["ordered_by_other"] = line.order.buyer_email.lower() != rsvp.email.lower()
    return _compose(row, "ticket", _context(rsvp, **extra), attachments)


def compose_promoted(row):
    rsvp = _rsvp(row)
    _current(rsvp, row)
    extra, attachments = _ticket(rsvp)
    return _compose(row, "promoted", _context(rsvp, **extra), attachments)


def compose_invitation(row):
    rsvp = _rsvp(row)
    if not rsvp.event.is_published or rsvp.event.is_over(timezone.now()):
        raise Skip(gettext_lazy("the event is no longer open (cancelled, unpublished or over)."))
    context = _context(rsvp, description_html=render_markdown(rsvp.event.shown_description))
    return _compose(row, "invitation", context)


def compose_rsvp_link(row):
    rsvp = _rsvp(row)
    answer, guests = row.facts["answer"], row.facts["guests"]
    confirm_url = rsvp_url(rsvp, answer=answer, guests=guests or None)
    context = _context(rsvp, answer=_answer_label(answer), confirm_url=confirm_url)
    return _compose(row, "rsvp_link", context)


def _answer_label(answer: str) -> str:
    """An answer as the reader says it ("yes", "sí"), lower case as it reads in a sentence."""
    return str(RSVP.Status(answer).label).lower() if answer in RSVP.Status.values else answer


def compose_changed(row):
    rsvp = _rsvp(row)
    if rsvp.event.sequence != row.facts["sequence"]:
        raise Skip(gettext_lazy("a newer change to the event superseded this notice; that one is sent instead."))
    attachments = _calendar(rsvp, calendars.invitation_method()) if rsvp.status in COMING else ()
    context = _context(rsvp, change=row.facts["change"], message=row.facts["message"])
    return _compose(row, "changed", context, attachments)


def compose_cancelled(row):
    rsvp = _rsvp(row)
    attachments = _calendar(rsvp, "CANCEL") if rsvp.status in COMING else ()
    return _compose(row, "cancelled", _context(rsvp), attachments)


def compose_reply_refused(row):
    rsvp = _rsvp(row)
    context = _context(rsvp, answer=_answer_label(row.facts["answer"]), reason=row.facts["reason"])
    return _compose(row, "reply_refused", context)


def starts_in(label: str) -> str:
    """'2d' as 'in 2 days', '1d' as 'tomorrow', '2h' as 'in 2 hours'."""
    amount, unit = int(label[:-1]), label[-1]
    if unit == "d":
        return gettext("tomorrow") if amount == 1 else ngettext("in %(n)d day", "in %(n)d days", amount) % {"n": amount}
    if unit == "h":
        return (
            gettext("in an hour")
            if amount == 1
            else ngettext("in %(n)d hour", "in %(n)d hours", amount) % {"n": amount}
        )
    return ngettext("in %(n)d minute", "in %(n)d minutes", amount) % {"n": amount}


def compose_reminder(row):
    rsvp = _rsvp(row)
    event = rsvp.event
    if not event.is_published or event.has_started(timezone.now()):
        raise Skip(gettext_lazy("the event is cancelled, unpublished or has started."))
    if event.schedule_version != row.facts["schedule"]:
        raise Skip(gettext_lazy("the event moved after this reminder was queued; its new reminders are planned anew."))
    if rsvp.status not in (COMING if event.remind_maybe else (RSVP.Status.YES,)):
        raise Skip(gettext_lazy("the person is no longer coming."))
    offset = datetime.timedelta(seconds=row.facts["offset"])
    show_link = rsvp.is_yes and event.is_online and offset <= LINK_IN_REMINDERS_WITHIN
    return _compose(row, "reminder", _context(rsvp, starts_in=starts_in(row.facts["label"]), show_link=show_link))


def register() -> None:
    """Tell notifications how to compose each kind of events' email."""
    for kind in ("event-yes", "event-waitlisted", "event-answer"):
        register_composer(kind, compose_answer)
    register_composer("event-ticket", compose_ticket)
    register_composer("event-promoted", compose_promoted)
    register_composer("event-invitation", compose_invitation)
    register_composer("event-rsvp-link", compose_rsvp_link)
    register_composer("event-moved", compose_changed)
    register_composer("event-place", compose_changed)
    register_composer("event-cancelled", compose_cancelled)
    register_composer("event-reminder", compose_reminder)
    register_composer("event-reply-refused", compose_reply_refused)
