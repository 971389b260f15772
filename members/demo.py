"""The demo society's people and plans, for the local run. Safe to run twice."""

import datetime

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from members import roles
from members.accounts import ensure_member
from members.models import Member, MembershipTerm, Payment, Plan, User

DEMO_PASSWORD = "societas-demo"  # noqa: S105 - the published password of the local demo logins

PLANS = [
    {
        "slug": "regular",
        "name": "Regular member",
        "pricing": Plan.Pricing.FIXED,
        "amount_cents": 6000,
        "description": "Full membership for one year: votes at the general meeting, member rates at congresses.",
    },
    {
        "slug": "pay-what-you-can",
        "name": "Pay what you can",
        "pricing": Plan.Pricing.SLIDING,
        "amount_cents": 3000,
        "minimum_cents": 1000,
        "description": "The same membership for students, retirees and anyone on a low income.",
    },
    {
        "slug": "lifetime",
        "name": "Lifetime member",
        "pricing": Plan.Pricing.FIXED,
        "amount_cents": 90000,
        "period": Plan.Period.LIFETIME,
        "auto_renew_offered": False,
        "description": "One payment, membership for life.",
    },
]

# (email, first name, last name, role or None, days since the current term began or None for no term)
PEOPLE = [
    ("admin@example.org", "Ada", "Admin", "superuser", None),
    ("organiser@example.org", "Olu", "Organiser", roles.ORGANISER, 100),
    ("treasurer@example.org", "Tess", "Treasurer", roles.TREASURER, 200),
    ("member@example.org", "Mira", "Member", None, 40),
    ("renewing@example.org", "Rafael", "Renewing", None, 340),
    ("grace@example.org", "Grace", "Latecomer", None, 380),
    ("lapsed@example.org", "Lars", "Lapsed", None, 500),
    ("pending@example.org", "Penny", "Pending", None, None),
]


def _person(email, first_name, last_name, role) -> Member:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=DEMO_PASSWORD, is_staff=role == "superuser", is_superuser=role == "superuser"
        )
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    if role in roles.ALL_ROLES:
        user.groups.add(Group.objects.get(name=role))
    member = ensure_member(user)
    if not member.first_name:
        member.first_name, member.last_name = first_name, last_name
        member.city, member.country = "Springfield", "United States"
        member.save()
    return member


def _term(member: Member, plan: Plan, days_ago: int, number: int) -> None:
    if member.terms.exists():
        return
    start = timezone.localdate() - datetime.timedelta(days=days_ago)
    payment = Payment.objects.create(
        member=member,
        plan=plan,
        amount_cents=plan.amount_cents,
        currency=plan.currency,
        method=Payment.Method.BANK_TRANSFER,
        received_on=start,
        receipt_number=f"DEMO-{number:04d}",
    )
    end = start.replace(year=start.year + 1) - datetime.timedelta(days=1)
    MembershipTerm.objects.create(member=member, plan=plan, start=start, end=end, payment=payment)
    member.member_number = member.member_number or number
    member.save(update_fields=["member_number"])


@transaction.atomic
def seed(log) -> None:
    for spec in PLANS:
        Plan.objects.update_or_create(slug=spec["slug"], defaults={**spec, "display_order": PLANS.index(spec)})
    regular = Plan.objects.get(slug="regular")
    for number, (email, first, last, role, days_ago) in enumerate(PEOPLE, start=1):
        member = _person(email, first, last, role)
        if days_ago is not None:
            _term(member, regular, days_ago, number)
    log(
        f"Members: {Member.objects.count()} people, {Plan.objects.count()} plans. "
        f"Every demo login uses the password {DEMO_PASSWORD!r}."
    )
