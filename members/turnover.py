"""Who joined, renewed and lapsed between two days, read off the dated terms.

The board's numbers and the treasurer's member list both use these querysets, so a
number on /manage/ is the count of the list it links to.

- **Joined**: the member's first term that counts began in the range.
- **Renewed**: a later term was paid for in the range (its payment's date; a term
  with no payment, by its first day). A lapsed member who comes back counts here.
- **Lapsed**: the member's good standing (active or in grace) ended in the range: the
  day after the last day of grace, or the day a refund or void cut the term, with no
  other term covering that day.
"""

import datetime

from django.db.models import Case, DateField, Exists, F, OuterRef, Q, When
from django.db.models.functions import Cast

from members.models import Member, MembershipTerm, grace_period

JOINED, RENEWED, LAPSED = "joined", "renewed", "lapsed"
CHANGES = (JOINED, RENEWED, LAPSED)


def _days_after(field: str, delta: datetime.timedelta):
    # A date plus days is a timestamp on PostgreSQL and text on SQLite: cast back to a date.
    return Cast(F(field) + delta, output_field=DateField())


def _counting_terms():
    """Terms that count at all (not voided), for one member of an outer query."""
    return MembershipTerm.objects.effective().filter(member=OuterRef("pk"))


def joined(start: datetime.date, end: datetime.date):
    """Members whose first term that counts began between `start` and `end` (both included)."""
    began = _counting_terms().filter(start__gte=start, start__lte=end)
    earlier = _counting_terms().filter(start__lt=start)
    return Member.objects.filter(Exists(began)).exclude(Exists(earlier))


def renewed(start: datetime.date, end: datetime.date):
    """Members who paid in the range for a term that follows an earlier one."""
    earlier = MembershipTerm.objects.effective().filter(member=OuterRef("member"), start__lt=OuterRef("start"))
    # Two halves rather than one test of "the payment's day, else the term's first day", so
    # that each reads its range through an index (payments by day, unpaid terms by start).
    terms = MembershipTerm.objects.effective().filter(Exists(earlier))
    paid = terms.filter(payment__received_on__gte=start, payment__received_on__lte=end)
    unpaid = terms.filter(payment__isnull=True, start__gte=start, start__lte=end)
    return Member.objects.filter(pk__in=paid.values("member").order_by().union(unpaid.values("member").order_by()))


def lapse_day():
    """The first day a term no longer keeps its member in good standing: after the grace
    period, or the day it was cut short (no grace after a refund or void)."""
    after_grace = _days_after("end", grace_period() + datetime.timedelta(days=1))
    return Case(
        When(cancelled_on__isnull=True, then=after_grace),
        When(end__isnull=True, then=F("cancelled_on")),
        When(cancelled_on__lt=after_grace, then=F("cancelled_on")),
        default=after_grace,
        output_field=DateField(),
    )


def lapsed(start: datetime.date, end: datetime.date):
    """Members whose good standing ended on a day between `start` and `end`."""
    still_good = (
        MembershipTerm.objects.effective()
        .filter(member=OuterRef("member"), start__lte=OuterRef("lapses_on"))
        .annotate(grace_ends=_days_after("end", grace_period()))
        .filter(Q(end__isnull=True) | Q(grace_ends__gte=OuterRef("lapses_on")))
        .filter(Q(cancelled_on__isnull=True) | Q(cancelled_on__gt=OuterRef("lapses_on")))
    )
    # A lapse day in the range is either a cut in the range or the day after a grace that
    # ended in it: the first test reads the few cut terms and the index on `end`, so the
    # exact lapse day is computed for the candidates only.
    last_of_grace = grace_period() + datetime.timedelta(days=1)
    candidates = Q(cancelled_on__gte=start, cancelled_on__lte=end) | Q(
        end__gte=start - last_of_grace, end__lte=end - last_of_grace
    )
    endings = (
        _counting_terms()
        .filter(candidates)
        .annotate(lapses_on=lapse_day())
        .filter(lapses_on__gte=start, lapses_on__lte=end)
        .exclude(Exists(still_good))
    )
    return Member.objects.filter(Exists(endings))


def members_who(change: str, start: datetime.date, end: datetime.date):
    """The members who joined, renewed or lapsed (`change`) in the range."""
    return {JOINED: joined, RENEWED: renewed, LAPSED: lapsed}[change](start, end)
