"""What is due to be sent about dues, for the notifications dispatcher (every minute).

Each source starts one fan-out an hour (its key names the day and hour): the
fan-out walks the members a batch at a time and queues each reminder under its
own idempotency key, so a second pass queues nothing. When beat was down and
several reminders came due, only the latest is sent: a member is not told "30
days left" and "7 days left" in the same minute.
"""

import datetime

from django.conf import settings
from django.db.models import Exists, F, OuterRef, Subquery
from django.utils import timezone

from members import emails, reminder_schedule
from members.models import CoveredPerson, Member, MembershipTerm, PaymentPromise
from notifications import fanout

RENEWALS = "members.renewal-reminders"
AUTO_RENEW_NOTICES = "members.auto-renew-notices"

# A reminder is still sent up to this many days late (beat was down), never later:
# "your membership ends today" a fortnight after the day helps no one.
LATE_LIMIT_DAYS = 7
# Win-back reminders (after the grace period) are not dropped when late: a member who
# lapsed before such a reminder existed still gets the latest one due, once, until
# this many days after their grace period ended. Later than that, nothing is sent.
WINBACK_REACH_DAYS = 365
WINBACK_PREFIX = "lapsed+"


def renewal_schedule() -> list[tuple[str, int]]:
    """(label, days after the term's end) of each renewal reminder, earliest first."""
    offsets = reminder_schedule.current()
    before = [(f"-{days}d" if days else "0d", -days) for days in set(offsets.days_before_end)]
    grace = settings.MEMBERSHIP_GRACE_DAYS
    after = [(f"{WINBACK_PREFIX}{days}d", grace + days) for days in set(offsets.days_after_grace)]
    return sorted(before + after, key=lambda item: item[1])


def latest_due(schedule: list[tuple[str, int]], days_after_end: int) -> tuple[str, int] | None:
    """The one reminder to send now: the latest that has come due, unless it is stale
    (a win-back reminder goes stale only past the win-back reach)."""
    due = [item for item in schedule if item[1] <= days_after_end]
    if not due:
        return None
    label, offset = due[-1]
    if label.startswith(WINBACK_PREFIX):
        reach = settings.MEMBERSHIP_GRACE_DAYS + WINBACK_REACH_DAYS
        return due[-1] if days_after_end <= max(reach, offset + LATE_LIMIT_DAYS) else None
    return due[-1] if days_after_end <= offset + LATE_LIMIT_DAYS else None


def _reach_days(schedule: list[tuple[str, int]]) -> int:
    """How many days after a term's end the schedule can still send something."""
    reach = schedule[-1][1] + LATE_LIMIT_DAYS
    if any(label.startswith(WINBACK_PREFIX) for label, _offset in schedule):
        reach = max(reach, settings.MEMBERSHIP_GRACE_DAYS + WINBACK_REACH_DAYS)
    return reach


def _renewal_candidates(today: datetime.date, schedule: list[tuple[str, int]]):
    """Members whose latest term ends within the schedule's reach, who are not on
    auto-renew, hold no lifetime membership, have not promised to pay offline and are
    not covered by someone else's household membership."""
    latest = MembershipTerm.objects.filter(member=OuterRef("pk"), cancelled_on__isnull=True).order_by(
        F("end").desc(nulls_first=True), "-pk"
    )
    earliest_end = today - datetime.timedelta(days=_reach_days(schedule))
    latest_end = today - datetime.timedelta(days=schedule[0][1])
    open_promise = PaymentPromise.objects.filter(member=OuterRef("pk"), status=PaymentPromise.Status.OPEN)
    # The payer of a household membership is reminded; the people it covers renew with them.
    covered = CoveredPerson.objects.filter(person=OuterRef("pk"), removed_at__isnull=True)
    return (
        Member.objects.annotate(
            last_term_id=Subquery(latest.values("pk")[:1]), last_end=Subquery(latest.values("end")[:1])
        )
        .filter(auto_renew=False, user__is_active=True, last_end__gte=earliest_end, last_end__lte=latest_end)
        .exclude(Exists(open_promise))
        .exclude(Exists(covered))
        .select_related("user")
        .order_by("pk")
    )


def _start(source: str, now: datetime.datetime) -> int:
    """One fan-out per source and hour of the society's day; True (1) if this pass started it."""
    local = timezone.localtime(now)
    key = f"{source}:{local:%Y-%m-%dT%H}"
    return int(fanout.start(key=key, source=source, params={"today": local.date().isoformat()})[1])


def queue_renewal_reminders(now: datetime.datetime) -> int:
    """The dispatcher's source: start this hour's renewal reminders (1 if started now, else 0)."""
    return _start(RENEWALS, now) if renewal_schedule() else 0


def queue_auto_renew_notices(now: datetime.datetime) -> int:
    """The dispatcher's source: start this hour's auto-renew notices (1 if started now, else 0)."""
    return _start(AUTO_RENEW_NOTICES, now)


def renewal_batch(params: dict, *, cursor: str, limit: int) -> fanout.Batch:
    """The next members whose renewal reminder is due on the day, after `cursor`."""
    today = datetime.date.fromisoformat(params["today"])
    schedule = renewal_schedule()
    members = list(_renewal_candidates(today, schedule).filter(pk__gt=int(cursor or 0))[:limit])
    notices = []
    for member in members:
        reminder = latest_due(schedule, (today - member.last_end).days)
        if reminder is not None:
            label, offset = reminder
            notices.append(emails.renewal_reminder(member, term_id=member.last_term_id, label=label, offset=offset))
    next_cursor = str(members[-1].pk) if members else cursor
    return fanout.Batch(notices, next_cursor, done=len(members) < limit)


def auto_renew_batch(params: dict, *, cursor: str, limit: int) -> fanout.Batch:
    """The next members on auto-renew whom Stripe charges within the notice's days."""
    today = datetime.date.fromisoformat(params["today"])
    horizon = today + datetime.timedelta(days=settings.AUTO_RENEW_NOTICE_DAYS)
    # Monthly dues are charged each month, as the member chose: no notice before each charge.
    monthly = MembershipTerm.objects.filter(member=OuterRef("pk"), plan__period="monthly", end__gte=today)
    members = list(
        Member.objects.filter(auto_renew=True, user__is_active=True, renews_on__gt=today, renews_on__lte=horizon)
        .exclude(Exists(monthly))
        .filter(pk__gt=int(cursor or 0))
        .select_related("user")
        .order_by("pk")[:limit]
    )
    notices = [emails.auto_renew_notice(member) for member in members]
    return fanout.Batch(notices, str(members[-1].pk) if members else cursor, done=len(members) < limit)


def register() -> None:
    fanout.register_source(RENEWALS, renewal_batch)
    fanout.register_source(AUTO_RENEW_NOTICES, auto_renew_batch)
