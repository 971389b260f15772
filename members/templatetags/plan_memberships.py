"""What /membership/ shows of plans that need approval and of household memberships."""

from django import template

from members import applications

register = template.Library()


@register.inclusion_tag("members/_applications_status.html")
def membership_applications(member) -> dict:
    """The member's latest application to each plan, each marked `paid` once they hold the plan."""
    latest = list(applications.latest_by_plan(member).values())
    held = set(member.terms.values_list("plan_id", flat=True)) if latest else set()
    for application in latest:
        application.paid = application.plan_id in held
    return {"applications": latest}
