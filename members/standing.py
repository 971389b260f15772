"""A member's standing, read off the dates of their terms: the rule (`standing_on`) and the
querysets of terms that apply it in SQL. Never stored, so it cannot drift from the payments
that bought the terms."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Standing(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACTIVE = "active", _("Active")
    GRACE = "grace", _("In grace period")
    LAPSED = "lapsed", _("Lapsed")


GOOD_STANDINGS = (Standing.ACTIVE, Standing.GRACE)


def grace_period() -> datetime.timedelta:
    return datetime.timedelta(days=settings.MEMBERSHIP_GRACE_DAYS)


def standing_on(terms, day: datetime.date) -> Standing:
    """The standing that a set of terms gives on `day`.

    Terms that start after `day` do not count yet; a lifetime term (no end) is active for ever from its
    start; a term cut short by a refund or void stops counting on the day it was cut, with no grace after it.
    """
    started = [term for term in terms if not term.is_void and term.start <= day]
    if not started:
        return Standing.PENDING
    if any(term.covers(day) for term in started):
        return Standing.ACTIVE
    if any(term.in_good_standing_on(day) for term in started):
        return Standing.GRACE
    return Standing.LAPSED


def _not_cut_by(on: datetime.date) -> Q:
    return Q(cancelled_on__isnull=True) | Q(cancelled_on__gt=on)


class TermQuerySet(models.QuerySet):
    def effective(self):
        """Terms that count at all: not voided (cut short on or before their first day)."""
        return self.filter(Q(cancelled_on__isnull=True) | Q(cancelled_on__gt=models.F("start")))

    def active_on(self, *, on: datetime.date):
        """Terms that cover `on`."""
        return self.filter(start__lte=on).filter(Q(end__isnull=True) | Q(end__gte=on)).filter(_not_cut_by(on))

    def in_good_standing(self, *, on: datetime.date):
        """Terms that make their member active or in grace on `on`."""
        return (
            self.filter(start__lte=on)
            .filter(Q(end__isnull=True) | Q(end__gte=on - grace_period()))
            .filter(_not_cut_by(on))
        )
