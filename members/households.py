"""Household and institutional memberships: one payment covers up to the plan's number
of people, the payer included. The payer adds and removes the others on /membership/.

Each person covered has their own account (invited by email, signing in by a code) and
their own terms, copied from the payer's and paid by the same payment: every list,
segment and member price reads their standing as anyone's. They lose it together: the
copies end when the payer's terms end, a refund or void of the payment cuts them with
the payer's, and a person taken off the household loses theirs that day.
"""

import datetime

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from members import plan_emails
from members.dues import DuesError, next_member_number
from members.models import CoveredPerson, Member, MembershipTerm, User

audit.log.describe("household.person_added", gettext_lazy("Added a person to a household or institutional membership"))
audit.log.describe(
    "household.person_removed", gettext_lazy("Took a person off a household or institutional membership")
)


class HouseholdRefused(DuesError):
    """A change to a household that is not allowed; the message says why."""


def household_term(payer: Member, *, on: datetime.date | None = None) -> MembershipTerm | None:
    """The payer's term that covers others now, if their current term is on such a plan."""
    term = payer.current_term(on=on)
    if term is None or not term.plan.is_household or not term.in_good_standing_on(on or timezone.localdate()):
        return None
    return term


def current(payer: Member):
    return payer.covered_people.filter(removed_at__isnull=True).select_related("person__user")


def covering(person: Member) -> CoveredPerson | None:
    """Whose membership covers this person now, if anyone's."""
    return person.covered_by.filter(removed_at__isnull=True).select_related("payer__user").first()


def _person_for(email: str, *, first_name: str, last_name: str) -> Member:
    """The account of `email`, made now (no password: they sign in by code) if there is none."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email)
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    person = Member.objects.select_for_update().get_or_create(user=user)[0]
    if not (person.first_name or person.last_name):
        person.first_name, person.last_name = first_name.strip(), last_name.strip()
        person.save(update_fields=["first_name", "last_name"])
    return person


def _check_person(payer: Member, person: Member) -> None:
    if person.pk == payer.pk:
        raise HouseholdRefused(_("You are covered already: add the other people your membership covers."))
    if person.is_erased or not person.user.is_active:
        raise HouseholdRefused(_("This address cannot be added."))
    if covering(person) is not None or current(person).exists():
        raise HouseholdRefused(_("This person is covered by another membership already."))


def _copy_terms(payer: Member, person: Member, *, from_day: datetime.date) -> None:
    """Give the person the payer's household terms that still run, from `from_day` on."""
    terms = MembershipTerm.objects.filter(member=payer, cancelled_on__isnull=True, plan__covers_people__gt=1)
    for term in terms.exclude(end__lt=from_day).select_related("payment"):
        start = max(term.start, from_day)
        MembershipTerm.objects.create(member=person, plan=term.plan, start=start, end=term.end, payment=term.payment)


def add_person(*, payer: Member, first_name: str, last_name: str, email: str, by) -> CoveredPerson:
    """Cover one more person with the payer's membership, within the plan's number of people.

    The person's account is made if they have none, and they are emailed how to sign in."""
    email = User.objects.normalize_email(email.strip()).lower()
    if not first_name.strip() or not email:
        raise HouseholdRefused(_("Give the person's name and email address."))
    with transaction.atomic():
        payer = Member.objects.select_for_update().select_related("user").get(pk=payer.pk)
        if covering(payer) is not None:
            raise HouseholdRefused(_("Your membership is through someone else's: only they can add people."))
        term = household_term(payer)
        if term is None:
            raise HouseholdRefused(_("Your membership covers only you."))
        if current(payer).count() + 1 >= term.plan.covers_people:
            raise HouseholdRefused(
                _("Your plan covers up to %(people)s people, you included: take someone off first.")
                % {"people": term.plan.covers_people}
            )
        person = _person_for(email, first_name=first_name, last_name=last_name)
        _check_person(payer, person)
        covered = CoveredPerson.objects.create(payer=payer, person=person)
        _copy_terms(payer, person, from_day=timezone.localdate())
        if person.member_number is None:
            person.member_number = next_member_number()
            person.save(update_fields=["member_number"])
        audit.log.record(by, "household.person_added", covered)
        plan_emails.queue_household_added(covered)
    return covered


def remove_person(*, covered: CoveredPerson, by) -> CoveredPerson:
    """Take a person off the household: from today the payer's membership no longer covers them."""
    today = timezone.localdate()
    with transaction.atomic():
        covered = CoveredPerson.objects.select_for_update().select_related("payer", "person__user").get(pk=covered.pk)
        if not covered.is_current:
            raise HouseholdRefused(_("This person was taken off already."))
        covered.removed_at = timezone.now()
        covered.save(update_fields=["removed_at"])
        copies = MembershipTerm.objects.filter(
            member=covered.person, payment__member=covered.payer, cancelled_on__isnull=True
        ).exclude(end__lt=today)
        for term in copies.select_for_update():
            term.cancelled_on = max(term.start, today)
            term.save(update_fields=["cancelled_on"])
        audit.log.record(by, "household.person_removed", covered, changes={"removed_at": [None, str(today)]})
        plan_emails.queue_household_removed(covered)
    return covered


def cover_new_term(term: MembershipTerm) -> None:
    """A payer's new household term covers the people they have added (as many as the plan
    covers, the earliest added first). Called by `dues.record_payment`, in its transaction."""
    if not term.plan.is_household:
        return
    people = current(term.member).order_by("added_at", "pk")[: term.plan.covers_people - 1]
    MembershipTerm.objects.bulk_create(
        MembershipTerm(member=covered.person, plan=term.plan, start=term.start, end=term.end, payment=term.payment)
        for covered in people
    )
