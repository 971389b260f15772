"""Events' part of each person's own data: their answers to events.

Registered with `members.privacy` (members cannot import events): the answers go into a
member's download, are anonymised when an account is closed, and visitors' answers (no
account) are anonymised RSVP_RETENTION_MONTHS after their event by the nightly pass.

An anonymised answer keeps what the organisers' numbers need (its status, guests,
times, whether the person came) and loses the person: name, email (an address at
`erased.invalid`), account, and its link token, so old emailed links open nothing.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from events import rsvp as answers
from events.models import RSVP, CalendarFeed, Event, Invitation, new_token
from events.question_records import Answer
from events.questions import shown
from members import privacy
from members.data_export import csv_text
from members.models import User
from members.retention import months_before
from notifications import personal_data

RSVP_COLUMNS = ["event", "starts (UTC)", "answer", "guests", "answered at", "checked in at"]
# Answers that hold a seat or a place in line: given back when the person's account closes.
HOLDING = (RSVP.Status.YES, RSVP.Status.WAITLISTED, RSVP.Status.MAYBE)


def _theirs(*, user_id: int, email: str):
    return RSVP.objects.filter(Q(user_id=user_id) | Q(email=email.lower()))


def export_rsvps(*, user_id: int, email: str) -> dict[str, str]:
    """rsvps.csv: every answer the person gave, oldest event first; event_answers.csv: what
    they told the events' registration questions."""
    rows = _theirs(user_id=user_id, email=email).select_related("event").order_by("event__starts_at", "pk")
    lines = (
        [r.event.title, r.event.starts_at, r.get_status_display(), r.guests, r.answered_at, r.checked_in_at]
        for r in rows
    )
    found = {"rsvps.csv": csv_text(RSVP_COLUMNS, lines)}
    answers = _answers_file(user_id=user_id, email=email)
    if answers:
        found["event_answers.csv"] = answers
    return found


ANSWER_COLUMNS = ["event", "starts (UTC)", "question", "answer", "answered at"]


def _answers_file(*, user_id: int, email: str) -> str:
    """event_answers.csv: what the person answered to events' registration questions, archived
    ones too; "" for someone who answered none (the download then has no such file)."""
    given = Answer.objects.filter(rsvp__in=_theirs(user_id=user_id, email=email)).select_related(
        "question", "rsvp__event"
    )
    lines = (
        [a.rsvp.event.title, a.rsvp.event.starts_at, a.question.text, shown(a.question, a.value), a.answered_at]
        for a in given.order_by("rsvp__event__starts_at", "rsvp_id", "question__position", "question_id", "pk")
    )
    lines = list(lines)
    return csv_text(ANSWER_COLUMNS, lines) if lines else ""


def erase_rsvps(*, user_id: int, email: str, now: datetime.datetime) -> None:
    """Inside the erasure's transaction: seats and places in line at events still to come
    are given back (the next in line is promoted and told), then every answer is
    anonymised, and the private calendar feed is deleted."""
    for rsvp in _theirs(user_id=user_id, email=email).filter(status__in=HOLDING, event__ends_at__gt=now):
        _give_back(rsvp.pk, now=now)
    anonymise(list(_theirs(user_id=user_id, email=email)))
    CalendarFeed.objects.filter(user_id=user_id).delete()
    email = email.lower()
    for invitation in Invitation.objects.filter(segment=Invitation.Segment.EMAILS, emails__icontains=email):
        stand_in = [privacy.erased_address("invitee", user_id), ""]
        invitation.emails = [stand_in if pair[0] == email else pair for pair in invitation.emails]
        invitation.save(update_fields=["emails"])


def _give_back(rsvp_id: int, *, now: datetime.datetime) -> None:
    with transaction.atomic():
        rsvp = RSVP.objects.get(pk=rsvp_id)
        event = Event.objects.select_for_update().get(pk=rsvp.event_id)
        rsvp = RSVP.objects.select_for_update().get(pk=rsvp_id)
        freed = rsvp.party_size if rsvp.status == RSVP.Status.YES else 0
        rsvp.status, rsvp.status_changed_at, rsvp.waitlisted_at = RSVP.Status.NO, now, None
        rsvp.revision += 1
        rsvp.save(update_fields=["status", "status_changed_at", "waitlisted_at", "revision"])
        if freed:
            event.seats_taken -= freed
            Event.objects.filter(pk=event.pk).update(seats_taken=event.seats_taken)
        # As a "no" would, while answers are taken: the first in line whose party fits is let in.
        if not event.rsvp_closed_reason(now):
            answers.promote_waitlist(event, now=now)


def anonymise(rsvps: list[RSVP]) -> int:
    """Take the person out of each answer; the answer itself stays, but not what they said
    to the registration questions (their diet or affiliation is theirs, not the event's)."""
    Answer.objects.filter(rsvp__in=[rsvp.pk for rsvp in rsvps]).delete()
    for rsvp in rsvps:
        rsvp.email = privacy.erased_address("rsvp", rsvp.pk)
        rsvp.name, rsvp.user, rsvp.token = "", None, new_token()
    RSVP.objects.bulk_update(rsvps, ["email", "name", "user", "token"], batch_size=500)
    return len(rsvps)


def anonymise_visitors(*, now: datetime.datetime | None = None) -> int:
    """The nightly pass: answers of people without an account to events that ended more
    than RSVP_RETENTION_MONTHS ago. An address left with no account and no other answer
    is forgotten by the outbox too."""
    now = now or timezone.now()
    ended_before = months_before(now, settings.RSVP_RETENTION_MONTHS)
    old = RSVP.objects.filter(user__isnull=True, event__ends_at__lt=ended_before).exclude(
        email__endswith="@" + privacy.ERASED_DOMAIN
    )
    done = _anonymise_pasted_lists(ended_before)
    while batch := list(old.order_by("pk")[:500]):
        with transaction.atomic():
            # Each address's stand-in is named by one of its answers: no trace of the address itself.
            stand_ins = {rsvp.email: privacy.erased_address("visitor", rsvp.pk) for rsvp in batch}
            done += anonymise(batch)
            _forget_addresses_left_alone(stand_ins)
    return done


def _anonymise_pasted_lists(ended_before: datetime.datetime) -> int:
    """Pasted invitation lists of those events: each address gives way to a stand-in (the count stays)."""
    pasted = Invitation.objects.filter(segment=Invitation.Segment.EMAILS, event__ends_at__lt=ended_before)
    changed = []
    for invitation in pasted.exclude(emails=[]):
        pairs = [[privacy.erased_address(f"invitee-{invitation.pk}", n), ""] for n in range(len(invitation.emails))]
        if pairs != invitation.emails:
            invitation.emails = pairs
            changed.append(invitation)
    Invitation.objects.bulk_update(changed, ["emails"])
    return len(changed)


def _forget_addresses_left_alone(stand_ins: dict[str, str]) -> None:
    emails = set(stand_ins)
    members = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    answering = set(RSVP.objects.filter(email__in=emails).values_list("email", flat=True))
    for email in sorted(emails - members - answering):
        personal_data.forget_address(email=email, replacement=stand_ins[email])


def register() -> None:
    privacy.register_part("events", export=export_rsvps, erase=erase_rsvps, expire=anonymise_visitors)
