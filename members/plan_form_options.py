"""The checks the plan form makes of a plan's cycle, approval and household options
(members/plan_options.py), so a treasurer cannot save a plan whose dates cannot be worked out."""

import calendar

from django.utils.translation import gettext as _

PLAN_OPTION_FIELDS = (
    "cycle_end_month",
    "cycle_end_day",
    "cutoff_month",
    "cutoff_day",
    "needs_approval",
    "approval_question",
    "covers_people",
)

MOST_PEOPLE = 100


def _valid_day(month: int, day: int | None) -> bool:
    # February counts 28 days: a cycle on the 29th would end on a day most years lack.
    return day is not None and 1 <= day <= calendar.monthrange(2025, month)[1]


def _clean_pair(form, data: dict, month_field: str, day_field: str, what: str) -> bool:
    """Both halves of a day of the year or neither; True when both are given and valid."""
    month, day = data.get(month_field), data.get(day_field)
    if month is None and day is None:
        return False
    if month is None:
        form.add_error(month_field, _("Choose the month of %(what)s.") % {"what": what})
    elif not _valid_day(month, day):
        form.add_error(
            day_field,
            _("Give the day of %(what)s: a number from 1 to %(last)s.")
            % {"what": what, "last": calendar.monthrange(2025, month)[1]},
        )
    else:
        return True
    return False


def clean_plan_options(form, data: dict) -> None:
    """Add the form's errors about the options; leave `data` ready to save."""
    period = data.get("period")
    has_cycle = _clean_pair(form, data, "cycle_end_month", "cycle_end_day", _("the cycle's end"))
    has_cutoff = _clean_pair(form, data, "cutoff_month", "cutoff_day", _("the cut-off"))
    if has_cycle and period != "yearly":
        form.add_error("cycle_end_month", _("Only a yearly plan can run on a fixed cycle."))
    if has_cutoff and not has_cycle:
        form.add_error("cutoff_month", _("A cut-off needs a cycle: say on which day every term ends."))
    if data.get("needs_approval") and not (data.get("approval_question") or "").strip():
        form.add_error("approval_question", _("Write the question applicants answer, so the treasurer can judge."))
    people = data.get("covers_people")
    people = data["covers_people"] = 1 if people is None else people
    if not 1 <= people <= MOST_PEOPLE:
        form.add_error("covers_people", _("A plan covers from 1 to %(most)s people.") % {"most": MOST_PEOPLE})
    data["approval_question"] = (data.get("approval_question") or "").strip()
