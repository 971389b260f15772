"""Everything that asks Stripe for something: customers, Checkout Sessions, the customer
portal, refunds. (What Stripe tells us arrives at the webhook: members/stripe_webhooks.py.)

Without STRIPE_SECRET_KEY and with DEBUG on, checkouts go to the local test checkout
instead (members/local_checkout.py); it cannot be reached with DEBUG off.
"""

import datetime
import functools
import logging
import secrets

import stripe
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members import dues, term_dates
from members.dues import DuesError
from members.links import absolute
from members.models import Checkout, Member, Payment, Plan

log = logging.getLogger(__name__)

LOCAL_PREFIX = "_local_"  # in ids made up by the local test checkout: cus_local_…, sub_local_…


class CardPaymentsUnavailable(Exception):
    """Stripe cannot be reached or is not set up; the message is for the person paying."""


def uses_local_checkout() -> bool:
    return bool(settings.DEBUG and not settings.STRIPE_SECRET_KEY)


def card_payments_available() -> bool:
    return bool(settings.STRIPE_SECRET_KEY) or uses_local_checkout()


def is_local_id(stripe_id: str | None) -> bool:
    return bool(stripe_id) and LOCAL_PREFIX in stripe_id


def local_id(prefix: str) -> str:
    return f"{prefix}{LOCAL_PREFIX}{secrets.token_hex(12)}"


# The API version the stripe library pins (and so every request we make): webhook
# events must be rendered in it, or their payloads are not the shapes we read.
API_VERSION = stripe.api_version


def client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise CardPaymentsUnavailable(_("Card payments are not set up for this society yet."))
    return _client_for(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)


@functools.lru_cache(maxsize=4)
def _client_for(secret_key: str, api_base: str) -> stripe.StripeClient:
    """One client per key (and API address), kept: its HTTP session reuses Stripe's connections."""
    # STRIPE_API_BASE points the client at a Stripe-compatible server (a mock) instead.
    base = {"api": api_base} if api_base else None
    return stripe.StripeClient(secret_key, max_network_retries=2, base_addresses=base)


NOT_CHARGED = gettext_lazy(
    "We could not reach our card processor, so nothing was charged. Please try again in a few minutes."
)


def _call(what: str, request, *, failure: str = NOT_CHARGED):
    """Run one Stripe request; turn its failures into a message a person can act on."""
    try:
        return request()
    except stripe.StripeError as error:
        log.warning("Stripe refused or failed to %s: %s", what, error)
        raise CardPaymentsUnavailable(failure.format(reason=error.user_message or error)) from error


def ensure_customer(member: Member) -> str:
    """The member's Stripe customer id: created the first time, reused ever after."""
    current = member.stripe_customer_id
    if current and (uses_local_checkout() or not is_local_id(current)):
        return current
    if uses_local_checkout():
        customer_id = local_id("cus")
    else:
        params = {"email": member.email, "metadata": {"member_id": str(member.pk)}}
        if member.name:
            params["name"] = member.name
        customer_id = _call("create a customer", lambda: client().v1.customers.create(params)).id
    # Compare-and-set: if two tabs race, the first id stored wins and the other customer
    # stays unused. A made-up id from a local run without keys is replaced by a real one.
    Member.objects.filter(pk=member.pk).filter(
        Q(stripe_customer_id__isnull=True) | Q(stripe_customer_id=current or "")
    ).update(stripe_customer_id=customer_id)
    member.refresh_from_db(fields=["stripe_customer_id"])
    return member.stripe_customer_id


def checkout_metadata(checkout: Checkout) -> dict[str, str]:
    return {
        "checkout_id": str(checkout.public_id),
        "member_id": str(checkout.member_id),
        "plan_id": str(checkout.plan_id),
        "purpose": checkout.purpose,
    }


def session_params(checkout: Checkout, *, customer_id: str) -> dict:
    """The Checkout Session request: a yearly subscription when the member opts into
    auto-renew, a one-time payment otherwise; the amount always as `price_data`, so a
    sliding-scale amount needs no Price object in Stripe."""
    plan = checkout.plan
    price_data = {
        "currency": checkout.currency.lower(),
        "unit_amount": checkout.amount_cents,
        "product_data": {"name": f"{plan.shown_name}, {settings.ORG_NAME}"},
    }
    metadata = checkout_metadata(checkout)
    params = {
        "mode": checkout.mode,
        "customer": customer_id,
        "client_reference_id": str(checkout.member_id),
        "line_items": [{"quantity": 1, "price_data": price_data}],
        "metadata": metadata,
        "success_url": absolute(reverse("members:checkout-done", args=[checkout.public_id])),
        "cancel_url": absolute(reverse("members:join")) + f"?plan={plan.slug}&cancelled=1",
    }
    if checkout.auto_renew:
        price_data["recurring"] = {"interval": "month" if plan.is_monthly else "year"}
        params["subscription_data"] = {"metadata": metadata}
        _follow_the_cycle(checkout, params)
    else:
        params["payment_intent_data"] = {"metadata": metadata}
        if plan.has_cycle:  # Stripe's page says which days the payment buys, as the join page did
            price_data["product_data"]["name"] = _with_days(price_data["product_data"]["name"], checkout)[0]
    return params


def _with_days(name: str, checkout: Checkout) -> tuple[str, datetime.date]:
    """`name` followed by the first and last day of the term this checkout pays for, and that last day."""
    start, end = term_dates.next_term_dates(member=checkout.member, plan=checkout.plan, as_of=timezone.localdate())
    span = {"start": date_format(start, "DATE_FORMAT"), "end": date_format(end, "DATE_FORMAT")}
    return f"{name}: " + _("%(start)s to %(end)s") % span, end


def next_charge_day(checkout: Checkout) -> datetime.date | None:
    """On a plan with a fixed cycle, the day the subscription should charge next: the day
    after the term this checkout pays for (None on other plans)."""
    return term_dates.next_charge_day(member=checkout.member, plan=checkout.plan, as_of=timezone.localdate())


def day_starts(day: datetime.date) -> int:
    """The first second of `day` in the society's time zone, as a Stripe timestamp."""
    return int(timezone.make_aware(datetime.datetime.combine(day, datetime.time.min)).timestamp())


def _follow_the_cycle(checkout: Checkout, params: dict) -> None:
    """On a fixed cycle, the dues for this term are charged now, once, and the subscription
    charges next on the cycle's first day, then every year on it: the recurring price is
    free until then (a billing cycle anchor with no proration, or, when that day is more than
    a year away as after a cut-off, a trial Stripe allows up to two years)."""
    if not checkout.plan.has_cycle:
        return
    recurring = params["line_items"][0]["price_data"]
    first_term = {key: value for key, value in recurring.items() if key != "recurring"}
    name, end = _with_days(recurring["product_data"]["name"], checkout)
    first_term["product_data"] = {"name": name}
    charge_on = end + datetime.timedelta(days=1)
    params["line_items"].insert(0, {"quantity": 1, "price_data": first_term})
    anchor = day_starts(charge_on)
    if charge_on < term_dates.add_years(timezone.localdate(), 1):
        params["subscription_data"].update(billing_cycle_anchor=anchor, proration_behavior="none")
    else:
        params["subscription_data"]["trial_end"] = anchor


def start_checkout(
    *, member: Member, plan: Plan, amount_cents: int, auto_renew: bool, purpose: str, return_path: str = ""
) -> tuple[Checkout, str]:
    """Begin paying: a Stripe Checkout Session (or the local test checkout). Returns the
    checkout and where to send the browser. Nothing is stored if Stripe says no."""
    if not card_payments_available():
        raise CardPaymentsUnavailable(_("Card payments are not set up for this society yet."))
    checkout = Checkout(
        member=member,
        plan=plan,
        amount_cents=amount_cents,
        currency=plan.currency,
        auto_renew=auto_renew and plan.offers_auto_renew,
        purpose=purpose,
        is_local_test=uses_local_checkout(),
        return_path=return_path,
    )
    customer_id = ensure_customer(member)
    if checkout.is_local_test:
        checkout.stripe_session_id = local_id("cs")
        checkout.save()
        return checkout, reverse("members:local-checkout", args=[checkout.public_id])
    params = session_params(checkout, customer_id=customer_id)
    session = _call(
        "create a Checkout Session",
        lambda: client().v1.checkout.sessions.create(params, {"idempotency_key": f"checkout-{checkout.public_id}"}),
    )
    checkout.stripe_session_id = session.id
    checkout.save()
    return checkout, session.url


PORTAL_CONFIGURATION = "societas-card-portal-1"  # in the metadata of the configuration we made
PORTAL_FEATURES = {
    # The email and postal address are the society's records, changed on /membership/:
    # a portal that could change them would let a leaked portal session rewrite them.
    "customer_update": {"enabled": False},
    "payment_method_update": {"enabled": True},
    "subscription_cancel": {"enabled": True, "mode": "at_period_end"},
    "invoice_history": {"enabled": True},
}


def portal_configuration() -> str:
    """The id of our customer portal configuration: found among the account's, else created once.

    Looked up on each opening (a rare action) rather than cached, so a configuration
    deleted or deactivated in the dashboard is replaced instead of failing."""
    failure = _("We could not open your card settings just now. Please try again in a few minutes.")
    found = _call(
        "list portal configurations",
        lambda: client().v1.billing_portal.configurations.list({"active": True, "limit": 100}),
        failure=failure,
    )
    for configuration in found.data:
        if (configuration.to_dict().get("metadata") or {}).get("societas") == PORTAL_CONFIGURATION:
            return configuration.id
    params = {
        "business_profile": {"headline": f"{settings.ORG_NAME}: your card for membership dues"},
        "features": PORTAL_FEATURES,
        "metadata": {"societas": PORTAL_CONFIGURATION},
    }
    created = _call(
        "create a portal configuration",
        lambda: client().v1.billing_portal.configurations.create(params, {"idempotency_key": PORTAL_CONFIGURATION}),
        failure=failure,
    )
    return created.id


def portal_url(member: Member) -> str:
    """A Stripe customer portal session where the member updates their card or stops auto-renew
    (and cannot change their email or address)."""
    if not member.stripe_customer_id:
        raise CardPaymentsUnavailable(_("You have not paid by card yet, so there is no card to manage."))
    if uses_local_checkout():
        return reverse("members:local-portal")
    params = {
        "customer": member.stripe_customer_id,
        "return_url": absolute(reverse("members:membership")),
        "configuration": portal_configuration(),
    }
    session = _call(
        "open the customer portal",
        lambda: client().v1.billing_portal.sessions.create(params),
        failure=_("We could not open your card settings just now. Please try again in a few minutes."),
    )
    return session.url


def invoice_for_payment_intent(payment_intent_id: str) -> str | None:
    """The invoice a PaymentIntent paid, asked of Stripe (charges no longer name their invoice)."""
    if not settings.STRIPE_SECRET_KEY or is_local_id(payment_intent_id):
        return None
    params = {"payment": {"type": "payment_intent", "payment_intent": payment_intent_id}, "limit": 1}
    payments = client().v1.invoice_payments.list(params)
    return payments.data[0].invoice if payments.data else None


def _intent_of_invoice(invoice_id: str) -> str | None:
    found = _call(
        "find the card payment",
        lambda: client().v1.invoice_payments.list({"invoice": invoice_id, "limit": 1}),
        failure=_("Stripe could not find this card payment ({reason}), so nothing was changed."),
    )
    return found.data[0].payment.payment_intent if found.data else None


def _payment_intent_of(payment: Payment) -> str | None:
    if payment.stripe_payment_intent_id or not payment.stripe_invoice_id:
        return payment.stripe_payment_intent_id
    return _intent_of_invoice(payment.stripe_invoice_id)


def _refund(payment_intent: str, *, amount_cents: int, metadata: dict, key: str) -> None:
    params = {"payment_intent": payment_intent, "amount": amount_cents, "metadata": metadata}
    _call(
        "refund a payment",
        lambda: client().v1.refunds.create(params, {"idempotency_key": key}),
        failure=_("Stripe did not refund the payment ({reason}), so nothing was changed."),
    )


def refund_card_payment(payment: Payment, *, amount_cents: int) -> None:
    """Ask Stripe to return `amount_cents` of a card payment. Payments made on the local
    test checkout moved no money, so there is nothing to ask."""
    if payment.method != Payment.Method.CARD:
        return
    if is_local_id(payment.stripe_payment_intent_id) or is_local_id(payment.stripe_invoice_id):
        return
    payment_intent = _payment_intent_of(payment)
    if not payment_intent:
        raise CardPaymentsUnavailable(_("Stripe does not know this card payment; refund it in the Stripe dashboard."))
    # The key names the total refunded after this one, so a double press refunds once
    # and a second, later partial refund is a new request.
    total = payment.refunded_cents + amount_cents
    _refund(
        payment_intent,
        amount_cents=amount_cents,
        metadata={"receipt_number": payment.receipt_number},
        key=f"refund-{payment.receipt_number}-{total}",
    )


def refund_unapplied(item) -> None:
    """Ask Stripe to return money held in the review queue, in full."""
    if is_local_id(item.stripe_object_id):
        return
    payment_intent = item.stripe_payment_intent_id
    if not payment_intent and not item.is_checkout:
        payment_intent = _intent_of_invoice(item.stripe_object_id)
    if not payment_intent:
        raise CardPaymentsUnavailable(_("Stripe does not know this card payment; refund it in the Stripe dashboard."))
    _refund(
        payment_intent,
        amount_cents=item.amount_cents,
        metadata={"unapplied": item.stripe_object_id},
        key=f"refund-unapplied-{item.stripe_object_id}",
    )


def cancel_subscription(subscription_id: str) -> None:
    """Ask Stripe to end a subscription now, so no more charges are made. One made up by the
    local test checkout has nothing to ask; one Stripe no longer has is ended already."""
    if not subscription_id or is_local_id(subscription_id):
        return
    try:
        client().v1.subscriptions.cancel(subscription_id)
    except stripe.InvalidRequestError as error:
        if error.code != "resource_missing":
            log.warning("Stripe refused to cancel subscription %s: %s", subscription_id, error)
            raise CardPaymentsUnavailable(
                _("Stripe did not cancel the subscription (%(reason)s), so nothing was changed.")
                % {"reason": error.user_message or error}
            ) from error
    except stripe.StripeError as error:
        log.warning("Stripe failed to cancel subscription %s: %s", subscription_id, error)
        raise CardPaymentsUnavailable(
            _(
                "We could not reach Stripe to cancel the subscription, so nothing was changed. "
                "Try again in a few minutes."
            )
        ) from error


def dashboard_url(stripe_id: str | None) -> str:
    """A link to the object in the Stripe dashboard (test or live by the key in use)."""
    if not stripe_id or is_local_id(stripe_id):
        return ""
    kinds = {"cus": "customers", "sub": "subscriptions", "in": "invoices", "pi": "payments", "cs": "checkout/sessions"}
    kind = kinds.get(stripe_id.split("_", 1)[0])
    if kind is None:
        return ""
    mode = "test/" if settings.STRIPE_SECRET_KEY.startswith(("sk_test", "rk_test")) else ""
    return f"https://dashboard.stripe.com/{mode}{kind}/{stripe_id}"


def refund(*, payment: Payment, amount_cents: int | None, reason: str, by, end_term: bool) -> Payment:
    """Refund all that remains of a payment (`amount_cents` None) or part of it. A card
    payment is returned by Stripe while its row is locked, so the charge.refunded webhook
    that follows finds it recorded and does nothing; if Stripe says no, nothing changes."""
    if not reason.strip():
        raise DuesError(_("Say why the payment is refunded; the reason is kept with the payment."))
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        amount = dues.check_refund(payment=locked, amount_cents=amount_cents)
        refund_card_payment(locked, amount_cents=amount)
        return dues.record_refund(payment=locked, amount_cents=amount, reason=reason, by=by, end_term=end_term)
