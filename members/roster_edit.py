"""The roster kept by hand: staff add a member, change their details and email address,
close a membership, and merge two records of one person.

Each is one function taking `by=` (the treasurer) that writes its audit row in its own
transaction; money goes through `dues.record_payment`, Stripe through members/stripe.py,
emails through the outbox (members/roster_emails.py).

A member added by hand is an account with no usable password: they sign in with a code
sent to their address. An address staff enter (adding a member, or changing one) is
marked verified: staff have it from the person, and signing in by code proves owning it
either way; the old address and the new one are both told of a change.
"""

import datetime
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from members import dues, emails, merge_parts, profiles, roster_emails
from members import stripe as card
from members.models import Member, MembershipTerm, Payment, Plan, User
from members.names import sort_name_for, tidy

audit.log.describe("member.added", gettext_lazy("Added a member by hand"))
audit.log.describe("member.email_changed", gettext_lazy("Changed a member's email address"))
audit.log.describe("membership.closed", gettext_lazy("Closed a membership"))
audit.log.describe("member.merged", gettext_lazy("Merged a second record of the same person into this member"))
audit.log.describe("member.merged_away", gettext_lazy("Merged this record into another of the same person"))


class RosterRefused(Exception):
    """A change to the roster that cannot be made; the message says why, for a person to read."""

    def __init__(self, message: str, *, member: Member | None = None):
        super().__init__(message)
        self.member = member  # the record the refusal is about (an address already taken)


@dataclass(frozen=True)
class Dues:
    """What a new member's first term was bought with: money received, or nothing (complimentary)."""

    method: str
    amount_cents: int = 0
    received_on: datetime.date | None = None
    reference: str = ""

    @property
    def is_complimentary(self) -> bool:
        return self.method == Payment.Method.COMPLIMENTARY


def _holder_of(email: str, *, besides: int | None = None) -> Member | None:
    """The member whose account uses `email`, as its login or as another address."""
    users = User.objects.filter(Q(email__iexact=email) | Q(emailaddress__email__iexact=email))
    if besides is not None:
        users = users.exclude(pk=besides)
    user = users.select_related("member").first()
    return getattr(user, "member", None) if user else None


def _check_new_address(email: str, *, besides: int | None = None) -> str:
    email = email.strip().lower()
    if not email:
        raise RosterRefused(_("Enter the member's email address."))
    holder = _holder_of(email, besides=besides)
    if holder is not None:
        raise RosterRefused(_("Another member's account already uses this email address."), member=holder)
    return email


def _verified_address(user, email: str) -> None:
    """The account's address, as allauth keeps it: one primary, verified row."""
    EmailAddress.objects.filter(user=user).exclude(email__iexact=email).update(primary=False)
    row = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if row is None:
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    else:
        row.email, row.primary, row.verified = email, True, True
        row.save(update_fields=["email", "primary", "verified"])


# Adding a member.


def add_member(
    *,
    email: str,
    full_name: str,
    plan: Plan,
    start: datetime.date,
    dues_paid: Dues,
    by,
    sort_name: str = "",
    end: datetime.date | None = None,
    send_welcome: bool = False,
) -> Member:
    """Create the account and member, and their first term on `plan` from `start` (to
    `end`, or as long as the plan runs), bought by a payment through `dues.record_payment`
    or complimentary. Emails them (a welcome, and the receipt for money) only if asked."""
    full_name = tidy(full_name)
    if not full_name:
        raise RosterRefused(_("Enter the member's name."))
    if end is not None and end < start:
        raise RosterRefused(_("The term cannot end before it starts."))
    if plan.is_lifetime and end is not None:
        raise RosterRefused(_("A lifetime membership has no end: leave the end of the term empty."))
    received_on = dues_paid.received_on or min(start, timezone.localdate())
    with transaction.atomic():
        email = _check_new_address(email)
        user = User.objects.create_user(email)  # no usable password: they sign in with a code
        _verified_address(user, email)
        member = Member.objects.select_for_update().get(user=user)
        member.full_name, member.sort_name = full_name, sort_name_for(full_name, sort_name)
        member.save(update_fields=["full_name", "sort_name"])
        try:
            payment = dues.record_payment(
                member=member,
                plan=plan,
                amount_cents=0 if dues_paid.is_complimentary else dues_paid.amount_cents,
                method=dues_paid.method,
                received_on=received_on,
                reference=dues_paid.reference,
                by=by,
                covers_from=start,
                notify=False,
            )
        except dues.DuesError as error:
            raise RosterRefused(str(error)) from error
        term = payment.terms.get()
        if end is not None and term.end != end:
            term.end = end
            term.save(update_fields=["end"])
        member.refresh_from_db()
        changes = {
            "email": [None, email],
            "full_name": [None, full_name],
            "plan": [None, plan.pk],
            "term_start": [None, term.start.isoformat()],
            "term_end": [None, term.end.isoformat() if term.end else None],
            "method": [None, payment.method],
            "receipt_number": [None, payment.receipt_number],
            "welcome_sent": [None, send_welcome],
        }
        reason = _("Complimentary: a term with no payment.") if dues_paid.is_complimentary else ""
        audit.log.record(by, "member.added", member, changes=changes, reason=reason)
        if send_welcome:
            roster_emails.queue_added_welcome(member)
            if not dues_paid.is_complimentary:
                emails.queue_receipt(payment)
    return member


# Changing a member's details and address.


def edit_details(*, member: Member, values: dict, email: str, by, reason: str = "") -> Member:
    """Change the member's details (`profiles.edit_member`, with its audit row) and, if it
    differs, their email address: the account's login and allauth's row follow it, and the
    old address and the new one are both told."""
    with transaction.atomic():
        locked = Member.objects.select_for_update().select_related("user").get(pk=member.pk)
        if locked.is_erased or locked.merged_into_id:
            raise RosterRefused(_("This record is closed or merged: its details cannot be changed."))
        new = email.strip().lower()
        if new and new != locked.user.email.lower():
            _change_email(locked, new=new, by=by, reason=reason)
        return profiles.edit_member(member=locked, values=values, by=by, reason=reason)


def _change_email(member: Member, *, new: str, by, reason: str) -> None:
    user, old = member.user, member.user.email
    _check_new_address(new, besides=user.pk)
    user.email = new
    user.save(update_fields=["email"])
    EmailAddress.objects.filter(user=user, email__iexact=old).delete()
    _verified_address(user, new)
    entry = audit.log.record(by, "member.email_changed", member, changes={"email": [old, new]}, reason=reason)
    roster_emails.queue_email_changed(member, old=old, change_id=entry.pk)


# Closing a membership.


def close_membership(*, member: Member, reason: str, by, today: datetime.date | None = None) -> Member:
    """End the membership today: the current term stops after today (no grace period),
    terms paid for beyond it never begin, and auto-renew stops (Stripe's subscription is
    cancelled first: if Stripe says no, nothing changes). A treasurer can let a term run
    again from the member's page (`dues.reinstate_term`)."""
    reason = reason.strip()
    if not reason:
        raise RosterRefused(_("Say why the membership is closed; the reason is kept in the audit log."))
    today = today or timezone.localdate()
    after_today = today + datetime.timedelta(days=1)
    with transaction.atomic():
        locked = Member.objects.select_for_update().get(pk=member.pk)
        if locked.is_erased or locked.merged_into_id:
            raise RosterRefused(_("This record is closed or merged already."))
        running = (
            MembershipTerm.objects.select_for_update()
            .filter(member=locked)
            .filter(Q(end__isnull=True) | Q(end__gt=today))
            .filter(Q(cancelled_on__isnull=True) | Q(cancelled_on__gt=after_today))
        )
        cut = []
        for term in running:
            term.cancelled_on = max(term.start, after_today)
            term.save(update_fields=["cancelled_on"])
            cut.append(term.cancelled_on.isoformat())
        if not cut and not locked.auto_renew:
            raise RosterRefused(
                _("This membership has no term beyond today and no auto-renew: there is nothing to close.")
            )
        changes = {"term_cancelled_on": [None, ", ".join(cut)]} if cut else {}
        if locked.auto_renew:
            # Asked while the member is locked, as a refund is: the webhook saying the
            # subscription ended then finds auto-renew off already, and tells nobody twice.
            card.cancel_subscription(locked.stripe_subscription_id)
            locked.auto_renew, locked.renews_on = False, None
            locked.save(update_fields=["auto_renew", "renews_on"])
            changes["auto_renew"] = [True, False]
        audit.log.record(by, "membership.closed", locked, changes=changes, reason=reason)
    return locked


# Merging two records of one person.

# What moves from the record merged away to the one kept (each a member's reverse relation).
MOVED_ROWS = ("terms", "payments", "notes", "checkouts", "failed_payments", "promises", "promise_requests")
NAME_FIELDS = ("full_name", "sort_name", "first_name", "last_name")
FILLED_DETAILS = (
    *NAME_FIELDS,
    "address_line1",
    "address_line2",
    "city",
    "postal_code",
    "country",
    "phone",
)


def _check_mergeable(keep: Member, other: Member) -> None:
    if keep.pk == other.pk:
        raise RosterRefused(_("Choose two different records: a member cannot be merged with themselves."))
    if keep.is_erased or other.is_erased:
        raise RosterRefused(_("An erased record cannot be merged: its person's details are gone."))
    if keep.merged_into_id or other.merged_into_id:
        raise RosterRefused(_("One of these records was merged already; merge into the record it was merged into."))
    user = other.user
    if user.is_superuser or user.is_staff or user.groups.exists():
        raise RosterRefused(_("The record to merge away holds a staff role: take the role away first, or keep it."))
    if other.auto_renew:
        raise RosterRefused(
            _("The record to merge away renews automatically by card: close its membership first, then merge.")
        )


def merge_members(*, keep: Member, other: Member, reason: str, by) -> Member:
    """Move everything of `other` (terms, payments, notes, promises, answers to events…)
    to `keep`, fill the details `keep` lacks from it, and deactivate `other`'s account.
    `other` stays, marked merged into `keep`, so old links and the audit log still read."""
    reason = reason.strip()
    if not reason:
        raise RosterRefused(_("Say why these records are one person; the reason is kept in the audit log."))
    with transaction.atomic():
        first, second = sorted((keep.pk, other.pk))  # one order of locks, so two merges cannot deadlock
        locked = {
            m.pk: m for m in Member.objects.select_for_update().select_related("user").filter(pk__in=[first, second])
        }
        keep, other = locked.get(keep.pk), locked.get(other.pk)
        _check_mergeable(keep, other)
        moved = {name: getattr(other, name).update(member=keep) for name in MOVED_ROWS}
        moved["unapplied_money"] = other.unapplied_money.update(member=keep)
        other.data_exports.all().delete()
        for name, move in merge_parts.parts():
            moved[name] = move(
                from_user_id=other.user_id,
                from_email=other.user.email,
                to_user_id=keep.user_id,
                to_email=keep.user.email,
            )
        filled = _fill_details(keep, other)
        _retire(other, into=keep)
        counts = {f"{name}_moved": [0, count] for name, count in moved.items() if count}
        merged_from = {"merged_from": [None, other.audit_label()], **counts}
        audit.log.record(by, "member.merged", keep, changes={**merged_from, **filled}, reason=reason)
        audit.log.record(by, "member.merged_away", other, changes={"merged_into": [None, keep.pk]}, reason=reason)
    return keep


def _fill_details(keep: Member, other: Member) -> dict:
    """The details `keep` has not got, from `other`; and its number, Stripe customer and
    directory listing if `keep` has none. The changes, for the audit log."""
    before = audit.log.snapshot(keep, (*FILLED_DETAILS, "member_number", "stripe_customer_id"))
    # The name comes whole or not at all: a kept record already named keeps its name.
    names = NAME_FIELDS if not keep.name else ()
    for name in (*names, *FILLED_DETAILS[len(NAME_FIELDS) :]):
        if not getattr(keep, name) and getattr(other, name):
            setattr(keep, name, getattr(other, name))
    number, customer = other.member_number, other.stripe_customer_id
    if keep.member_number is None and number is not None:
        other.member_number = None  # numbers are unique: taken off the other first
        other.save(update_fields=["member_number"])
        keep.member_number = number
    if not keep.stripe_customer_id and customer:
        other.stripe_customer_id = None
        other.save(update_fields=["stripe_customer_id"])
        keep.stripe_customer_id = customer
    keep.save()
    return audit.log.diff(before, keep)


def _retire(other: Member, *, into: Member) -> None:
    other.merged_into = into
    other.directory_consent = False
    other.save(update_fields=["merged_into", "directory_consent"])
    user = other.user
    # A new password hash ends every session of the account (Django checks it on each request).
    user.set_unusable_password()
    user.is_active = False
    user.save(update_fields=["password", "is_active"])
    EmailAddress.objects.filter(user=user).delete()
