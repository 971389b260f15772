"""Stripe objects and events shaped like the ones Stripe sends (API version 2026-10-28),
and the signature Stripe puts on a webhook delivery."""

import json
import time
import uuid

import stripe

SECRET = "whsec_test_0123456789abcdef"
API_VERSION = "2026-10-28.endive"


def _id(prefix: str) -> str:
    return f"{prefix}_test_{uuid.uuid4().hex[:24]}"


def event(event_type: str, obj: dict, *, created: int | None = None, event_id: str | None = None) -> dict:
    return {
        "id": event_id or _id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": created or int(time.time()),
        "data": {"object": obj, "previous_attributes": {}} if event_type.endswith(".updated") else {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": _id("req"), "idempotency_key": str(uuid.uuid4())},
        "type": event_type,
    }


def sign(payload: str, *, secret: str = SECRET, timestamp: int | None = None) -> str:
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)


def post(client, evt: dict, *, secret: str = SECRET, timestamp: int | None = None, apply: bool = True):
    """Deliver a signed event to the webhook; then (unless `apply` is False) let the worker
    apply what it recorded, as `members.tasks.process_stripe_event` would."""
    payload = json.dumps(evt)
    response = client.post(
        "/stripe/webhook/",
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=sign(payload, secret=secret, timestamp=timestamp),
    )
    if apply:
        from members import stripe_webhooks

        stripe_webhooks.process_waiting()
    return response


def metadata(checkout) -> dict:
    return {
        "checkout_id": str(checkout.public_id),
        "member_id": str(checkout.member_id),
        "plan_id": str(checkout.plan_id),
        "purpose": checkout.purpose,
    }


def checkout_session(checkout, *, customer: str, subscription: str | None = None, invoice: str | None = None):
    """A completed Checkout Session for one of our Checkout rows."""
    payment_mode = not checkout.auto_renew
    return {
        "id": checkout.stripe_session_id,
        "object": "checkout.session",
        "adaptive_pricing": {"enabled": False},
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": checkout.amount_cents,
        "amount_total": checkout.amount_cents,
        "automatic_tax": {"enabled": False, "liability": None, "status": None},
        "billing_address_collection": None,
        "cancel_url": "http://testserver/join/?cancelled=1",
        "client_reference_id": str(checkout.member_id),
        "created": int(time.time()) - 60,
        "currency": checkout.currency.lower(),
        "customer": customer,
        "customer_creation": None,
        "customer_details": {"email": checkout.member.email, "name": "Ann Example", "tax_exempt": "none"},
        "customer_email": None,
        "expires_at": int(time.time()) + 86000,
        "invoice": invoice,
        "livemode": False,
        "metadata": metadata(checkout),
        "mode": "payment" if payment_mode else "subscription",
        "payment_intent": _id("pi") if payment_mode else None,
        "payment_method_types": ["card"],
        "payment_status": "paid",
        "status": "complete",
        "subscription": subscription,
        "success_url": f"http://testserver/join/done/{checkout.public_id}/",
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted",
        "url": None,
    }


def invoice(
    *,
    customer: str,
    subscription: str,
    meta: dict,
    amount: int,
    period_start: int,
    period_end: int,
    invoice_id: str | None = None,
    paid: bool = True,
    attempt_count: int = 1,
    billing_reason: str = "subscription_create",
) -> dict:
    invoice_id = invoice_id or _id("in")
    return {
        "id": invoice_id,
        "object": "invoice",
        "account_country": "US",
        "amount_due": amount,
        "amount_paid": amount if paid else 0,
        "amount_remaining": 0 if paid else amount,
        "attempt_count": attempt_count,
        "attempted": True,
        "auto_advance": not paid,
        "billing_reason": billing_reason,
        "collection_method": "charge_automatically",
        "created": period_start,
        "currency": "usd",
        "customer": customer,
        "customer_email": "ann@example.org",
        "hosted_invoice_url": f"https://invoice.stripe.com/i/acct_test/{invoice_id}",
        "last_finalization_error": None,
        "lines": {
            "object": "list",
            "data": [
                {
                    "id": _id("il"),
                    "object": "line_item",
                    "amount": amount,
                    "currency": "usd",
                    "description": "1 \u00d7 Regular member (at $60.00 / year)",
                    "invoice": invoice_id,
                    "parent": {
                        "type": "subscription_item_details",
                        "subscription_item_details": {"subscription": subscription, "proration": False},
                    },
                    "period": {"start": period_start, "end": period_end},
                    "quantity": 1,
                }
            ],
            "has_more": False,
            "total_count": 1,
            "url": f"/v1/invoices/{invoice_id}/lines",
        },
        "livemode": False,
        "next_payment_attempt": None if paid else period_start + 3 * 86400,
        "number": "ABCD1234-0001",
        "parent": {
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {"metadata": meta, "subscription": subscription},
        },
        "period_end": period_start,
        "period_start": period_start,
        "status": "paid" if paid else "open",
        "status_transitions": {
            "finalized_at": period_start,
            "marked_uncollectible_at": None,
            "paid_at": period_start if paid else None,
            "voided_at": None,
        },
        "subtotal": amount,
        "total": amount,
    }


def first_cycle_invoice(
    *, customer: str, subscription: str, meta: dict, amount: int, now: int, anchor: int, plan_name: str, term: str
) -> dict:
    """Stripe's first invoice on a fixed cycle: this term's dues as a one-time line, and the
    subscription's free line up to the anchor, where the cycle's charges begin."""
    first = invoice(
        customer=customer, subscription=subscription, meta=meta, amount=amount, period_start=now, period_end=anchor
    )
    subscription_line = first["lines"]["data"][0]
    subscription_line.update(amount=0, description=f"{plan_name} (free until the cycle starts)")
    one_time = {
        **subscription_line,
        "id": _id("il"),
        "amount": amount,
        "description": f"{plan_name}: {term}",
        "parent": {"type": "invoice_item_details", "invoice_item_details": {"invoice_item": _id("ii")}},
        "period": {"start": now, "end": now},
    }
    first["lines"]["data"] = [one_time, subscription_line]
    return first


def subscription(
    *,
    subscription_id: str,
    customer: str,
    meta: dict,
    status: str = "active",
    cancel_at_period_end: bool = False,
    period_end: int,
) -> dict:
    return {
        "id": subscription_id,
        "object": "subscription",
        "billing_cycle_anchor": period_end - 365 * 86400,
        "cancel_at": period_end if cancel_at_period_end else None,
        "cancel_at_period_end": cancel_at_period_end,
        "canceled_at": int(time.time()) if cancel_at_period_end or status == "canceled" else None,
        "collection_method": "charge_automatically",
        "created": period_end - 365 * 86400,
        "currency": "usd",
        "customer": customer,
        "ended_at": int(time.time()) if status == "canceled" else None,
        "items": {
            "object": "list",
            "data": [
                {
                    "id": _id("si"),
                    "object": "subscription_item",
                    "current_period_end": period_end,
                    "current_period_start": period_end - 365 * 86400,
                    "price": {"id": _id("price"), "object": "price", "unit_amount": 6000, "currency": "usd"},
                    "quantity": 1,
                    "subscription": subscription_id,
                }
            ],
            "has_more": False,
        },
        "livemode": False,
        "metadata": meta,
        "status": status,
    }


def charge(*, payment_intent: str, customer: str, amount: int, amount_refunded: int) -> dict:
    return {
        "id": _id("ch"),
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": amount_refunded,
        "captured": True,
        "created": int(time.time()) - 3600,
        "currency": "usd",
        "customer": customer,
        "livemode": False,
        "metadata": {},
        "paid": True,
        "payment_intent": payment_intent,
        "payment_method_details": {"type": "card", "card": {"brand": "visa", "last4": "4242"}},
        "refunded": amount_refunded >= amount,
        "status": "succeeded",
    }
