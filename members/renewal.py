"""What to offer a member who renews: the plan and amount they paid last, and the plans
open to them. (The signed renewal link itself is in members/links.py.)"""

from django.db.models import Q

from members.models import Member, MembershipTerm, Payment, Plan


def renewal_choice(member: Member) -> tuple[Plan | None, int | None]:
    """The plan and amount to offer: what the member paid last time, if the plan still exists
    (a plan closed to new members stays open to those who hold it); else the first open plan."""
    last = (
        Payment.objects.filter(member=member, status=Payment.Status.PAID, plan__isnull=False)
        .select_related("plan")
        .order_by("-received_on", "-pk")
        .first()
    )
    if last is not None and not last.plan.is_lifetime:
        plan = last.plan
        amount = last.amount_cents if plan.is_sliding and plan.accepts(last.amount_cents) else plan.amount_cents
        return plan, amount
    plan = Plan.objects.filter(is_open=True, period=Plan.Period.YEARLY).first()
    return plan, plan.amount_cents if plan else None


def renewable_plans(member: Member):
    """The plans a member may renew on: open ones, and any yearly plan they hold."""
    held = MembershipTerm.objects.filter(member=member).values("plan_id")
    return Plan.objects.filter(Q(is_open=True) | Q(pk__in=held, period=Plan.Period.YEARLY))
