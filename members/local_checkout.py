"""The local test checkout: in a local run without Stripe keys (DEBUG on), "Pay" builds
the events Stripe would send, signs them with the webhook secret and hands them to
the real webhook handler, exactly as a delivery from Stripe would be handled.

No money moves and nothing leaves the machine. Every id it makes up contains
"_local_", so a later switch to real Stripe keys never reuses one.
"""

import datetime
import json
import time

import stripe
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members import stripe as card
from members import stripe_webhooks
from members.links import absolute
from members.models import Checkout, Member, Plan
from members.renewal import renewal_choice
from members.term_dates import add_months, add_years

API_VERSION = card.API_VERSION


class LocalCheckoutError(Exception):
    """The local test checkout cannot do this; the message says why."""


def deliver(event_type: str, obj: dict) -> str:
    """Sign an event with the webhook secret and post it through the real handler."""
    event = {
        "id": card.local_id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
        "data": {"object": obj},
    }
    payload = json.dumps(event)
    signature = stripe.WebhookSignature.generate_signature_header(payload, settings.STRIPE_WEBHOOK_SECRET)
    return stripe_webhooks.receive(payload=payload.encode(), signature=signature)


def session_object(checkout: Checkout, *, subscription_id: str | None, invoice_id: str | None, intent: str | None):
    return {
        "id": checkout.stripe_session_id,
        "object": "checkout.session",
        "mode": checkout.mode,
        "status": "complete",
        "payment_status": "paid",
        "amount_subtotal": checkout.amount_cents,
        "amount_total": checkout.amount_cents,
        "currency": checkout.currency.lower(),
        "customer": checkout.member.stripe_customer_id,
        "customer_details": {"email": checkout.member.email, "name": checkout.member.name or None},
        "client_reference_id": str(checkout.member_id),
        "metadata": card.checkout_metadata(checkout),
        "payment_intent": intent,
        "subscription": subscription_id,
        "invoice": invoice_id,
        "success_url": absolute(reverse("members:checkout-done", args=[checkout.public_id])),
        "cancel_url": absolute(reverse("members:join")),
        "livemode": False,
        "created": int(time.time()),
    }


def invoice_object(
    *, member: Member, subscription_id: str, amount_cents: int, currency: str, metadata: dict, period: tuple[int, int]
) -> dict:
    invoice_id = card.local_id("in")
    return {
        "id": invoice_id,
        "object": "invoice",
        "customer": member.stripe_customer_id,
        "customer_email": member.email,
        "currency": currency.lower(),
        "amount_due": amount_cents,
        "amount_paid": amount_cents,
        "amount_remaining": 0,
        "attempt_count": 1,
        "attempted": True,
        "billing_reason": "subscription_create",
        "collection_method": "charge_automatically",
        "status": "paid",
        "livemode": False,
        "created": int(time.time()),
        "period_start": period[0],
        "period_end": period[0],
        "next_payment_attempt": None,
        "status_transitions": {"finalized_at": int(time.time()), "paid_at": int(time.time())},
        "parent": {
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {"subscription": subscription_id, "metadata": metadata},
        },
        "lines": {
            "object": "list",
            "has_more": False,
            "data": [
                {
                    "id": card.local_id("il"),
                    "object": "line_item",
                    "amount": amount_cents,
                    "currency": currency.lower(),
                    "quantity": 1,
                    "period": {"start": period[0], "end": period[1]},
                }
            ],
        },
        # Real payloads leave `payments` out unless expanded; including it lets a local
        # refund find its invoice without asking Stripe.
        "payments": {
            "object": "list",
            "data": [
                {
                    "object": "invoice_payment",
                    "invoice": invoice_id,
                    "status": "paid",
                    "payment": {"type": "payment_intent", "payment_intent": card.local_id("pi")},
                }
            ],
        },
    }


def _year_from(start: int, *, monthly: bool = False) -> tuple[int, int]:
    begin = datetime.datetime.fromtimestamp(start, tz=datetime.UTC)
    later = add_months(begin.date(), 1) if monthly else add_years(begin.date(), 1)
    return start, int(datetime.datetime.combine(later, begin.timetz()).timestamp())


def _first_period(checkout: Checkout) -> tuple[int, int]:
    """What Stripe's first invoice would say: on a fixed cycle, free until the cycle's next first day."""
    now = int(time.time())
    charge_on = card.next_charge_day(checkout)
    if charge_on is not None:
        return now, card.day_starts(charge_on)
    return _year_from(now, monthly=checkout.plan.is_monthly)


def _timestamp(day: datetime.date | None) -> int:
    if day is None:
        return int(time.time())
    return int(timezone.make_aware(datetime.datetime.combine(day, datetime.time(12))).timestamp())


def pay(checkout: Checkout) -> None:
    """'Pay' on the local test checkout: Stripe's events for this checkout, delivered in order."""
    if not checkout.is_local_test:
        raise LocalCheckoutError(_("This checkout belongs to Stripe, not to the local test checkout."))
    if checkout.auto_renew:
        subscription_id = card.local_id("sub")
        metadata = card.checkout_metadata(checkout)
        invoice = invoice_object(
            member=checkout.member,
            subscription_id=subscription_id,
            amount_cents=checkout.amount_cents,
            currency=checkout.currency,
            metadata=metadata,
            period=_first_period(checkout),
        )
        deliver(
            "checkout.session.completed",
            session_object(checkout, subscription_id=subscription_id, invoice_id=invoice["id"], intent=None),
        )
        deliver("invoice.paid", invoice)
    else:
        session = session_object(checkout, subscription_id=None, invoice_id=None, intent=card.local_id("pi"))
        deliver("checkout.session.completed", session)


def pay_session(session: dict) -> str:
    """'Pay' on the local test checkout for another app's session (a ticket order): the
    `checkout.session.completed` Stripe would send, through the real webhook handler."""
    if not card.is_local_id(session.get("id")):
        raise LocalCheckoutError(_("This checkout belongs to Stripe, not to the local test checkout."))
    return deliver("checkout.session.completed", session)


def _subscription_terms(member: Member) -> tuple[dict, int, str]:
    """The metadata, amount and currency of the member's auto-renew: from the checkout that
    started it, else (a member set up by the demo) from what they paid last."""
    checkout = member.checkouts.filter(auto_renew=True).order_by("-created_at").first()
    if checkout is not None:
        return card.checkout_metadata(checkout), checkout.amount_cents, checkout.currency
    plan, amount = renewal_choice(member)
    if plan is None:
        raise LocalCheckoutError(_("There is no plan to renew."))
    return {"member_id": str(member.pk), "plan_id": str(plan.pk)}, amount, plan.currency


def _renews_monthly(metadata: dict) -> bool:
    plan_id = str(metadata.get("plan_id") or "")
    return plan_id.isdigit() and Plan.objects.filter(pk=int(plan_id), period=Plan.Period.MONTHLY).exists()


def _require_auto_renew(member: Member) -> None:
    if not (member.auto_renew and card.is_local_id(member.stripe_subscription_id)):
        raise LocalCheckoutError(_("You are not on auto-renew through the local test checkout."))


def subscription_object(member: Member, *, cancel_at_period_end: bool) -> dict:
    end = _timestamp(member.renews_on)
    return {
        "id": member.stripe_subscription_id,
        "object": "subscription",
        "customer": member.stripe_customer_id,
        "status": "active",
        "cancel_at_period_end": cancel_at_period_end,
        "cancel_at": end if cancel_at_period_end else None,
        "canceled_at": int(time.time()) if cancel_at_period_end else None,
        "metadata": _subscription_terms(member)[0],
        "items": {"object": "list", "data": [{"object": "subscription_item", "current_period_end": end}]},
        "livemode": False,
    }


def cancel_auto_renew(member: Member) -> None:
    """What the customer portal's "Cancel subscription" sends: cancel at the period's end."""
    _require_auto_renew(member)
    deliver("customer.subscription.updated", subscription_object(member, cancel_at_period_end=True))


def renewal_charge(member: Member, *, succeeds: bool) -> None:
    """Stripe's yearly auto-renew charge, now: paid (the term extends) or declined (the queue)."""
    _require_auto_renew(member)
    metadata, amount_cents, currency = _subscription_terms(member)
    invoice = invoice_object(
        member=member,
        subscription_id=member.stripe_subscription_id,
        amount_cents=amount_cents,
        currency=currency,
        metadata=metadata,
        period=_year_from(_timestamp(member.renews_on), monthly=_renews_monthly(metadata)),
    )
    invoice["billing_reason"] = "subscription_cycle"
    if succeeds:
        deliver("invoice.paid", invoice)
        return
    invoice.update(status="open", amount_paid=0, amount_remaining=invoice["amount_due"], payments=None)
    invoice["next_payment_attempt"] = int(time.time()) + 3 * 86400
    invoice["status_transitions"]["paid_at"] = None
    deliver("invoice.payment_failed", invoice)
