"""Money that has not arrived yet: promises to pay offline, and auto-renew charges
that failed. Both sit in the treasurer's queues until resolved."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from members import emails
from members.dues import DuesError
from members.models import FailedPayment, Member, MemberNote, PaymentPromise, Plan, PromiseRequest

audit.log.describe("promise.withdrawn", gettext_lazy("Closed a promise to pay without a payment"))
audit.log.describe("failed_charge.resolved", gettext_lazy("Resolved a failed card charge"))
audit.log.describe("member.note_added", gettext_lazy("Added a note to a member"))


def promise_payment(*, member: Member, plan: Plan, amount_cents: int, method: str) -> PaymentPromise:
    """Record 'I will pay by cheque / bank transfer / cash'. A member has one open promise:
    promising again replaces its details. The member is emailed how to pay."""
    _check_promise(plan=plan, amount_cents=amount_cents, method=method)
    with transaction.atomic():
        Member.objects.select_for_update().get(pk=member.pk)
        promise = PaymentPromise.objects.filter(member=member, status=PaymentPromise.Status.OPEN).first()
        if promise is None:
            promise = PaymentPromise(member=member)
        promise.plan, promise.amount_cents, promise.currency, promise.method = plan, amount_cents, plan.currency, method
        try:
            with transaction.atomic():
                promise.save()
        except IntegrityError:
            raise DuesError(_("A promise to pay was just recorded for you; reload the page.")) from None
        emails.queue_promise_noted(promise)
    return promise


def _check_promise(*, plan: Plan, amount_cents: int, method: str) -> None:
    if method not in PaymentPromise.Method.values:
        raise DuesError(_("Choose cheque, bank transfer or cash."))
    if not plan.accepts(amount_cents):
        raise DuesError(_("That amount is not one this plan accepts."))


def request_promise(*, member: Member, plan: Plan, amount_cents: int, method: str) -> PromiseRequest:
    """A promise to pay offline made through a renewal link, which anyone holding the link
    could press: nothing is promised until the member confirms it from the email sent now."""
    _check_promise(plan=plan, amount_cents=amount_cents, method=method)
    with transaction.atomic():
        pending = PromiseRequest.objects.create(member=member, plan=plan, amount_cents=amount_cents, method=method)
        emails.queue_promise_confirmation(pending)
    return pending


def confirm_promise(*, member: Member, request_id: int) -> PaymentPromise:
    """The member confirmed a promise from the email: it is recorded, once."""
    with transaction.atomic():
        pending = PromiseRequest.objects.select_for_update().filter(pk=request_id, member=member).first()
        if pending is None:
            raise DuesError(_("This confirmation link is not valid any more."))
        if pending.confirmed_at is not None:
            raise DuesError(_("This promise is already confirmed; the link works once."))
        pending.confirmed_at = timezone.now()
        pending.save(update_fields=["confirmed_at"])
        return promise_payment(
            member=member, plan=pending.plan, amount_cents=pending.amount_cents, method=pending.method
        )


def withdraw_promise(*, promise: PaymentPromise, by, note: str = "") -> PaymentPromise:
    """Close an open promise without a payment (the member changed their mind, or paid otherwise)."""
    with transaction.atomic():
        promise = PaymentPromise.objects.select_for_update(of=("self",)).select_related("member").get(pk=promise.pk)
        if promise.status != PaymentPromise.Status.OPEN:
            raise DuesError(_("This promise is already closed."))
        before = audit.log.snapshot(promise, ("status",))
        promise.status = PaymentPromise.Status.WITHDRAWN
        promise.resolved_at, promise.resolved_by, promise.note = timezone.now(), by, note.strip()
        promise.save(update_fields=["status", "resolved_at", "resolved_by", "note"])
        audit.log.record(by, "promise.withdrawn", promise, changes=audit.log.diff(before, promise), reason=note.strip())
    return promise


def record_failed_charge(
    *,
    member: Member,
    invoice_id: str,
    subscription_id: str,
    amount_cents: int,
    currency: str,
    attempt_count: int,
    failure_message: str,
    next_attempt_at: datetime.datetime | None,
    failed_at: datetime.datetime,
) -> FailedPayment:
    """Put a failed auto-renew charge in the treasurer's queue (or update it on a retry)
    and email the member a link to fix their card, once per attempt."""
    with transaction.atomic():
        failed, created = FailedPayment.objects.select_for_update().get_or_create(
            stripe_invoice_id=invoice_id,
            defaults={
                "member": member,
                "stripe_subscription_id": subscription_id,
                "amount_cents": amount_cents,
                "currency": currency,
                "first_failed_at": failed_at,
                "last_failed_at": failed_at,
            },
        )
        if created or attempt_count >= failed.attempt_count:
            failed.attempt_count = attempt_count
            failed.failure_message = failure_message[:500]
            failed.next_attempt_at = next_attempt_at
            failed.last_failed_at = max(failed.last_failed_at, failed_at)
            failed.save()
        if failed.is_open:
            emails.queue_payment_failed(failed)
    return failed


def mark_failed_charge_paid(*, invoice_id: str) -> None:
    """A failed invoice was paid after all (Stripe's retry, or a new card)."""
    FailedPayment.objects.filter(stripe_invoice_id=invoice_id, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolution=FailedPayment.Resolution.PAID
    )


def resolve_failed_charge(*, failed: FailedPayment, by, note: str) -> FailedPayment:
    """The treasurer closes a failed charge (paid another way, member left, …) with a note."""
    if not note.strip():
        raise DuesError(_("Say how this was resolved; the note is kept."))
    with transaction.atomic():
        failed = FailedPayment.objects.select_for_update().get(pk=failed.pk)
        if not failed.is_open:
            raise DuesError(_("This failed payment is already resolved."))
        before = audit.log.snapshot(failed, ("resolution",))
        failed.resolved_at, failed.resolved_by = timezone.now(), by
        failed.resolution, failed.resolution_note = FailedPayment.Resolution.RESOLVED, note.strip()
        failed.save(update_fields=["resolved_at", "resolved_by", "resolution", "resolution_note"])
        changes = audit.log.diff(before, failed)
        audit.log.record(by, "failed_charge.resolved", failed, changes=changes, reason=note.strip())
    return failed


def add_note(*, member: Member, text: str, by) -> MemberNote:
    """Keep a treasurer's note on a member (the log says a note was added, not what it says)."""
    if not text.strip():
        raise DuesError(_("The note is empty."))
    with transaction.atomic():
        note = MemberNote.objects.create(member=member, author=by, text=text.strip())
        audit.log.record(by, "member.note_added", member, changes={"note": ["", note.text]})
    return note
