"""What /membership/ shows of plans that need approval and of household memberships."""

from django import template

from members import applications, households

register = template.Library()


@register.inclusion_tag("members/_applications_status.html")
def membership_applications(member) -> dict:
    """The member's latest application to each plan, each marked `paid` once they hold the plan."""
    latest = list(applications.latest_by_plan(member).values())
    held = set(member.terms.values_list("plan_id", flat=True)) if latest else set()
    for application in latest:
        application.paid = application.plan_id in held
    return {"applications": latest}


def _last_day(member):
    term = member.current_term()
    return term.last_day if term is not None else None


@register.inclusion_tag("members/_household.html", takes_context=True)
def household_section(context, member) -> dict:
    """For a payer on a household plan, the people it covers; for a person covered, whose it is."""
    covered_by = context["covered_by"] if "covered_by" in context else households.covering(member)
    term = None if covered_by else households.household_term(member)
    people = list(households.current(member)) if term else []
    return {
        "csrf_token": context.get("csrf_token"),
        "covered_by": covered_by,
        "covered_until": _last_day(member) if covered_by else None,
        "term": term,
        "people": people,
        "places_left": term.plan.covers_people - 1 - len(people) if term else 0,
    }
