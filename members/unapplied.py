"""Money we received but did not apply: card payments whose Checkout Session, invoice,
amount, currency or customer did not match what was asked. The webhook holds them here
instead of granting a term or dropping them; a treasurer applies or refunds each one."""

import datetime
import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log
from members import arrears, dues
from members import stripe as card
from members.dues import DuesError
from members.models import Member, Payment, Plan, UnappliedMoney

log = logging.getLogger(__name__)

audit.log.describe("unapplied.applied", gettext_lazy("Applied money held for review to a member"))
audit.log.describe("unapplied.refunded", gettext_lazy("Refunded money held for review"))


def hold(
    *,
    stripe_object_id: str,
    event_type: str,
    member: Member | None,
    plan: Plan | None,
    amount_cents: int,
    currency: str,
    received_on: datetime.date,
    reason: str,
    customer_id: str = "",
    payment_intent_id: str = "",
    covers_from: datetime.date | None = None,
    subscription: tuple[str, datetime.date | None, datetime.datetime | None] = ("", None, None),
) -> UnappliedMoney:
    """Put money in the treasurer's review queue, once per Stripe object however often it is told.
    `subscription` is an invoice's (id, the day it charges next, when Stripe said so)."""
    item, created = UnappliedMoney.objects.get_or_create(
        stripe_object_id=stripe_object_id,
        defaults={
            "stripe_event_type": event_type,
            "member": member,
            "plan": plan,
            "amount_cents": amount_cents,
            "currency": currency.upper(),
            "received_on": received_on,
            "covers_from": covers_from,
            "reason": reason,
            "stripe_customer_id": customer_id,
            "stripe_payment_intent_id": payment_intent_id,
            "stripe_subscription_id": subscription[0],
            "renews_on": subscription[1],
            "stripe_event_at": subscription[2],
        },
    )
    if created:
        log.warning("Stripe %s %s held for the treasurer: %s", event_type, stripe_object_id, reason)
    return item


def _lock_open(item: UnappliedMoney) -> UnappliedMoney:
    item = UnappliedMoney.objects.select_for_update().get(pk=item.pk)
    if not item.is_open:
        raise DuesError(_("This money is already %(status)s.") % {"status": item.get_status_display().lower()})
    return item


def _settle(item: UnappliedMoney, *, action: str, status: str, by, payment: Payment | None = None) -> None:
    before = audit.log.snapshot(item, ("status", "payment"))
    item.status, item.payment, item.settled_by, item.settled_at = status, payment, by, timezone.now()
    item.save(update_fields=["status", "payment", "settled_by", "settled_at"])
    audit.log.record(by, action, item, changes=audit.log.diff(before, item))


def _keep_auto_renew(item: UnappliedMoney) -> None:
    """What a matching invoice does before its term is recorded: the member is on auto-renew
    with its subscription (unless Stripe has since said otherwise) and its failed charge is paid."""
    if item.is_checkout or not item.stripe_subscription_id:
        return
    dues.update_auto_renew(
        member=item.member,
        subscription_id=item.stripe_subscription_id,
        on=True,
        renews_on=item.renews_on,
        as_of=item.stripe_event_at or item.created_at,
    )
    arrears.mark_failed_charge_paid(invoice_id=item.stripe_object_id)


def apply(*, item: UnappliedMoney, by) -> Payment:
    """The treasurer's decision that this money is the member's dues: recorded exactly as a
    good webhook event would be (auto-renew for an invoice, the term, the receipt, the welcome)."""
    with transaction.atomic():
        item = _lock_open(item)
        if item.member_id is None or item.plan_id is None:
            raise DuesError(_("This money names no member or plan to apply it to; refund it instead."))
        checkout = item.is_checkout
        _keep_auto_renew(item)
        payment = dues.record_payment(
            member=item.member,
            plan=item.plan,
            amount_cents=item.amount_cents,
            currency=item.currency,
            method=Payment.Method.CARD,
            received_on=item.received_on,
            covers_from=item.covers_from,
            by=by,
            stripe=dues.StripeRefs(
                checkout_session_id=item.stripe_object_id if checkout else None,
                invoice_id=None if checkout else item.stripe_object_id,
                payment_intent_id=item.stripe_payment_intent_id or None,
            ),
        )
        _settle(item, action="unapplied.applied", status=UnappliedMoney.Status.APPLIED, by=by, payment=payment)
    return payment


def refund(*, item: UnappliedMoney, by) -> UnappliedMoney:
    """Return the money through Stripe. The row stays locked while Stripe is asked, so a
    second press waits and then finds it refunded; if Stripe says no, nothing changes."""
    with transaction.atomic():
        item = _lock_open(item)
        if item.amount_cents:
            card.refund_unapplied(item)
        _settle(item, action="unapplied.refunded", status=UnappliedMoney.Status.REFUNDED, by=by)
    return item


def is_held(*, payment_intent_id: str | None = None, stripe_object_id: str | None = None) -> bool:
    """Whether a Stripe payment is one in the review queue (open or settled without a payment)."""
    items = UnappliedMoney.objects.filter(payment__isnull=True)
    if payment_intent_id and items.filter(stripe_payment_intent_id=payment_intent_id).exists():
        return True
    return bool(stripe_object_id) and items.filter(stripe_object_id=stripe_object_id).exists()
