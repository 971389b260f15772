"""Is this the money that was asked? Checks of a Stripe Checkout Session or invoice
against the checkout, member, subscription and plan it claims to pay for. Each answers
a reason in words for the treasurer, or '' when the money is right."""

import uuid

from django.utils.translation import gettext as _

from members.models import Checkout, Member, Plan
from members.money import format_money

# The invoices that pay for a term: a subscription's first, and each yearly renewal.
RENEWING_REASONS = {"subscription_create", "subscription_cycle"}


def stripe_id(value) -> str:
    """Stripe sends either an id or, when expanded, the object with its id."""
    if isinstance(value, dict):
        return value.get("id") or ""
    return value or ""


def named_member(metadata: dict | None) -> Member | None:
    member_id = (metadata or {}).get("member_id")
    if member_id and str(member_id).isdigit():
        return Member.objects.filter(pk=int(member_id)).first()
    return None


def customer_member(customer) -> Member | None:
    customer_id = stripe_id(customer)
    return Member.objects.filter(stripe_customer_id=customer_id).first() if customer_id else None


def find_checkout(checkout_id) -> Checkout | None:
    try:
        public_id = uuid.UUID(str(checkout_id))
    except ValueError:
        return None
    return Checkout.objects.filter(public_id=public_id).select_related("plan", "member").first()


def _money(amount: int, currency: str) -> str:
    return format_money(amount, currency or "")


def checkout_problem(session: dict, checkout: Checkout, member: Member) -> str:
    """Why this Checkout Session's money is not the money this checkout asked for ('' if it is)."""
    customer = stripe_id(session.get("customer"))
    if session.get("id") != checkout.stripe_session_id:
        return _("It came with Checkout Session %(other)s, not the one started for this checkout (%(ours)s).") % {
            "other": session.get("id"),
            "ours": checkout.stripe_session_id,
        }
    if customer and member.stripe_customer_id and customer != member.stripe_customer_id:
        return _("It was paid by Stripe customer %(paid_by)s, not the member's customer %(ours)s.") % {
            "paid_by": customer,
            "ours": member.stripe_customer_id,
        }
    if session.get("mode") == "subscription":
        return ""
    currency, amount = (session.get("currency") or "").upper(), session.get("amount_total") or 0
    if currency != checkout.currency.upper():
        return _("It was paid in %(paid)s; the checkout asked for %(asked)s.") % {
            "paid": _money(amount, currency),
            "asked": _money(checkout.amount_cents, checkout.currency),
        }
    free = amount == 0 and checkout.plan.amount_cents == 0
    if amount < checkout.amount_cents and not free:
        return _("%(paid)s was paid, less than the %(asked)s the checkout asked for.") % {
            "paid": _money(amount, currency),
            "asked": _money(checkout.amount_cents, checkout.currency),
        }
    return ""


def paying_member(invoice: dict, metadata: dict) -> tuple[Member | None, str]:
    """The member whose customer paid, and why it is not theirs ('' when it is).
    The paying customer decides: a member named in metadata never wins over it."""
    payer, named = customer_member(invoice.get("customer")), named_member(metadata)
    if payer is None:
        return named, _("It was paid by Stripe customer %(customer)s, who is not a member's customer.") % {
            "customer": stripe_id(invoice.get("customer")) or "?"
        }
    if named is not None and named != payer:
        return named, _("It was paid by the customer of %(payer)s, but names %(named)s.") % {
            "payer": payer,
            "named": named,
        }
    return payer, ""


def invoice_problem(invoice: dict, member: Member, plan: Plan, subscription_id: str, metadata: dict) -> str:
    """Why this invoice's money is not the member's dues ('' if it is)."""
    if invoice.get("billing_reason") not in RENEWING_REASONS:
        return _("Its billing reason is %(reason)s; only a subscription's creation or yearly cycle renews a term.") % {
            "reason": invoice.get("billing_reason") or "?"
        }
    checkout = find_checkout(metadata.get("checkout_id"))
    started_here = checkout is not None and checkout.member_id == member.pk and checkout.auto_renew
    if subscription_id != member.stripe_subscription_id and not started_here:
        return _("It is for subscription %(paid)s, not the member's subscription (%(ours)s).") % {
            "paid": subscription_id,
            "ours": member.stripe_subscription_id or _("none"),
        }
    currency, amount = (invoice.get("currency") or "").upper(), invoice.get("amount_paid") or 0
    if currency != plan.currency.upper() or not plan.accepts(amount):
        return _("%(paid)s was paid; the plan “%(plan)s” asks for %(asked)s.") % {
            "paid": _money(amount, currency),
            "plan": plan.name,
            "asked": _money(plan.amount_cents, plan.currency),
        }
    return ""
