"""What a plan can ask for besides its price and period: a fixed cycle that every term
ends on, approval before anyone pays, and how many people one payment covers.

An abstract model that `members.models.Plan` inherits, so the plan keeps one table.
"""

import calendar
import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MONTHS = [
    (1, _("January")),
    (2, _("February")),
    (3, _("March")),
    (4, _("April")),
    (5, _("May")),
    (6, _("June")),
    (7, _("July")),
    (8, _("August")),
    (9, _("September")),
    (10, _("October")),
    (11, _("November")),
    (12, _("December")),
]


MOST_PEOPLE = 100


def _days_in(month: int) -> int:
    # February counts 28 days: a cycle on the 29th would end on a day most years lack.
    return calendar.monthrange(2025, month)[1]


def _day_problem(month: int | None, day: int | None, what: str) -> tuple[str, str] | None:
    """(which half, message) when a day of the year is half given or not a day; None if fine."""
    if month is None and day is None:
        return None
    if month is None:
        return "month", gettext("Choose the month of %(what)s.") % {"what": what}
    if day is None or not 1 <= day <= _days_in(month):
        message = gettext("Give the day of %(what)s: a number from 1 to %(last)s.")
        return "day", message % {"what": what, "last": _days_in(month)}
    return None


class PlanOptions(models.Model):
    cycle_end_month = models.PositiveSmallIntegerField(
        _("every term ends in"),
        choices=MONTHS,
        null=True,
        blank=True,
        help_text=_("For a plan on a fixed cycle, e.g. December for terms that all end on 31 December."),
    )
    cycle_end_day = models.PositiveSmallIntegerField(_("on day"), null=True, blank=True)
    cutoff_month = models.PositiveSmallIntegerField(
        _("late joiners from"),
        choices=MONTHS,
        null=True,
        blank=True,
        help_text=_("Optional: joining on or after this day covers the rest of this cycle and all of the next."),
    )
    cutoff_day = models.PositiveSmallIntegerField(_("late joiners from day"), null=True, blank=True)
    needs_approval = models.BooleanField(
        _("needs approval"),
        default=False,
        help_text=_("Applicants answer a question; a treasurer approves them before they can pay."),
    )
    approval_question = models.TextField(
        _("question for applicants"),
        blank=True,
        help_text=_("What the applicant must tell you, e.g. “Where do you study, and what is your student number?”"),
    )
    covers_people = models.PositiveSmallIntegerField(
        _("covers up to (people)"),
        default=1,
        blank=True,
        help_text=_(
            "1 for one person; for a household or an institution, how many people one payment covers, payer included."
        ),
    )

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        errors = {}
        cycle = _day_problem(self.cycle_end_month, self.cycle_end_day, gettext("the cycle's end"))
        cutoff = _day_problem(self.cutoff_month, self.cutoff_day, gettext("the cut-off"))
        for problem, prefix in ((cycle, "cycle_end_"), (cutoff, "cutoff_")):
            if problem is not None:
                errors[prefix + problem[0]] = problem[1]
        if self.has_cycle and self.period != "yearly":
            errors.setdefault("cycle_end_month", gettext("Only a yearly plan can run on a fixed cycle."))
        if (self.cutoff_month or self.cutoff_day) and not (self.cycle_end_month or self.cycle_end_day):
            errors.setdefault("cutoff_month", gettext("A cut-off needs a cycle: say on which day every term ends."))
        if self.needs_approval and not self.approval_question.strip():
            errors["approval_question"] = gettext("Write the question applicants answer, so the treasurer can judge.")
        if not 1 <= (self.covers_people or 0) <= MOST_PEOPLE:
            errors["covers_people"] = gettext("A plan covers from 1 to %(most)s people.") % {"most": MOST_PEOPLE}
        if errors:
            raise ValidationError(errors)

    @property
    def has_cycle(self) -> bool:
        return bool(self.cycle_end_month and self.cycle_end_day)

    @property
    def has_cutoff(self) -> bool:
        return self.has_cycle and bool(self.cutoff_month and self.cutoff_day)

    @property
    def cycle_ends(self) -> datetime.date | None:
        """The day of the year every term ends on, for showing with |date:"j F" (its year means nothing)."""
        return datetime.date(2001, self.cycle_end_month, self.cycle_end_day) if self.has_cycle else None

    @property
    def late_joiners_from(self) -> datetime.date | None:
        """The cut-off as a day of the year, like `cycle_ends`."""
        return datetime.date(2001, self.cutoff_month, self.cutoff_day) if self.has_cutoff else None

    @property
    def is_household(self) -> bool:
        return self.covers_people > 1

    @property
    def is_lifetime(self) -> bool:
        return self.period == "lifetime"

    @property
    def is_monthly(self) -> bool:
        return self.period == "monthly"

    @property
    def offers_auto_renew(self) -> bool:
        """Monthly dues are always a subscription; a lifetime plan never renews."""
        return (self.auto_renew_offered or self.is_monthly) and not self.is_lifetime

    @property
    def requires_auto_renew(self) -> bool:
        return self.is_monthly
