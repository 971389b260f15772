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
from django.db.models.functions import Cast, Coalesce

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
    renewals = (
        _counting_terms()
        .annotate(paid_on=Coalesce("payment__received_on", "start"))
        .filter(paid_on__gte=start, paid_on__lte=end)
        .filter(Exists(earlier))
    )
    return Member.objects.filter(Exists(renewals))


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
    endings = (
        _counting_terms()
        .annotate(lapses_on=lapse_day())
        .filter(lapses_on__gte=start, lapses_on__lte=end)
        .exclude(Exists(still_good))
    )
    return Member.objects.filter(Exists(endings))


def members_who(change: str, start: datetime.date, end: datetime.date):
    """The members who joined, renewed or lapsed (`change`) in the range."""
    return {JOINED: joined, RENEWED: renewed, LAPSED: lapsed}[change](start, end)
