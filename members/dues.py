"""Dues: the dates a payment buys, recording payments, refunds and voids, numbering.

Every way money arrives (a Stripe webhook, the treasurer's form, the local test
checkout, the demo) goes through `record_payment`, so a cheque activates a member
exactly as a card does.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from members import emails
from members.models import Counter, Member, MembershipTerm, Payment, PaymentPromise, Plan, Standing
from members.money import format_money
from members.term_dates import add_years, next_term_dates  # noqa: F401 (the dates of a term, named here too)


class DuesError(Exception):
    """A change to dues that is not allowed; the message says why, for a person to read."""


audit.log.describe("payment.recorded", gettext_lazy("Recorded a payment"))
audit.log.describe("payment.refunded", gettext_lazy("Refunded a payment (in full or in part)"))
audit.log.describe("payment.voided", gettext_lazy("Voided a payment"))
audit.log.describe("term.reinstated", gettext_lazy("Let a term cut short run to its end"))

# What the log keeps of a new payment (its reference may name who took the cash).
RECORDED_FIELDS = ("plan", "amount_cents", "currency", "method", "received_on", "receipt_number")


@dataclass(frozen=True)
class StripeRefs:
    """The Stripe objects a card payment came from (any may be empty)."""

    checkout_session_id: str | None = None
    invoice_id: str | None = None
    payment_intent_id: str | None = None


def next_number(name: str, *, floor: int = 0) -> int:
    """The next value of a counter that never goes back. Call inside a transaction."""
    counter, _ = Counter.objects.select_for_update().get_or_create(name=name, defaults={"value": floor})
    counter.value = max(counter.value, floor) + 1
    counter.save(update_fields=["value"])
    return counter.value


def next_member_number() -> int:
    # The floor covers numbers given before the counter existed (an import, say).
    floor = Member.objects.aggregate(top=Max("member_number"))["top"] or 0
    return next_number("member-number", floor=floor)


def next_receipt_number(year: int) -> str:
    return f"{year}-{next_number(f'receipt-{year}'):05d}"


def _check_payment(*, plan: Plan, amount_cents: int, method: str, received_on: datetime.date) -> None:
    if method not in Payment.Method.values:
        raise DuesError(_("Choose how the payment was made."))
    if method == Payment.Method.COMPLIMENTARY and amount_cents != 0:
        raise DuesError(
            _("A complimentary membership has no amount; record money received as cash, cheque or transfer.")
        )
    # A card payment of zero is a free checkout (a zero-price plan, a 100% discount) that
    # the webhook has already judged against what was asked.
    if method not in (Payment.Method.COMPLIMENTARY, Payment.Method.CARD) and amount_cents <= 0:
        raise DuesError(_("A payment needs an amount above zero; record a free membership as complimentary."))
    if received_on > timezone.localdate():
        raise DuesError(_("The payment date cannot be in the future."))


def record_payment(
    *,
    member: Member,
    plan: Plan,
    amount_cents: int,
    method: str,
    received_on: datetime.date,
    by,
    reference: str = "",
    currency: str | None = None,
    stripe: StripeRefs | None = None,
    covers_from: datetime.date | None = None,
    notify: bool = True,
    date_confirmation: str = "",
) -> Payment:
    """Record money received for `plan` and create the term it buys.

    Gives the member their number at their first payment, fulfils an open promise
    to pay, and queues the receipt: a renewal receipt when an earlier term counts, else a
    receipt and, if the payment makes the member active, the welcome.
    `covers_from` places the term (a Stripe invoice's period); else `received_on` does.
    `by` is the treasurer who recorded it; None for money Stripe told us of.
    """
    _check_payment(plan=plan, amount_cents=amount_cents, method=method, received_on=received_on)
    refs = stripe or StripeRefs()
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        payment = Payment.objects.create(
            member=member,
            plan=plan,
            amount_cents=amount_cents,
            currency=currency or plan.currency,
            method=method,
            received_on=received_on,
            reference=reference,
            receipt_number=next_receipt_number(received_on.year),
            recorded_by=by,
            stripe_checkout_session_id=refs.checkout_session_id or None,
            stripe_invoice_id=refs.invoice_id or None,
            stripe_payment_intent_id=refs.payment_intent_id or None,
            date_confirmation=date_confirmation.strip(),
        )
        renewal = MembershipTerm.objects.effective().filter(member=member).exists()
        start, end = next_term_dates(member=member, plan=plan, as_of=covers_from or received_on)
        term = MembershipTerm.objects.create(member=member, plan=plan, start=start, end=end, payment=payment)
        _cover_household(term)
        _number_at_first_payment(member)
        PaymentPromise.objects.filter(member=member, status=PaymentPromise.Status.OPEN).update(
            status=PaymentPromise.Status.FULFILLED, payment=payment, resolved_at=timezone.now(), resolved_by=by
        )
        changes = audit.log.diff(dict.fromkeys(RECORDED_FIELDS), payment)
        audit.log.record(by, "payment.recorded", payment, changes=changes, reason=payment.date_confirmation)
        if notify:
            _queue_payment_emails(member, payment, renewal=renewal)
    return payment


def _cover_household(term: MembershipTerm) -> None:
    # Imported here: households uses this module's numbering and errors.
    from members import households

    households.cover_new_term(term)


def _queue_payment_emails(member: Member, payment: Payment, *, renewal: bool) -> None:
    if renewal:
        emails.queue_renewal_receipt(payment)
        return
    emails.queue_receipt(payment)
    # A first payment dated long ago buys a term already over: a receipt, but no
    # "your membership is active".
    if member.standing() == Standing.ACTIVE:
        emails.queue_welcome(member)


def date_concerns(*, member: Member, received_on: datetime.date) -> list[str]:
    """Why a payment date looks like a typo: before the member joined, or over a year ago."""
    today = timezone.localdate()
    joined = timezone.localdate(member.created_at) if member.created_at else today
    first = MembershipTerm.objects.effective().filter(member=member).order_by("start").values_list("start", flat=True)
    joined = min(joined, first[0]) if first else joined
    concerns = []
    if received_on < joined:
        concerns.append(
            _("%(day)s is before this member joined (%(joined)s).")
            % {"day": date_format(received_on, "DATE_FORMAT"), "joined": date_format(joined, "DATE_FORMAT")}
        )
    if received_on < today - datetime.timedelta(days=365):
        concerns.append(_("%(day)s is more than a year ago.") % {"day": date_format(received_on, "DATE_FORMAT")})
    return concerns


def _number_at_first_payment(member: Member) -> bool:
    """Give a locked member their number if they have none yet; True if this was their first payment."""
    if member.member_number is not None:
        return False
    member.member_number = next_member_number()
    member.save(update_fields=["member_number"])
    return True


def _cut_terms(payment: Payment, *, from_day: datetime.date | None) -> dict:
    """End the terms `payment` bought on `from_day` (None: as if they never began);
    the change for the audit log, {"term_cancelled_on": [before, after]}, if any."""
    before, after = [], []
    for term in payment.terms.select_for_update():
        day = term.start if from_day is None else max(term.start, from_day)
        if term.cancelled_on != day:
            before.append(term.cancelled_on.isoformat() if term.cancelled_on else "")
            after.append(day.isoformat())
        term.cancelled_on = day
        term.save(update_fields=["cancelled_on"])
    return {"term_cancelled_on": [", ".join(before) or None, ", ".join(after)]} if after else {}


def _change_status(*, payment: Payment, status: str, reason: str, by, refunded_cents: int = 0) -> Payment:
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status != Payment.Status.PAID:
        raise DuesError(_("This payment is already %(status)s.") % {"status": payment.get_status_display().lower()})
    payment.status = status
    payment.status_reason = reason
    payment.status_changed_at = timezone.now()
    payment.status_changed_by = by
    payment.refunded_cents = refunded_cents
    payment.save(update_fields=["status", "status_reason", "status_changed_at", "status_changed_by", "refunded_cents"])
    return payment


def refund_payment(*, payment: Payment, reason: str, by, end_term: bool = True) -> Payment:
    """Mark all that remains of a payment refunded. Unless told otherwise, the term it bought ends today."""
    return record_refund(payment=payment, amount_cents=None, reason=reason, by=by, end_term=end_term)


def check_refund(*, payment: Payment, amount_cents: int | None) -> int:
    """The amount a refund of `payment` returns (None: all that remains), or DuesError."""
    if payment.status != Payment.Status.PAID:
        raise DuesError(_("This payment is already %(status)s.") % {"status": payment.get_status_display().lower()})
    remaining = payment.amount_cents - payment.refunded_cents
    if amount_cents is None:
        return remaining
    if amount_cents <= 0:
        raise DuesError(_("Enter an amount to refund above zero."))
    if amount_cents > remaining:
        raise DuesError(
            _("You can refund at most %(remaining)s, what remains of this payment.")
            % {"remaining": format_money(remaining, payment.currency)}
        )
    return amount_cents


def record_refund(
    *, payment: Payment, amount_cents: int | None, reason: str, by, end_term: bool = True, notify: bool = True
) -> Payment:
    """Record money returned from a payment and email the member a refund receipt.

    Returning all that remains marks the payment refunded (and, unless told otherwise,
    ends its term today); returning part of it keeps the payment and its term."""
    if not reason.strip():
        raise DuesError(_("Say why the payment is refunded; the reason is kept with the payment."))
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        before = audit.log.snapshot(payment, ("status", "refunded_cents"))
        amount = check_refund(payment=payment, amount_cents=amount_cents)
        total = payment.refunded_cents + amount
        cut = {}
        if total >= payment.amount_cents:
            payment = _change_status(
                payment=payment, status=Payment.Status.REFUNDED, reason=reason.strip(), by=by, refunded_cents=total
            )
            if end_term:
                cut = _cut_terms(payment, from_day=timezone.localdate())
        else:
            payment.refunded_cents, payment.status_reason = total, reason.strip()
            payment.status_changed_at, payment.status_changed_by = timezone.now(), by
            payment.save(update_fields=["refunded_cents", "status_reason", "status_changed_at", "status_changed_by"])
        changes = {**audit.log.diff(before, payment), **cut}
        audit.log.record(by, "payment.refunded", payment, changes=changes, reason=reason.strip())
        if notify:
            emails.queue_refund_receipt(payment, amount_cents=amount)
    return payment


def void_payment(*, payment: Payment, reason: str, by, end_term: bool = True) -> Payment:
    """Mark an offline payment void (recorded in error, or a cheque that bounced).

    Unless told otherwise, the term it bought is cancelled from its first day, as if it never was;
    the promise to pay it fulfilled is open again.
    """
    if not reason.strip():
        raise DuesError(_("Say why the payment is void; the reason is kept with the payment."))
    if payment.method == Payment.Method.CARD:
        raise DuesError(_("A card payment cannot be voided; refund it instead."))
    with transaction.atomic():
        payment = _change_status(payment=payment, status=Payment.Status.VOIDED, reason=reason.strip(), by=by)
        changes = {"status": [Payment.Status.PAID.value, payment.status]}
        if end_term:
            changes.update(_cut_terms(payment, from_day=None))
        _reopen_promises(payment)
        audit.log.record(by, "payment.voided", payment, changes=changes, reason=reason.strip())
    return payment


def _reopen_promises(payment: Payment) -> None:
    """A void payment never fulfilled the promise it closed: the promise is open again,
    unless the member has made a new one since."""
    if PaymentPromise.objects.filter(member=payment.member_id, status=PaymentPromise.Status.OPEN).exists():
        return
    promise = payment.promises.filter(status=PaymentPromise.Status.FULFILLED).order_by("-created_at").first()
    if promise is not None:
        promise.status, promise.payment, promise.resolved_at, promise.resolved_by = (
            PaymentPromise.Status.OPEN,
            None,
            None,
            None,
        )
        promise.save(update_fields=["status", "payment", "resolved_at", "resolved_by"])


def reinstate_term(*, term: MembershipTerm, by) -> MembershipTerm:
    """Let a term that a refund or void cut short run to its end again (the treasurer's decision).

    On a household plan the copies of the term that the cut ended for the people the payer
    still covers run again with it; a person taken off the household stays off."""
    with transaction.atomic():
        term = MembershipTerm.objects.select_for_update(of=("self",)).select_related("member").get(pk=term.pk)
        if term.cancelled_on is None:
            raise DuesError(_("This term was not cut short."))
        before = audit.log.snapshot(term, ("cancelled_on",))
        term.cancelled_on = None
        term.save(update_fields=["cancelled_on"])
        changes = audit.log.diff(before, term)
        copies = _reinstate_copies(term)
        if copies:
            changes["covered_terms_reinstated"] = [None, copies]
        audit.log.record(by, "term.reinstated", term, changes=changes)
    return term


def _reinstate_copies(term: MembershipTerm) -> int:
    """Reopen the cut copies of a payer's household term held by people still covered; how many."""
    if term.payment_id is None or not term.plan.is_household:
        return 0
    copies = MembershipTerm.objects.filter(
        payment_id=term.payment_id,
        plan_id=term.plan_id,
        start__gte=term.start,
        end=term.end,
        cancelled_on__isnull=False,
        member__covered_by__payer_id=term.member_id,
        member__covered_by__removed_at__isnull=True,
    ).exclude(member_id=term.member_id)
    locked = list(copies.select_for_update(of=("self",)).values_list("pk", flat=True))
    return MembershipTerm.objects.filter(pk__in=locked).update(cancelled_on=None)


def update_auto_renew(
    *, member: Member, subscription_id: str, on: bool, renews_on: datetime.date | None, as_of: datetime.datetime
) -> bool:
    """Store what Stripe says about a member's subscription, unless newer news arrived first.

    `renews_on` None with `on` keeps the date already known. Returns True when
    auto-renew went from on to off (the member is told). Events
    for a subscription other than the member's current one only ever switch to a
    new, live subscription: an old one ending does not turn the new one off.
    """
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        if member.subscription_synced_at and as_of < member.subscription_synced_at:
            return False
        current = member.stripe_subscription_id
        if current and current != subscription_id and not on:
            return False
        was_on = member.auto_renew and current == subscription_id
        member.stripe_subscription_id = subscription_id
        member.auto_renew = on
        if not on:
            member.renews_on = None
        elif renews_on is not None or current != subscription_id:
            member.renews_on = renews_on  # None: not known yet; keep what an invoice told us
        member.subscription_synced_at = as_of
        member.save(update_fields=["stripe_subscription_id", "auto_renew", "renews_on", "subscription_synced_at"])
        if was_on and not on:
            emails.queue_auto_renew_cancelled(member, subscription_id=subscription_id)
    return was_on and not on
