"""Chargebacks: a card holder asks their bank to take a payment back. Stripe tells us
when a dispute opens and when it closes; the treasurer is told, and DUES_DISPUTE_POLICY
says whether the term the payment bought is kept or suspended meanwhile."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from config.languages import in_society_language
from members import dues, emails, roles
from members.accounts import ensure_member
from members.models import Dispute, Payment

WON = "won"
LOST = "lost"


def treasurers():
    return get_user_model().objects.filter(Q(groups__name=roles.TREASURER) | Q(is_superuser=True)).distinct()


def open_dispute(
    *,
    stripe_dispute_id: str,
    payment: Payment | None,
    amount_cents: int,
    currency: str,
    reason: str,
    status: str,
    charge_id: str,
    payment_intent_id: str,
    opened_at: datetime.datetime,
) -> Dispute:
    """Record a new dispute once, suspend the term if the policy says so, and tell every treasurer."""
    with transaction.atomic():
        dispute, created = Dispute.objects.select_for_update().get_or_create(
            stripe_dispute_id=stripe_dispute_id,
            defaults={
                "payment": payment,
                "amount_cents": amount_cents,
                "currency": currency.upper(),
                "reason": reason,
                "status": status,
                "stripe_charge_id": charge_id,
                "stripe_payment_intent_id": payment_intent_id,
                "opened_at": opened_at,
            },
        )
        if not created:
            return dispute  # a repeat, or the dispute closed before we heard it opened
        if payment is not None and settings.DUES_DISPUTE_POLICY == "suspend":
            payment.terms.filter(cancelled_on__isnull=True).update(cancelled_on=timezone.localdate())
            dispute.term_suspended = True
            dispute.save(update_fields=["term_suspended"])
        for treasurer in treasurers():
            emails.queue_dispute_opened(dispute, treasurer=ensure_member(treasurer))
    return dispute


def close_dispute(*, stripe_dispute_id: str, status: str, closed_at: datetime.datetime, **opening) -> Dispute:
    """A dispute is settled: won gives a suspended term back; lost means the bank took
    the money back, so the payment is marked refunded (its term ends today)."""
    with transaction.atomic():
        dispute = Dispute.objects.select_for_update().filter(stripe_dispute_id=stripe_dispute_id).first()
        if dispute is None:
            dispute = open_dispute(stripe_dispute_id=stripe_dispute_id, status=status, opened_at=closed_at, **opening)
            dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
        if not dispute.is_open:
            return dispute
        dispute.status, dispute.closed_at = status, closed_at
        dispute.save(update_fields=["status", "closed_at"])
        payment = dispute.payment
        if payment is not None and status == WON and dispute.term_suspended:
            payment.terms.filter(cancelled_on__isnull=False).update(cancelled_on=None)
        elif payment is not None and status == LOST and Payment.objects.get(pk=payment.pk).is_paid:
            reason = in_society_language(gettext_lazy("Taken back by the card holder's bank (dispute lost)."))
            dues.record_refund(payment=payment, amount_cents=None, reason=reason, by=None, notify=False)
    return dispute
