"""The waitlist of a sold-out paid event, and the offers a freed seat makes to it.

A buyer joins when the event (or the ticket type they want) is sold out. Seats are freed
when a hold ends, an order is cancelled or refunded; a worker (`offer_pass`, beat every
minute) then, with the event's row locked like every seat count, offers each free seat to
the first in line: a held order for one seat, at the price for their standing now, kept for
TICKET_OFFER_HOURS and paid through the order's own capability link, emailed to them only.
An offer not paid in time ends with its hold, and the seat goes to the next in line.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from config.languages import in_society_language
from events import ticket_waitlist_leave
from events.models import RSVP, Event
from events.ticket_holds import end_hold, lock_event, seats_left, taken_by_type
from events.ticket_offers import buyer_of, may_buy
from events.ticket_orders import Attendee, OrderRefused, _confirm, _write_order
from events.ticket_records import Order, TicketType
from events.ticket_waitlist_records import WaitlistEntry, offer_length, waiting_claims
from members.links import absolute
from notifications.outbox import queue_message

audit.log.describe("ticket_waitlist.offer_withdrawn", gettext_lazy("Withdrew a waitlist offer of a ticket"))


def sold_out(event: Event, ticket_type: TicketType | None, *, now: datetime.datetime) -> bool:
    """Whether the event has no seat left, or the ticket type none of its own."""
    left, taken = seats_left(event, now=now), taken_by_type(event.pk, now=now)
    if left is not None and left - waiting_claims(event.pk, taken=taken) <= 0:
        return True
    if ticket_type is None or ticket_type.quantity is None:
        return False
    return taken[ticket_type.pk] >= ticket_type.quantity


def join(
    *, event: Event, name: str, email: str, user=None, ticket_type: TicketType | None = None, now=None
) -> WaitlistEntry:
    """Put a person in line for a seat. Raises OrderRefused, changing nothing, unless the event
    sells tickets and is sold out (or the type is), and the person is neither coming nor waiting."""
    now = now or timezone.now()
    name, email = name.strip(), email.strip().lower()
    if not name or not email:
        raise OrderRefused(_("Give a name and an email address to join the waitlist."), code="details")
    if not event.ticket_types.exists() or event.status != Event.Status.PUBLISHED:
        raise OrderRefused(_("This event has no waitlist."), code="no_waitlist")
    if ticket_type is not None and ticket_type.event_id != event.pk:
        raise OrderRefused(_("That ticket is not offered for this event."), code="unknown")
    if RSVP.objects.filter(event=event, email=email, status=RSVP.Status.YES).exists():
        raise OrderRefused(_("%(email)s is already coming to this event.") % {"email": email}, code="coming")
    if not sold_out(Event.objects.get(pk=event.pk), ticket_type, now=now):  # the seat count as it is now
        raise OrderRefused(_("There are seats left: you can buy a ticket now."), code="not_full")
    member = user if getattr(user, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            entry = WaitlistEntry.objects.create(
                event=event, ticket_type=ticket_type, user=member, name=name, email=email
            )
            ticket_waitlist_leave.queue_joined_email(entry, position=position(entry))
    except IntegrityError:
        raise OrderRefused(_("%(email)s is already on the waitlist.") % {"email": email}, code="waiting") from None
    return entry


def position(entry: WaitlistEntry) -> int | None:
    """Where a waiting entry stands in line (1 is next), or None if it is not waiting."""
    if entry.status != WaitlistEntry.Status.WAITING:
        return None
    ahead = WaitlistEntry.objects.filter(event_id=entry.event_id, status=WaitlistEntry.Status.WAITING)
    return ahead.filter(created_at__lt=entry.created_at).count() + 1


def offer_seats(*, event_id: int, now: datetime.datetime | None = None) -> list[WaitlistEntry]:
    """Offer each free seat of an event to the first in line who may take it, with the event's
    row locked, so one seat is never offered twice and one person never gets two offers."""
    now = now or timezone.now()
    offered = []
    with transaction.atomic():
        event = lock_event(event_id)
        _settle_offers(event, now)
        left = seats_left(event, now=now)
        if event.status != Event.Status.PUBLISHED or event.rsvp_closed_reason(now):
            return []
        types = {t.pk: t for t in event.ticket_types.prefetch_related("plans")}
        taken = taken_by_type(event.pk, now=now)
        waiting = WaitlistEntry.objects.select_for_update().filter(event=event, status=WaitlistEntry.Status.WAITING)
        for entry in waiting.order_by("created_at", "pk"):
            if left is not None and left <= 0:
                break
            ticket_type = _ticket_for(entry, types, taken, now)
            if ticket_type is None:
                continue
            _offer(event, entry, ticket_type, now)
            taken[ticket_type.pk] += 1
            left = None if left is None else left - 1
            offered.append(entry)
    return offered


def _settle_offers(event: Event, now: datetime.datetime) -> None:
    """Offers bought, or whose time ran out (their held order ends here if the sweep has not ended it)."""
    offers = WaitlistEntry.objects.select_for_update(of=("self",)).filter(
        event=event, status=WaitlistEntry.Status.OFFERED
    )
    for entry in offers.select_related("offer"):
        order = entry.offer
        if order is not None and order.is_paid:
            entry.status = WaitlistEntry.Status.BOUGHT
        elif order is None or not order.holds_seats(now):
            if order is not None and order.is_held:
                end_hold(
                    order,
                    status=Order.Status.EXPIRED,
                    now=now,
                    reason=in_society_language(gettext_lazy("waitlist offer not taken up")),
                )
            entry.status = WaitlistEntry.Status.LAPSED
        else:
            continue
        entry.save(update_fields=["status"])


def _ticket_for(entry: WaitlistEntry, types: dict, taken, now) -> TicketType | None:
    """The ticket offered: the type asked for if this person may buy it now and it has room;
    otherwise (none asked for) the cheapest visible type on sale they may buy."""
    buyer = buyer_of(entry.user, on=timezone.localdate(now))

    def fits(ticket_type: TicketType) -> bool:
        room = ticket_type.quantity is None or taken[ticket_type.pk] < ticket_type.quantity
        return room and ticket_type.on_sale(now) and may_buy(ticket_type, buyer)

    if entry.ticket_type_id is not None:
        wanted = types.get(entry.ticket_type_id)
        return wanted if wanted is not None and fits(wanted) else None
    choices = [t for t in types.values() if not t.hidden and fits(t)]
    return min(choices, key=lambda t: (t.price_cents, t.pk), default=None)


def _offer(event: Event, entry: WaitlistEntry, ticket_type: TicketType, now: datetime.datetime) -> None:
    """Hold one seat for this person and email them its pay link. Event locked."""
    attendee = Attendee(ticket_type_id=ticket_type.pk, name=entry.name, email=entry.email)
    order = _write_order(
        event, entry.user, entry.name, entry.email, [attendee], {ticket_type.pk: ticket_type}, None, now
    )
    order.held_until = now + offer_length()
    order.save(update_fields=["held_until"])
    entry.status, entry.offer, entry.offered_at = WaitlistEntry.Status.OFFERED, order, now
    entry.save(update_fields=["status", "offer", "offered_at"])
    if order.charged_cents == 0:
        _confirm(event, order, now)
        entry.status = WaitlistEntry.Status.BOUGHT
        entry.save(update_fields=["status"])
        return
    _queue_offer_email(event, entry, order)


def _queue_offer_email(event: Event, entry: WaitlistEntry, order: Order) -> None:
    until = formats.date_format(timezone.localtime(order.held_until, event.zone), "DATETIME_FORMAT")
    subject = _("A seat at %(event)s is yours to take") % {"event": event.title}
    text = _(
        "A seat has been freed at %(event)s and you are first on the waitlist. It is held for you "
        "until %(until)s (%(zone)s). Pay for your ticket here: %(link)s\n\n"
        "This link is yours alone; if you do not pay by then, the seat is offered to the next in line."
    ) % {"event": event.title, "until": until, "zone": event.time_zone, "link": absolute(order.capability_url)}
    text += "\n\n" + _("No longer want it? Leave the waitlist, and the seat goes to the next in line: %(link)s") % {
        "link": ticket_waitlist_leave.leave_url(entry)
    }
    queue_message(
        key=f"ticket-waitlist-offer:{entry.pk}", to=entry.email, kind="ticket-waitlist-offer",
        subject=subject, text=text, user_id=entry.user_id, confidential=True,
    )  # fmt: skip


def offer_pass(*, now: datetime.datetime | None = None) -> int:
    """Offer freed seats at every event with someone waiting or an offer open (beat); offers made."""
    event_ids = (
        WaitlistEntry.objects.filter(status__in=WaitlistEntry.OPEN).values_list("event_id", flat=True).distinct()
    )
    return sum(len(offer_seats(event_id=event_id, now=now)) for event_id in list(event_ids))


def withdraw_offer(*, entry: WaitlistEntry, by, reason: str = "") -> bool:
    """Revoke an offer (its link stops working and its seat goes to the next in line at the next
    pass); False if it was no longer open."""
    now = timezone.now()
    with transaction.atomic():
        lock_event(entry.event_id)
        entry = WaitlistEntry.objects.select_for_update(of=("self",)).select_related("offer", "event").get(pk=entry.pk)
        if entry.status != WaitlistEntry.Status.OFFERED or entry.offer is None or not entry.offer.is_held:
            return False
        end_hold(
            entry.offer,
            status=Order.Status.CANCELLED,
            now=now,
            reason=in_society_language(gettext_lazy("waitlist offer withdrawn")),
        )
        entry.status = WaitlistEntry.Status.LAPSED
        entry.save(update_fields=["status"])
        audit.log.record(
            by, "ticket_waitlist.offer_withdrawn", entry, changes={"status": ["offered", "lapsed"]}, reason=reason
        )
    return True


def close(*, event_id: int) -> int:
    """A cancelled event's waitlist closes: nobody waits on, and open offers end (their links stop
    working). The number of entries closed."""
    now = timezone.now()
    with transaction.atomic():
        lock_event(event_id)
        open_entries = WaitlistEntry.objects.select_for_update(of=("self",)).select_related("offer")
        open_entries = list(open_entries.filter(event_id=event_id, status__in=WaitlistEntry.OPEN))
        for entry in open_entries:
            ticket_waitlist_leave.close_entry(entry, now=now, reason=gettext_lazy("the event was cancelled"))
    return len(open_entries)
