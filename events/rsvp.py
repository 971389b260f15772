"""Answering an event: seat accounting, the waitlist and its promotions.

Every change that can take or free a seat locks the event row first
(`select_for_update`; on SQLite the IMMEDIATE transaction takes the write lock
at BEGIN) and reads and moves the event's own seat counter (`Event.seats_taken`,
yes answers plus their guests). Two people can therefore never both take the
last seat, whatever the interleaving, and taking a seat costs the same on a
10,000-person congress as on a lecture. What needs no lock (who may answer) is
checked before the lock is taken; under it there are a few short statements and
one small outbox row, nothing slow.
"""

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from events import notices
from events.models import RSVP, Event
from members.models import Member, Standing

ANSWERS = (RSVP.Status.YES, RSVP.Status.MAYBE, RSVP.Status.NO)
# What an answer or a promotion changes; saved alone, so a check-in or a name written at the
# same moment by another request is never overwritten with what this one read.
ANSWER_FIELDS = ["status", "guests", "revision", "answered_at", "status_changed_at", "waitlisted_at"]


class RSVPRefused(Exception):
    """An answer that cannot be taken; `message` says why in words a person understands."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass
class Outcome:
    rsvp: RSVP
    changed: bool
    waitlist_position: int | None = None
    promoted: list[RSVP] = field(default_factory=list)


def seats_taken(event: Event) -> int:
    """Yes answers plus their guests (the event's counter)."""
    return event.seats_taken


def seats_left(event: Event) -> int | None:
    return event.seats_left(event.seats_taken)


def count_seats(event_id: int) -> int:
    """Yes answers plus their guests, summed from the answers (to check or rebuild the counter)."""
    rows = RSVP.objects.filter(event_id=event_id, status=RSVP.Status.YES)
    return rows.aggregate(seats=models.Sum(models.F("guests") + 1))["seats"] or 0


def recount_seats(*, event_id: int) -> int:
    """Set the event's counter from its answers (after answers were written in bulk, as seeds do)."""
    with transaction.atomic():
        Event.objects.select_for_update().filter(pk=event_id).first()
        taken = count_seats(event_id)
        Event.objects.filter(pk=event_id).update(seats_taken=taken)
    return taken


def waitlist_position(rsvp: RSVP) -> int | None:
    """1 for the first in line; None for someone not on the waitlist."""
    if rsvp.status != RSVP.Status.WAITLISTED:
        return None
    ahead = rsvp.event.rsvps.waitlist().filter(
        models.Q(waitlisted_at__lt=rsvp.waitlisted_at) | models.Q(waitlisted_at=rsvp.waitlisted_at, pk__lt=rsvp.pk)
    )
    return ahead.count() + 1


def membership_standing(*, email: str, user=None, on: datetime.date) -> Standing | None:
    """The standing of the member behind an RSVP (`user`: the account or its id), or None
    for someone who is not a member."""
    members = Member.objects.filter(user=user) if user is not None else Member.objects.filter(user__email=email)
    member = members.prefetch_related("terms").first()
    return member.standing(on=on) if member else None


def eligibility_problem(event: Event, *, email: str, user=None, now: datetime.datetime) -> RSVPRefused | None:
    """Why this person may not say yes or maybe to a members-only event, or None if they may."""
    if not event.is_members_only:
        return None
    standing = membership_standing(email=email, user=user, on=timezone.localdate(now))
    if standing in (Standing.ACTIVE, Standing.GRACE):
        return None
    if standing == Standing.LAPSED:
        return RSVPRefused(
            _("This event is for members in good standing. Renew your membership to answer."), code="lapsed"
        )
    return RSVPRefused(_("This event is for members in good standing only."), code="members_only")


def rsvp_for(*, event: Event, email: str, name: str = "", user=None) -> RSVP:
    """The person's RSVP to the event, created with no answer yet if there is none."""
    email = email.strip().lower()
    try:
        rsvp, created = RSVP.objects.get_or_create(event=event, email=email, defaults={"name": name, "user": user})
    except IntegrityError:  # created by a request that ran at the same moment
        rsvp, created = RSVP.objects.get(event=event, email=email), False
    if not created and ((user is not None and rsvp.user_id is None) or (name and not rsvp.name)):
        rsvp.user = rsvp.user or user
        rsvp.name = rsvp.name or name
        rsvp.save(update_fields=["user", "name"])
    return rsvp


def respond(
    *,
    rsvp_id: int,
    answer: str,
    guests: int = 0,
    now: datetime.datetime | None = None,
    notify: bool = True,
    unlocked: RSVP | None = None,
) -> Outcome:
    """Record an answer (yes, maybe, no) and its guests, taking a seat, joining the
    waitlist or freeing a seat for the first in line who fits. Raises RSVPRefused
    (and changes nothing) outside the RSVP window, on a cancelled event, for a
    members-only event the person may not attend, or for too many guests.

    `unlocked`: the RSVP with its event as the caller has just read it (the link's page
    did), used only for the checks made before the lock; the answer itself is taken
    on the rows read again under it."""
    now = now or timezone.now()
    if answer not in ANSWERS:
        raise RSVPRefused(_("Choose yes, maybe or no."), code="answer")
    if unlocked is None or unlocked.pk != rsvp_id:
        unlocked = RSVP.objects.select_related("event").get(pk=rsvp_id)
    _check_may_answer(unlocked.event, unlocked, answer, guests, now)
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=unlocked.event_id)
        rsvp = RSVP.objects.select_for_update().get(pk=rsvp_id)
        rsvp.event = event
        _check_open(event, answer, guests, now)  # again, under the lock: the event may have just closed
        before, seats_before = (rsvp.status, rsvp.guests), _seats_of(rsvp)
        if answer == RSVP.Status.YES:
            _take_seat(event, rsvp, guests, now)
        else:
            _leave(rsvp, answer, now)
        changed = (rsvp.status, rsvp.guests) != before
        if changed:
            rsvp.answered_at = now
            rsvp.revision += 1
            rsvp.save(update_fields=ANSWER_FIELDS)
            _move_seats(event, _seats_of(rsvp) - seats_before)
        may_promote = _seats_of(rsvp) < seats_before or rsvp.status == RSVP.Status.WAITLISTED
        promoted = promote_waitlist(event, now=now, notify=notify) if may_promote else []
        promoted_self = any(other.pk == rsvp.pk for other in promoted)
        if promoted_self:
            rsvp.refresh_from_db()  # fewer guests let this very person in: the promotion email says so
            changed = True
        position = waitlist_position(rsvp)
        if changed and notify and not promoted_self:
            notices.answer_recorded(rsvp, waitlist_position=position, previous=before[0])
    return Outcome(rsvp=rsvp, changed=changed, waitlist_position=position, promoted=promoted)


def holds_paid_ticket(rsvp: RSVP) -> bool:
    """Whether this person's seat is a paid ticket not cancelled: it is given up by cancelling
    the ticket (with its refund rules), never by answering no."""
    if not rsvp.pk:
        return False
    return rsvp.ticket_lines.filter(refunds__isnull=True, order__status="paid").exists()


def _check_may_answer(event: Event, rsvp: RSVP, answer: str, guests: int, now: datetime.datetime) -> None:
    _check_open(event, answer, guests, now)
    if answer != RSVP.Status.YES and rsvp.status == RSVP.Status.YES and holds_paid_ticket(rsvp):
        message = _("You hold a paid ticket for this event. To give up your seat, cancel your ticket on %(page)s.")
        page = reverse("events:rsvp-ticket-cancel", args=[rsvp.token])
        raise RSVPRefused(message % {"page": page}, code="ticket_holder")
    if answer != RSVP.Status.NO and event.ticket_types.exists():
        # Seats of a ticketed event are taken by paid orders, which also count the seats held.
        raise RSVPRefused(_("This event takes registrations with tickets: register on its page."), code="tickets")
    if answer != RSVP.Status.NO:
        problem = eligibility_problem(event, email=rsvp.email, user=rsvp.user_id, now=now)
        if problem:
            raise problem


def _check_open(event: Event, answer: str, guests: int, now: datetime.datetime) -> None:
    reason = event.rsvp_closed_reason(now)
    if reason:
        raise RSVPRefused(reason, code="closed")
    if not 0 <= guests <= event.guests_allowed:
        if event.guests_allowed == 0:
            raise RSVPRefused(_("You may bring no guests to this event."), code="guests")
        raise RSVPRefused(
            ngettext(
                "You may bring at most %(n)d guest to this event.",
                "You may bring at most %(n)d guests to this event.",
                event.guests_allowed,
            )
            % {"n": event.guests_allowed},
            code="guests",
        )


def _seats_of(rsvp: RSVP) -> int:
    return rsvp.party_size if rsvp.counts_seats else 0


def _move_seats(event: Event, delta: int) -> None:
    """Move the locked event's counter by `delta` seats."""
    if delta:
        event.seats_taken += delta
        Event.objects.filter(pk=event.pk).update(seats_taken=event.seats_taken)


def _take_seat(event: Event, rsvp: RSVP, guests: int, now: datetime.datetime) -> None:
    left = event.seats_left(event.seats_taken - _seats_of(rsvp))
    fits = left is None or 1 + guests <= left
    if rsvp.status == RSVP.Status.YES:
        if not fits:
            raise RSVPRefused(
                ngettext(
                    "There is no room for %(guests)d guest: %(more)d more can come with you.",
                    "There is no room for %(guests)d guests: %(more)d more can come with you.",
                    guests,
                )
                % {"guests": guests, "more": max(left - 1, 0)},
                code="full",
            )
        rsvp.guests = guests
    elif rsvp.status == RSVP.Status.WAITLISTED:
        rsvp.guests = guests  # keeps the place in line; promotion below takes it in if it now fits
    else:
        rsvp.guests = guests
        _set_status(rsvp, RSVP.Status.YES if fits else RSVP.Status.WAITLISTED, now)


def _leave(rsvp: RSVP, answer: str, now: datetime.datetime) -> None:
    if rsvp.status != answer:
        _set_status(rsvp, answer, now)


def _set_status(rsvp: RSVP, status: str, now: datetime.datetime) -> None:
    rsvp.status = status
    rsvp.status_changed_at = now
    rsvp.waitlisted_at = now if status == RSVP.Status.WAITLISTED else None


def promote_waitlist(event: Event, *, now: datetime.datetime, notify: bool = True) -> list[RSVP]:
    """Give freed seats to the waitlist, in order: each person in line whose party
    fits in what is left is promoted and emailed. The caller holds the event lock."""
    promoted = []
    if event.ticket_types.exists():
        return promoted  # its seats are sold: a freed one goes to the tickets' waitlist, never free
    left = seats_left(event)
    if left == 0:
        return promoted
    for rsvp in event.rsvps.waitlist().select_for_update():
        if left is not None and rsvp.party_size > left:
            continue
        _set_status(rsvp, RSVP.Status.YES, now)
        rsvp.revision += 1
        rsvp.save(update_fields=ANSWER_FIELDS)
        promoted.append(rsvp)
        if left is not None:
            left -= rsvp.party_size
            if left == 0:
                break
    _move_seats(event, sum(rsvp.party_size for rsvp in promoted))
    if notify:
        for rsvp in promoted:
            notices.promoted(rsvp)
    return promoted


def request_link(
    *, event: Event, email: str, name: str, answer: str, guests: int = 0, now: datetime.datetime | None = None
) -> RSVP:
    """A visitor without an account answers a public event: email them the RSVP link,
    and count nothing until they open it and confirm, so nobody can answer for
    someone else. At most one such email per person per event per hour."""
    now = now or timezone.now()
    if event.is_members_only:
        raise RSVPRefused(_("This event is for members in good standing: sign in to answer."), code="members_only")
    reason = event.rsvp_closed_reason(now)
    if reason:
        raise RSVPRefused(reason, code="closed")
    with transaction.atomic():
        rsvp = rsvp_for(event=event, email=email, name=name)
        notices.rsvp_link(rsvp, answer=answer, guests=guests, now=now)
    return rsvp
