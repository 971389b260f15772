"""Inviting a segment to an event.

The organiser's request is saved as an Invitation, and a fan-out job (one per
invitation, `notifications.fanout`) walks the segment in batches, giving each
person one RSVP (invited, no answer yet) and one invitation email. The email's key
names the event and the RSVP, so a person invited twice, by two segments or by a
batch that ran twice, gets one email. No batch locks the event: answers to it go
on at their own speed while 10,000 invitations are sent.
"""

import datetime
import re
from dataclasses import dataclass
from email.utils import parseaddr

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from config.languages import in_society_language
from events import notices
from events.models import RSVP, Event, Invitation
from members.models import Member
from notifications import fanout, outbox

BATCH = 500
FAN_OUT_SOURCE = "events.invitation"
SEPARATORS = re.compile(r"[\n,;]+")

audit.log.describe("event.invited", gettext_lazy("Invited people to an event"))


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
    *, event: Event, segment: str, by, past_event: Event | None = None, emails: list | None = None
) -> Invitation:
    """Record an invitation of a segment and start sending it in the background. The
    audit entry says which invitation and to whom, by segment and count, never by address."""
    now = timezone.now()
    if not event.is_published or event.is_over(now):
        raise InvitationRefused(_("Only a published event that is not over can be invited to."))
    if segment == Invitation.Segment.PAST_EVENT and (past_event is None or not past_event.is_over(now)):
        raise InvitationRefused(_("Choose an event that has already taken place."))
    if segment == Invitation.Segment.EMAILS and not emails:
        raise InvitationRefused(_("Paste at least one email address."))
    with transaction.atomic():
        invitation = Invitation.objects.create(
            event=event, segment=segment, past_event=past_event, emails=emails or [], created_by=by
        )
        fanout.start(key=job_key(invitation), source=FAN_OUT_SOURCE, params={"invitation": invitation.pk})
        audit.log.record(by, "event.invited", event, changes=_invited(invitation), reason=invitation.audience)
    return invitation


def _invited(invitation: Invitation) -> dict:
    changes = {"invitation": [None, invitation.pk], "segment": [None, invitation.segment]}
    if invitation.segment == Invitation.Segment.EMAILS:
        changes["addresses"] = [None, len(invitation.emails)]
    if invitation.past_event_id:
        changes["past_event"] = [None, invitation.past_event_id]
    return changes


def job_key(invitation: Invitation) -> str:
    return f"invitation:{invitation.pk}"


def progress(invitations: list[Invitation]) -> dict[int, fanout.Progress]:
    """How far each invitation's fan-out has got, by invitation id."""
    jobs = fanout.progress_many([job_key(invitation) for invitation in invitations])
    return {invitation.pk: jobs.get(job_key(invitation)) for invitation in invitations}


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


def next_batch(params: dict, *, cursor: str, limit: int) -> fanout.Batch:
    """The fan-out source: the next people of the segment, each given an RSVP, and the
    invitations owed to those who have not answered yet."""
    invitation = Invitation.objects.select_related("event").get(pk=params["invitation"])
    event = invitation.event
    if not event.is_published:
        return fanout.Batch(
            [], cursor, done=True, stopped=in_society_language(gettext_lazy("The event is no longer published."))
        )
    people = invitees(invitation, after=int(cursor or 0), limit=limit)
    rsvps = _rsvps_for(event, people, timezone.now())
    owed = [notices.invitation(rsvp) for rsvp in rsvps if rsvp.status == RSVP.Status.INVITED]
    next_cursor = str(people[-1].cursor) if people else cursor
    return fanout.Batch(owed, next_cursor, done=len(people) < limit, people=len(people))


def delivery_counts(event: Event) -> dict[str, int]:
    """How the event's invitation emails stand in the outbox: queued, sent, failed, suppressed."""
    return outbox.counts(key_prefix=notices.invitation_key_prefix(event), kind="event-invitation")


def register() -> None:
    fanout.register_source(FAN_OUT_SOURCE, next_batch, batch_size=BATCH)
