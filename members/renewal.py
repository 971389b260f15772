"""What to offer a member who renews: the plan and amount they paid last, and the plans
open to them. (The signed renewal link itself is in members/links.py.)"""

import datetime

from django.db.models import Q

from members.models import Member, MembershipTerm, Payment, Plan, Standing


def renewal_choice(member: Member) -> tuple[Plan | None, int | None]:
    """The plan and amount to offer: what the member paid last time, if the plan still exists
    (a plan closed to new members stays open to those who hold it); else the first open plan."""
    return renewal_choices([member])[member.pk]


def renewal_choices(members) -> dict[int, tuple[Plan | None, int | None]]:
    """`renewal_choice` for many members in two queries, by member id (a mail worker's batch)."""
    ids = [member.pk for member in members]
    payments = (
        Payment.objects.filter(member_id__in=ids, status=Payment.Status.PAID, plan__isnull=False)
        .select_related("plan")
        .order_by("member_id", "-received_on", "-pk")
    )
    last = {}
    for payment in payments:
        last.setdefault(payment.member_id, payment)
    fallback = None
    choices = {}
    for member_id in ids:
        payment = last.get(member_id)
        if payment is not None and not payment.plan.is_lifetime:
            plan = payment.plan
            accepted = plan.is_sliding and plan.accepts(payment.amount_cents)
            choices[member_id] = (plan, payment.amount_cents if accepted else plan.amount_cents)
            continue
        if fallback is None:
            plan = Plan.objects.filter(is_open=True, period=Plan.Period.YEARLY).first()
            fallback = (plan, plan.amount_cents if plan else None)
        choices[member_id] = fallback
    return choices


def is_renewing(member: Member) -> bool:
    """Whether paying now renews: anyone who has held a term (an imported member may have no number yet)."""
    return bool(member.member_number) or MembershipTerm.objects.filter(member=member).exists()


def renewable_plans(member: Member):
    """The plans a member may renew on: open ones, and any yearly plan they hold."""
    held = MembershipTerm.objects.filter(member=member).values("plan_id")
    return Plan.objects.filter(Q(is_open=True) | Q(pk__in=held, period=Plan.Period.YEARLY))


def renewal_window_days() -> int:
    """How many days before a term ends renewing becomes the member's main action: from
    the earliest reminder before the end (30 days if none is set)."""
    from members.reminder_schedule import current  # the schedule's module reads dues, which reads this one

    before = [days for days in current().days_before_end if days >= 0]
    return max(before, default=30)


def renewal_opens(paid_through: datetime.date | None) -> datetime.date | None:
    """The first day renewing is the main action for a term paid through `paid_through`."""
    return paid_through - datetime.timedelta(days=renewal_window_days()) if paid_through else None


def main_action(standing: Standing, paid_through: datetime.date | None, *, today: datetime.date) -> str:
    """The membership page's main button: "pay" (never paid), "renew" (within the renewal
    window, in grace, or lapsed), or "" (active, not yet time to renew)."""
    if standing == Standing.PENDING:
        return "pay"
    if standing == Standing.ACTIVE and paid_through and (paid_through - today).days > renewal_window_days():
        return ""
    return "renew"
