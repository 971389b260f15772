"""The demo society's people, plans and dues, for the local run. Safe to run twice.

Every payment goes through the same functions a real one does (`dues.record_payment`,
`arrears.…`), so the demo has receipts, member numbers and terms exactly as the
product makes them: members in every standing, every payment method, one member on
auto-renew, a failed card charge and a promise to pay for the treasurer's queues. Each
plan has its name and description in Spanish too, the society's second language.
"""

import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from members import arrears, dues, households, roles
from members import stripe as card
from members.accounts import ensure_member
from members.models import Member, Payment, PaymentPromise, Plan, User

DEMO_PASSWORD = "societas-demo"  # noqa: S105 - the published password of the local demo logins

PLANS = [
    {
        "slug": "regular",
        "name": "Regular member",
        "pricing": Plan.Pricing.FIXED,
        "amount_cents": 6000,
        "description": "Full membership for one year: votes at the general meeting, member rates at congresses.",
        "second_language": "es",
        "name_second": "Socio ordinario",
        "description_second": (
            "Un año de afiliación completa: voto en la asamblea general y tarifas de socio en los congresos."
        ),
    },
    {
        "slug": "pay-what-you-can",
        "name": "Student or low income",
        "pricing": Plan.Pricing.SLIDING,
        "amount_cents": 3000,
        "minimum_cents": 1000,
        "description": "The same membership for students, retirees and anyone on a low income: pay what you can.",
        "second_language": "es",
        "name_second": "Estudiante o ingresos bajos",
        "description_second": (
            "La misma afiliación para estudiantes, jubilados y cualquier "
            "persona con ingresos bajos: pague lo que pueda."
        ),
    },
    {
        "slug": "sustaining",
        "name": "Sustaining member",
        "pricing": Plan.Pricing.FIXED,
        "amount_cents": 15000,
        "description": "Full membership, and a little more to keep the society's lectures free for everyone.",
        "second_language": "es",
        "name_second": "Socio protector",
        "description_second": (
            "Afiliación completa y una aportación adicional para que las "
            "conferencias de la sociedad sigan siendo gratuitas para todos."
        ),
    },
    {
        "slug": "lifetime",
        "name": "Lifetime member",
        "pricing": Plan.Pricing.FIXED,
        "amount_cents": 90000,
        "period": Plan.Period.LIFETIME,
        "auto_renew_offered": False,
        "description": "One payment, membership for life.",
        "second_language": "es",
        "name_second": "Socio vitalicio",
        "description_second": "Un único pago y es usted socio de por vida.",
    },
    {
        "slug": "household",
        "name": "Household",
        "pricing": Plan.Pricing.FIXED,
        "amount_cents": 9000,
        "covers_people": 4,
        "description": "One membership for up to four people at one address: each has their own sign-in and vote.",
        "second_language": "es",
        "name_second": "Cuota familiar",
        "description_second": (
            "Una sola afiliación para hasta cuatro personas del mismo "
            "domicilio: cada una tiene su propio acceso y su voto."
        ),
    },
    {
        "slug": "calendar-year",
        "name": "Calendar year",
        "pricing": Plan.Pricing.FIXED,
        "amount_cents": 6000,
        "cycle_end_month": 12,
        "cycle_end_day": 31,
        "cutoff_month": 10,
        "cutoff_day": 1,
        "description": "Membership to 31 December; joining from 1 October also covers all of next year.",
        "second_language": "es",
        "name_second": "Cuota por año natural",
        "description_second": (
            "Afiliación hasta el 31 de diciembre; quien se asocie a partir del 1 de "
            "octubre queda cubierto también todo el año siguiente."
        ),
    },
]

M = Payment.Method
# email, first name, last name, role, and the payment: (plan, method, days ago, amount or None, reference) or None
PEOPLE = [
    ("admin@example.org", "Ada", "Admin", "superuser", None),
    ("organiser@example.org", "Olu", "Organiser", roles.ORGANISER, ("regular", M.CARD, 100, None, "")),
    ("treasurer@example.org", "Tess", "Treasurer", roles.TREASURER, ("sustaining", M.CASH, 200, None, "At the AGM")),
    ("member@example.org", "Mira", "Member", None, ("regular", M.CHEQUE, 40, None, "Cheque 000123")),
    ("renewing@example.org", "Rafael", "Renewing", None, ("regular", M.BANK_TRANSFER, 340, None, "REF RENEWING")),
    ("grace@example.org", "Grace", "Latecomer", None, ("regular", M.CHEQUE, 380, None, "Cheque 000077")),
    ("lapsed@example.org", "Lars", "Lapsed", None, ("regular", M.CASH, 500, None, "")),
    ("pending@example.org", "Penny", "Pending", None, None),
    ("student@example.org", "Stella", "Student", None, ("pay-what-you-can", M.CARD, 10, 2000, "")),
    ("lifetime@example.org", "Leo", "Lifelong", None, ("lifetime", M.BANK_TRANSFER, 800, None, "REF LIFETIME")),
    ("honorary@example.org", "Hana", "Honorary", None, ("regular", M.COMPLIMENTARY, 60, 0, "Honorary member")),
    ("autorenew@example.org", "Arturo", "Autorenew", None, ("regular", M.CARD, 358, None, "")),
    ("declined@example.org", "Dana", "Declined", None, ("regular", M.CARD, 372, None, "")),
    ("refunded@example.org", "Rita", "Refunded", None, ("regular", M.CASH, 20, None, "")),
    ("household@example.org", "Hugo", "Household", None, ("household", M.BANK_TRANSFER, 30, None, "REF HOUSEHOLD")),
    ("covered@example.org", "Cora", "Household", None, None),
    ("calendar@example.org", "Cal", "Calendar", None, ("calendar-year", M.CHEQUE, 50, None, "Cheque 000200")),
    ("socia@example.org", "Lucía", "Socia", None, ("regular", M.BANK_TRANSFER, 358, None, "REF SOCIA")),
]
# Members who read the site and their emails in Spanish (when the society offers it): their
# renewal reminder (the term ends within the week) is written in Spanish by the worker.
SPANISH_READERS = ("socia@example.org",)
# (payer, person): the household payer covers one more person, who signs in with their own login.
HOUSEHOLD = ("household@example.org", "covered@example.org")


def _person(email, first_name, last_name, role) -> Member:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, password=DEMO_PASSWORD, is_staff=role == "superuser", is_superuser=role == "superuser"
        )
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    if role in roles.ALL_ROLES:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    member = ensure_member(user)
    if not member.first_name:
        member.first_name, member.last_name = first_name, last_name
        member.address_line1, member.postal_code = "12 Demo Road", "12345"
        member.city, member.country = "Springfield", "United States"
        member.save()
    return member


def _pay(member: Member, spec, *, treasurer) -> Payment:
    slug, method, days_ago, amount, reference = spec
    plan = Plan.objects.get(slug=slug)
    refs = None
    if method == M.CARD:
        refs = dues.StripeRefs(invoice_id=card.local_id("in"), payment_intent_id=card.local_id("pi"))
    return dues.record_payment(
        member=member,
        plan=plan,
        amount_cents=plan.amount_cents if amount is None else amount,
        method=method,
        received_on=timezone.localdate() - datetime.timedelta(days=days_ago),
        reference=reference,
        by=None if method == M.CARD else treasurer,
        stripe=refs,
        notify=False,  # the demo's history happened before today: no receipts to send now
    )


def _auto_renew(member: Member, payment: Payment) -> None:
    Member.objects.filter(pk=member.pk, stripe_customer_id__isnull=True).update(stripe_customer_id=card.local_id("cus"))
    end = payment.terms.get().end
    dues.update_auto_renew(
        member=member,
        subscription_id=card.local_id("sub"),
        on=True,
        renews_on=end + datetime.timedelta(days=1),
        as_of=timezone.now(),
    )


def _decline(member: Member, payment: Payment) -> None:
    _auto_renew(member, payment)
    member.refresh_from_db()
    now = timezone.now()
    arrears.record_failed_charge(
        member=member,
        invoice_id=card.local_id("in"),
        subscription_id=member.stripe_subscription_id,
        amount_cents=payment.amount_cents,
        currency=payment.currency,
        attempt_count=2,
        failure_message="Your card was declined.",
        next_attempt_at=now + datetime.timedelta(days=3),
        failed_at=now - datetime.timedelta(days=1),
    )


def _history(member: Member, email: str, spec, *, treasurer) -> None:
    if spec is None or member.payments.exists():
        return
    payment = _pay(member, spec, treasurer=treasurer)
    if email == "autorenew@example.org":
        _auto_renew(member, payment)
    elif email == "declined@example.org":
        _decline(member, payment)
    elif email == "refunded@example.org":
        dues.refund_payment(payment=payment, reason="Paid twice by mistake; returned in cash.", by=treasurer)


def _cover(payer_email: str, person_email: str) -> None:
    payer = Member.objects.select_related("user").get(user__email=payer_email)
    person = Member.objects.select_related("user").get(user__email=person_email)
    if households.covering(person) is None:
        households.add_person(
            payer=payer, first_name=person.first_name, last_name=person.last_name, email=person_email, by=payer.user
        )


@transaction.atomic
def seed(log) -> None:
    for order, spec in enumerate(PLANS):
        Plan.objects.update_or_create(slug=spec["slug"], defaults={**spec, "display_order": order})
    treasurer = None
    for email, first, last, role, spec in PEOPLE:
        member = _person(email, first, last, role)
        treasurer = member.user if role == roles.TREASURER else treasurer
        _history(member, email, spec, treasurer=treasurer)
        if email in SPANISH_READERS and "es" in dict(settings.LANGUAGES) and member.language != "es":
            Member.objects.filter(pk=member.pk).update(language="es")
    _cover(*HOUSEHOLD)
    pending = Member.objects.get(user__email="pending@example.org")
    if not pending.promises.exists():
        arrears.promise_payment(
            member=pending,
            plan=Plan.objects.get(slug="regular"),
            amount_cents=6000,
            method=PaymentPromise.Method.CHEQUE,
        )
    log(
        f"Members: {Member.objects.count()} people, {Plan.objects.count()} plans, "
        f"{Payment.objects.count()} payments. Every demo login uses the password {DEMO_PASSWORD!r}."
    )
