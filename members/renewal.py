"""The one-step renewal link: signed, for one member and the term they are renewing,
and expiring. Opening it shows the renewal page already filled in; only a POST acts."""

import datetime

from django.conf import settings
from django.core import signing
from django.db.models import Q
from django.urls import reverse

from members.emails import absolute
from members.models import Member, MembershipTerm, Payment, Plan

SALT = "members.renewal"


class InvalidRenewalLink(Exception):
    """The link was altered, or it has expired; the message says which, for the member."""


def renewal_token(member: Member, term: MembershipTerm | None = None) -> str:
    return signing.dumps({"m": member.pk, "t": term.pk if term else None}, salt=SALT, compress=True)


def renewal_url(member: Member, term: MembershipTerm | None = None) -> str:
    return absolute(reverse("members:renew", args=[renewal_token(member, term)]))


def read_token(token: str) -> tuple[Member, int | None]:
    """The member (and the term id) a renewal link was made for."""
    max_age = datetime.timedelta(days=settings.RENEWAL_LINK_MAX_AGE_DAYS)
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise InvalidRenewalLink(
            "This renewal link has expired. Sign in to renew, or use the link in a more recent email."
        ) from None
    except signing.BadSignature:
        raise InvalidRenewalLink("This renewal link is not valid. Please check it was copied in full.") from None
    member = Member.objects.select_related("user").filter(pk=data.get("m")).first()
    if member is None:
        raise InvalidRenewalLink("This renewal link is not valid any more.")
    return member, data.get("t")


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
