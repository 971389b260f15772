"""Inviting a segment to an event.

The organiser's request is saved as an Invitation; a Celery task then walks the
segment in batches, giving each person one RSVP (invited, no answer yet) and one
invitation email. The email's key names the event and the RSVP, so a person
invited twice, by two segments or by a batch that ran twice, gets one email.
"""

import datetime
import re
from dataclasses import dataclass
from email.utils import parseaddr

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from events import notices
from events.models import RSVP, Event, Invitation
from members.models import Member
from notifications.models import Delivery

BATCH = 200
SEPARATORS = re.compile(r"[\n,;]+")


class InvitationRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Invitee:
    cursor: int
    email: str
    name: str = ""
    user_id: int | None = None


def parse_emails(text: str) -> tuple[list[list[str]], list[str]]:
    """Pasted addresses, one per line or separated by commas ("Ann <ann@example.org>" too):
    the valid ones as [email, name] without repeats, and the invalid ones as typed."""
    valid, invalid, seen = [], [], set()
    for chunk in SEPARATORS.split(text):
        chunk = chunk.strip()
        if not chunk:
            continue
        name, address = parseaddr(chunk)
        address = address.strip().lower()
        try:
            validate_email(address)
        except ValidationError:
            invalid.append(chunk)
            continue
        if address not in seen:
            seen.add(address)
            valid.append([address, name.strip()])
    return valid, invalid


def invite(
    *, event: Event, segment: str, created_by, past_event: Event | None = None, emails: list | None = None
) -> Invitation:
    """Record an invitation of a segment and start sending it in the background."""
    from events.tasks import send_invitation_batch

    now = timezone.now()
    if not event.is_published or event.is_over(now):
        raise InvitationRefused("Only a published event that is not over can be invited to.")
    if segment == Invitation.Segment.PAST_EVENT and (past_event is None or not past_event.is_over(now)):
        raise InvitationRefused("Choose an event that has already taken place.")
    if segment == Invitation.Segment.EMAILS and not emails:
        raise InvitationRefused("Paste at least one email address.")
    with transaction.atomic():
        invitation = Invitation.objects.create(
            event=event, segment=segment, past_event=past_event, emails=emails or [], created_by=created_by
        )
        transaction.on_commit(lambda: send_invitation_batch.delay(invitation.pk))
    return invitation


def invitees(invitation: Invitation, *, after: int, limit: int) -> list[Invitee]:
    """The next people of the invitation's segment, in a stable order."""
    segment = invitation.segment
    if segment == Invitation.Segment.EMAILS:
        rows = invitation.emails[after : after + limit]
        return [Invitee(after + i + 1, email, name) for i, (email, name) in enumerate(rows)]
    if segment == Invitation.Segment.PAST_EVENT:
        rsvps = RSVP.objects.filter(event_id=invitation.past_event_id, status=RSVP.Status.YES, pk__gt=after)
        return [Invitee(r.pk, r.email, r.name, r.user_id) for r in rsvps.order_by("pk")[:limit]]
    members = Member.objects.filter(user__is_active=True)
    if segment == Invitation.Segment.GOOD_STANDING:
        members = members.in_good_standing(on=timezone.localdate())
    else:
        members = members.with_any_term()
    members = members.filter(pk__gt=after).select_related("user").order_by("pk")[:limit]
    return [Invitee(m.pk, m.user.email, m.name, m.user_id) for m in members]


def _rsvps_for(event: Event, people: list[Invitee], now: datetime.datetime) -> list[RSVP]:
    emails = [person.email.lower() for person in people]
    existing = set(event.rsvps.filter(email__in=emails).values_list("email", flat=True))
    new = [
        RSVP(event=event, email=p.email.lower(), name=p.name, user_id=p.user_id, invited_at=now)
        for p in people
        if p.email.lower() not in existing
    ]
    RSVP.objects.bulk_create(new, ignore_conflicts=True)  # a concurrent answer may have created one
    rsvps = list(event.rsvps.filter(email__in=emails).order_by("pk"))
    for rsvp in rsvps:
        rsvp.event = event
    return rsvps


def send_next_batch(*, invitation_id: int, batch_size: int | None = None) -> bool:
    """Invite the next batch of the segment. True while there is more to send.
    People who have already answered are not invited again."""
    now = timezone.now()
    batch_size = batch_size or BATCH
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().select_related("event").get(pk=invitation_id)
        event = invitation.event
        if invitation.finished_at is not None:
            return False
        people = [] if not event.is_published else invitees(invitation, after=invitation.cursor, limit=batch_size)
        for rsvp in _rsvps_for(event, people, now):
            sent = rsvp.status == RSVP.Status.INVITED and notices.invitation(rsvp).created
            invitation.queued += int(sent)
            invitation.skipped += int(not sent)
        invitation.people += len(people)
        invitation.cursor = people[-1].cursor if people else invitation.cursor
        if len(people) < batch_size:
            invitation.finished_at = now
        invitation.save()
    return invitation.finished_at is None


def delivery_counts(event: Event) -> dict[str, int]:
    """How the event's invitation emails stand in the outbox: queued, sent, failed, suppressed."""
    rows = (
        Delivery.objects.filter(kind="event-invitation", key__startswith=f"event-invitation:{event.pk}:")
        .values("status")
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys(Delivery.Status.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts
