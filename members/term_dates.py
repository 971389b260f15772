"""The dates of a term: how long a payment on a plan covers, and from when.

A yearly plan runs a year from the first day; a monthly plan a month; a lifetime
plan for ever. A plan on a fixed cycle ends every term on the same day of the year
(31 December, say): a term runs to the next such day, and one begun on or after the
plan's cut-off (1 October, say) runs on to the end of the following cycle, so a member
who joins late in the year is not asked to pay again within weeks.
"""

import calendar
import datetime

from django.db.models import Max

from members.models import Member, MembershipTerm, Plan, grace_period

ONE_DAY = datetime.timedelta(days=1)


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none: the next day
        return datetime.date(day.year + years, 3, 1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later; a day the month lacks (31 in April) becomes its last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _month_end(start: datetime.date) -> datetime.date:
    """The last day of a month's term: the day before the same day next month, or, when next
    month has no such day (a term from 31 January), its last day."""
    later = add_months(start, 1)
    return later if later.day < start.day else later - ONE_DAY


def _on(year: int, month: int, day: int) -> datetime.date:
    """`day` of `month` in `year`, kept within the month (29 February in a common year is the 28th)."""
    return datetime.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def cycle_end_on_or_after(plan: Plan, day: datetime.date) -> datetime.date:
    """The first day on or after `day` on which the plan's cycle ends."""
    end = _on(day.year, plan.cycle_end_month, plan.cycle_end_day)
    return end if end >= day else _on(day.year + 1, plan.cycle_end_month, plan.cycle_end_day)


def cutoff_before(plan: Plan, cycle_end: datetime.date) -> datetime.date | None:
    """The cut-off day of the cycle that ends on `cycle_end`: the last such day before it."""
    if not plan.has_cutoff:
        return None
    cutoff = _on(cycle_end.year, plan.cutoff_month, plan.cutoff_day)
    return cutoff if cutoff <= cycle_end else _on(cycle_end.year - 1, plan.cutoff_month, plan.cutoff_day)


def term_end(plan: Plan, start: datetime.date) -> datetime.date | None:
    """The last day of a term of `plan` that begins on `start`; None for a lifetime plan."""
    if plan.is_lifetime:
        return None
    if plan.is_monthly:
        return _month_end(start)
    if not plan.has_cycle:
        return add_years(start, 1) - ONE_DAY
    end = cycle_end_on_or_after(plan, start)
    cutoff = cutoff_before(plan, end)
    if cutoff is not None and start >= cutoff:
        return cycle_end_on_or_after(plan, end + ONE_DAY)
    return end


def next_term_dates(*, member: Member, plan: Plan, as_of: datetime.date) -> tuple[datetime.date, datetime.date | None]:
    """The first and last day of the term a payment on `as_of` buys.

    A renewal before lapse (still active, or in grace) extends from the current end,
    so paying early or a little late never loses a day; after lapse the new term
    starts on the day of payment. A continued term that would already be over on the
    day of payment (a month, or a cycle's last weeks, spent in grace) gives way to one
    from that day. Lifetime terms start on the day and never end.
    """
    if plan.is_lifetime:
        return as_of, None
    last_end = MembershipTerm.objects.filter(member=member, cancelled_on__isnull=True, end__isnull=False).aggregate(
        last=Max("end")
    )["last"]
    continues = last_end is not None and as_of <= last_end + grace_period()
    start = last_end + ONE_DAY if continues else as_of
    end = term_end(plan, start)
    if end < as_of:
        return as_of, term_end(plan, as_of)
    return start, end


def next_charge_day(*, member: Member, plan: Plan, as_of: datetime.date) -> datetime.date | None:
    """On a plan with a fixed cycle, the day Stripe should next charge an auto-renewing
    member who pays on `as_of`: the day after the term that payment buys. None on a plan
    without a cycle, whose subscription simply renews a year after it began."""
    if not plan.has_cycle or plan.is_lifetime:
        return None
    _start, end = next_term_dates(member=member, plan=plan, as_of=as_of)
    return end + ONE_DAY
