"""Leaving a paid event's waitlist oneself: by the link in one's waitlist email, or signed in.

The link is signed with the entry it is for and does one thing: take that entry out of line.
Once the entry has left (or bought, or its offer lapsed) the link does nothing more. An open
offer made to the person is withdrawn as they leave; its seat goes to the next in line at the
next offer pass.
"""

import datetime

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.languages import in_society_language
from events.ticket_holds import end_hold, lock_event
from events.ticket_records import Order
from events.ticket_waitlist_records import WaitlistEntry
from members.links import absolute
from notifications.outbox import queue_message

SALT = "events.waitlist.leave"


def leave_token(entry: WaitlistEntry) -> str:
    return signing.dumps(entry.pk, salt=SALT)


def entry_for_token(token: str) -> WaitlistEntry | None:
    try:
        entry_id = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return WaitlistEntry.objects.select_related("event").filter(pk=entry_id).first()


def leave_url(entry: WaitlistEntry) -> str:
    return absolute(reverse("events:waitlist-leave-link", args=[leave_token(entry)]))


def open_entry_of(event_id: int, user) -> WaitlistEntry | None:
    """A signed-in person's place in line (or open offer) at this event, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    entries = WaitlistEntry.objects.filter(event_id=event_id, status__in=WaitlistEntry.OPEN)
    return entries.filter(user=user).first() or entries.filter(email=user.email.lower()).first()


def leave(*, entry_id: int, now: datetime.datetime | None = None) -> bool:
    """Take a person out of the waitlist, withdrawing an open offer made to them (its held seat
    is freed for the next in line). False if the entry was no longer waiting or offered."""
    now = now or timezone.now()
    event_id = WaitlistEntry.objects.values_list("event_id", flat=True).get(pk=entry_id)
    with transaction.atomic():
        lock_event(event_id)
        entry = WaitlistEntry.objects.select_for_update(of=("self",)).select_related("offer").get(pk=entry_id)
        if entry.status not in WaitlistEntry.OPEN:
            return False
        close_entry(entry, now=now, reason=gettext_lazy("left the waitlist"))
    return True


def close_entry(entry: WaitlistEntry, *, now: datetime.datetime, reason) -> None:
    """Take a locked, open entry off the waitlist, ending the hold of a seat offered to it;
    `reason` (marked) is kept on the offer in the society's language. Under the event's lock."""
    if entry.offer is not None and entry.offer.is_held:
        end_hold(entry.offer, status=Order.Status.CANCELLED, now=now, reason=in_society_language(reason))
    entry.status = WaitlistEntry.Status.LEFT
    entry.save(update_fields=["status"])


def queue_joined_email(entry: WaitlistEntry, *, position: int | None) -> None:
    """Tell a person they are in line, with the link to leave it."""
    subject = _("You are on the waitlist for %(event)s") % {"event": entry.event.title}
    text = _(
        "You are on the waitlist for %(event)s, number %(n)s in line. If a seat is freed, we email "
        "you a link to pay for it.\n\nNo longer want a seat? Leave the waitlist here: %(link)s"
    ) % {"event": entry.event.title, "n": position or "-", "link": leave_url(entry)}
    queue_message(
        key=f"ticket-waitlist-joined:{entry.pk}", to=entry.email, kind="ticket-waitlist-joined",
        subject=subject, text=text, user_id=entry.user_id, confidential=True,
    )  # fmt: skip
