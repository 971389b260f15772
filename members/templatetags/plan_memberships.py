"""What /membership/ shows of plans that need approval and of household memberships."""

from django import template
from django.utils import timezone

from members import applications, households
from members.models import GOOD_STANDINGS, grace_period

register = template.Library()


@register.inclusion_tag("members/_applications_status.html")
def membership_applications(member) -> dict:
    """The member's latest application to each plan, each marked `paid` once they hold the plan."""
    latest = list(applications.latest_by_plan(member).values())
    held = set(member.terms.values_list("plan_id", flat=True)) if latest else set()
    for application in latest:
        application.paid = application.plan_id in held
    return {"applications": latest}


def _covered(member, standing) -> dict:
    """Until when a covered person's membership runs; once it has ended with the payer's,
    the day it ended and, in the grace period, the last day in good standing."""
    term = member.current_term()
    last_day = term.last_day if term is not None else None
    if last_day is None or last_day >= timezone.localdate():
        return {"covered_until": last_day}
    in_grace = standing in GOOD_STANDINGS
    return {"covered_ended_on": last_day, "covered_grace_until": last_day + grace_period() if in_grace else None}


def _lapsed_household(member):
    """The payer's last term, when it was on a household plan and has lapsed: the people
    they added are still theirs, and are covered again when they renew."""
    term = member.current_term()
    if term is None or not term.plan.is_household or member.in_good_standing():
        return None
    return term


@register.inclusion_tag("members/_household.html", takes_context=True)
def household_section(context, member) -> dict:
    """For a payer on a household plan, the people it covers; for a person covered, whose it is."""
    covered_by = context["covered_by"] if "covered_by" in context else households.covering(member)
    if covered_by:
        return {"covered_by": covered_by, **_covered(member, context.get("standing") or member.standing())}
    term = households.household_term(member)
    lapsed = None if term else _lapsed_household(member)
    people = list(households.current(member)) if term or lapsed else []
    return {
        "csrf_token": context.get("csrf_token"),
        "term": term or (lapsed if people else None),
        "lapsed": lapsed is not None,
        "people": people,
        "places_left": term.plan.covers_people - 1 - len(people) if term else 0,
    }
