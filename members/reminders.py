"""What is due to be sent about dues, for the notifications dispatcher (every minute).

Both sources work out what is due from the database and queue it under an
idempotency key, so a second pass queues nothing. When beat was down and several
reminders came due, only the latest is sent: a member is not told "30 days left"
and "7 days left" in the same minute.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Subquery
from django.utils import timezone

from members import emails
from members.links import renewal_url
from members.models import Member, MembershipTerm, PaymentPromise
from members.renewal import renewal_choice
from notifications.models import Delivery

# A reminder is still sent up to this many days late (beat was down), never later:
# "your membership ends today" a fortnight after the day helps no one, and a member
# who lapsed years ago gets nothing when reminders are first switched on.
LATE_LIMIT_DAYS = 7


def renewal_schedule() -> list[tuple[str, int]]:
    """(label, days after the term's end) of each renewal reminder, earliest first."""
    before = [(f"-{days}d" if days else "0d", -days) for days in set(settings.RENEWAL_REMINDER_DAYS_BEFORE_END)]
    grace = settings.MEMBERSHIP_GRACE_DAYS
    after = [(f"lapsed+{days}d", grace + days) for days in set(settings.RENEWAL_REMINDER_DAYS_AFTER_GRACE)]
    return sorted(before + after, key=lambda item: item[1])


def latest_due(schedule: list[tuple[str, int]], days_after_end: int) -> tuple[str, int] | None:
    """The one reminder to send now: the latest that has come due, unless it is stale."""
    due = [item for item in schedule if item[1] <= days_after_end]
    if not due or days_after_end > due[-1][1] + LATE_LIMIT_DAYS:
        return None
    return due[-1]


def _renewal_candidates(today: datetime.date, schedule: list[tuple[str, int]]):
    """Members whose latest term ends within the schedule's reach, who are not on
    auto-renew, hold no lifetime membership and have not promised to pay offline."""
    latest = MembershipTerm.objects.filter(member=OuterRef("pk"), cancelled_on__isnull=True).order_by(
        F("end").desc(nulls_first=True), "-pk"
    )
    earliest_end = today - datetime.timedelta(days=schedule[-1][1] + LATE_LIMIT_DAYS)
    latest_end = today - datetime.timedelta(days=schedule[0][1])
    open_promise = PaymentPromise.objects.filter(member=OuterRef("pk"), status=PaymentPromise.Status.OPEN)
    return (
        Member.objects.annotate(
            last_term_id=Subquery(latest.values("pk")[:1]), last_end=Subquery(latest.values("end")[:1])
        )
        .filter(auto_renew=False, user__is_active=True, last_end__gte=earliest_end, last_end__lte=latest_end)
        .exclude(Exists(open_promise))
        .select_related("user")
        .order_by("pk")
    )


def _already_queued(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 1000):
        found.update(Delivery.objects.filter(key__in=keys[start : start + 1000]).values_list("key", flat=True))
    return found


def queue_renewal_reminders(now: datetime.datetime) -> int:
    """Queue the renewal reminders due at `now`; returns how many were newly queued."""
    today = timezone.localdate(now)
    schedule = renewal_schedule()
    if not schedule:
        return 0
    due = []
    for member in _renewal_candidates(today, schedule):
        reminder = latest_due(schedule, (today - member.last_end).days)
        if reminder is not None:
            due.append((member, reminder, f"renewal:{member.pk}:{member.last_term_id}:{reminder[0]}"))
    done = _already_queued([key for _, _, key in due])
    queued = 0
    for member, (label, offset), key in due:
        if key not in done:
            queued += _queue_renewal_reminder(member, label=label, offset=offset, today=today)
    return queued


def _queue_renewal_reminder(member: Member, *, label: str, offset: int, today: datetime.date) -> int:
    term = MembershipTerm.objects.select_related("plan").get(pk=member.last_term_id)
    plan, amount = renewal_choice(member)
    context = {
        "end": term.end,
        "days_left": (term.end - today).days,  # below 0 when sent late, after the end
        "has_lapsed": offset > settings.MEMBERSHIP_GRACE_DAYS,
        "grace_ends": term.end + datetime.timedelta(days=settings.MEMBERSHIP_GRACE_DAYS),
        "renew_url": renewal_url(member, term),
        "plan": plan,
        "amount_cents": amount,
    }
    with transaction.atomic():
        return int(emails.queue_renewal_reminder(member, term=term, label=label, context=context))


def queue_auto_renew_notices(now: datetime.datetime) -> int:
    """Tell members on auto-renew, a week ahead, that Stripe will charge them; returns how many were queued."""
    today = timezone.localdate(now)
    horizon = today + datetime.timedelta(days=settings.AUTO_RENEW_NOTICE_DAYS)
    members = list(
        Member.objects.filter(auto_renew=True, user__is_active=True, renews_on__gt=today, renews_on__lte=horizon)
        .select_related("user")
        .order_by("pk")
    )
    keys = {m.pk: f"auto-renew-notice:{m.pk}:{m.stripe_subscription_id}:{m.renews_on.isoformat()}" for m in members}
    done = _already_queued(list(keys.values()))
    queued = 0
    for member in members:
        if keys[member.pk] in done:
            continue
        plan, amount = renewal_choice(member)
        context = {"plan": plan, "amount_cents": amount, "paid_through": member.paid_through()}
        with transaction.atomic():
            queued += emails.queue_auto_renew_notice(member, charge_on=member.renews_on, context=context)
    return queued
