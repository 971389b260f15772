"""The emails members get about their dues, queued through the notifications outbox.

Each is queued inside the caller's transaction under an idempotency key, so a
repeated webhook or a second click never sends one twice.
"""

from django.conf import settings
from django.urls import reverse

from members.links import absolute, card_url
from notifications.models import Category
from notifications.outbox import queue_email


def _send(member, *, key: str, kind: str, context: dict, category=Category.TRANSACTIONAL) -> bool:
    queued = queue_email(
        key=key,
        to=member.user.email,
        kind=kind,
        template=f"members/email/{kind.replace('-', '_')}",
        context={"member": member, "membership_url": absolute(reverse("members:membership")), **context},
        category=category,
        user_id=member.user_id,
    )
    return queued.created


def queue_welcome(member) -> bool:
    """Welcome, with the member number (sent once, at the first payment)."""
    return _send(member, key=f"welcome:{member.pk}", kind="welcome", context={})


def queue_receipt(payment) -> bool:
    """The receipt for one payment, with a link to its printable page."""
    url = absolute(reverse("members:receipt", args=[payment.receipt_number]))
    return _send(
        payment.member,
        key=f"receipt:{payment.pk}",
        kind="receipt",
        context={"payment": payment, "receipt_url": url, "term": payment.terms.first()},
    )


def queue_payment_failed(failed) -> bool:
    """An auto-renew charge failed: the member is sent to fix their card (one email per attempt)."""
    return _send(
        failed.member,
        key=f"payment-failed:{failed.stripe_invoice_id}:{failed.attempt_count}",
        kind="payment-failed",
        context={"failed": failed, "card_url": card_url(failed.member)},
    )


def queue_auto_renew_cancelled(member, *, subscription_id: str) -> bool:
    """Confirms that auto-renew is off and no more charges will be made."""
    return _send(
        member,
        key=f"auto-renew-cancelled:{member.pk}:{subscription_id}",
        kind="auto-renew-cancelled",
        context={"paid_through": member.paid_through()},
    )


def queue_promise_noted(promise) -> bool:
    """Confirms a promise to pay offline, with how to pay."""
    return _send(
        promise.member,
        key=f"promise:{promise.pk}:{promise.method}:{promise.amount_cents}",
        kind="promise-noted",
        context={"promise": promise, "instructions": settings.DUES_OFFLINE_INSTRUCTIONS},
    )


def queue_renewal_reminder(member, *, term, label: str, context: dict) -> bool:
    """One renewal reminder (`label` like '-30d' or 'lapsed+14d'), with the one-step link."""
    return _send(
        member,
        key=f"renewal:{member.pk}:{term.pk}:{label}",
        kind="renewal-reminder",
        context={"term": term, **context},
        category=Category.REMINDERS,
    )


def queue_auto_renew_notice(member, *, charge_on, context: dict) -> bool:
    """'Stripe will charge your card on …', a week before it does."""
    return _send(
        member,
        key=f"auto-renew-notice:{member.pk}:{member.stripe_subscription_id}:{charge_on.isoformat()}",
        kind="auto-renew-notice",
        context={"charge_on": charge_on, "card_url": card_url(member), **context},
        category=Category.REMINDERS,
    )


def queue_renewal_receipt(payment) -> bool:
    """The receipt for a payment that renews a membership: it says renewal, never welcome."""
    url = absolute(reverse("members:receipt", args=[payment.receipt_number]))
    return _send(
        payment.member,
        key=f"renewal-receipt:{payment.member_id}:{payment.pk}",
        kind="renewal-receipt",
        context={"payment": payment, "receipt_url": url, "term": payment.terms.first()},
    )


def queue_refund_receipt(payment, *, amount_cents: int) -> bool:
    """What was refunded from one payment (one email for each refund, named by the total so far)."""
    return _send(
        payment.member,
        key=f"refund-receipt:{payment.member_id}:{payment.pk}:{payment.refunded_cents}",
        kind="refund-receipt",
        context={"payment": payment, "amount_cents": amount_cents},
    )


def queue_dispute_opened(dispute, *, treasurer) -> bool:
    """Tells one treasurer (their Member profile) that a card payment is disputed (a chargeback)."""
    return _send(
        treasurer,
        key=f"dispute-opened:{treasurer.user_id}:{dispute.stripe_dispute_id}",
        kind="dispute-opened",
        context={
            "dispute": dispute,
            "payment": dispute.payment,
            "queue_url": absolute(reverse("members:manage-unapplied")),
        },
    )


def queue_promise_confirmation(promise_request, *, confirm_url: str) -> bool:
    """Asks the member to confirm a promise to pay offline made through a renewal link."""
    return _send(
        promise_request.member,
        key=f"promise-confirm:{promise_request.member_id}:{promise_request.pk}",
        kind="promise-confirm",
        context={"promise_request": promise_request, "confirm_url": confirm_url},
    )
