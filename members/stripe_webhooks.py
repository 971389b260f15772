"""What Stripe tells us: the webhook is the only thing that makes a membership active.

`receive` (in the request) verifies the signature, records the event with its body
once (a repeat does nothing), hands it to a worker and answers at once: Stripe
needs a 2xx within seconds, and a webhook must never wait on our work.

`process` (in a worker) dispatches on the type through `HANDLERS`. Each handler
locks the member and checks what is already recorded, so events may arrive in any
order, twice, or at the same time on two workers, and the end state is the same.
An event that refers to something not recorded yet (`NotReady`) waits and is tried
again with a growing delay, as Stripe itself would redeliver it.
"""

import datetime
import json
import logging

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from config.languages import in_society_language
from members import arrears, dues, stripe_disputes, stripe_sessions, unapplied
from members import stripe as card
from members.matching import (
    checkout_problem,
    customer_member,
    find_checkout,
    invoice_problem,
    named_member,
    paying_member,
)
from members.models import Checkout, Member, MembershipTerm, Payment, Plan, RefusedWebhook, StripeEvent
from members.stripe_disputes import payment_of_intent
from members.stripe_objects import local_day, when
from members.stripe_objects import object_id as _id

log = logging.getLogger(__name__)

# Subscription statuses in which Stripe will charge again at the end of the period.
LIVE_STATUSES = {"active", "trialing", "past_due"}


class BadWebhook(Exception):
    """Not from Stripe: a missing, wrong or stale signature, or a body that is not an event."""


class NotReady(Exception):
    """The event refers to something not recorded yet; Stripe should deliver it again later."""


class WrongApiVersion(BadWebhook):
    """From Stripe, but rendered in another API version than the one we read: the webhook
    endpoint in the Stripe dashboard is set up wrongly."""


def verify(*, payload: bytes, signature: str | None) -> dict:
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, settings.STRIPE_WEBHOOK_TOLERANCE
        )
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise BadWebhook(str(error)) from error
    if not isinstance(event, dict) or not event.get("id") or not isinstance(event.get("data"), dict):
        raise BadWebhook("The body is not a Stripe event.")
    _check_api_version(event)
    return event


def _check_api_version(event: dict) -> None:
    """Refuse an event whose payload is in another API version: its objects have other
    shapes (an older invoice names its subscription elsewhere), so reading it as ours
    would answer "handled" and record nothing. The refusal is kept for /manage/."""
    version = event.get("api_version") or ""
    if version == card.API_VERSION:
        return
    log.error(
        "Refused Stripe event %s (%s): it is in API version %r, but Societas reads %r. "
        "Set the webhook endpoint's API version to %s in the Stripe dashboard, then resend the event.",
        event["id"],
        event.get("type"),
        version,
        card.API_VERSION,
        card.API_VERSION,
    )
    RefusedWebhook.objects.get_or_create(
        event_id=event["id"], defaults={"type": str(event.get("type") or "")[:100], "api_version": str(version)[:50]}
    )
    raise WrongApiVersion(f"Event API version {version!r} is not {card.API_VERSION!r}.")


# How long an event that cannot be applied yet waits before each new try; after the
# last, it stays waiting (shown in the admin with its error) until the next delivery.
RETRY_DELAYS = [10, 60, 300, 1800, 3600, 6 * 3600, 24 * 3600]


def receive(*, payload: bytes, signature: str | None) -> str:
    """Take one webhook delivery: 'queued' (a worker applies it), 'duplicate', or 'ignored'
    (a type we do not use). Three statements and a nudge: nothing waits on the work."""
    event = verify(payload=payload, signature=signature)
    if event.get("type") not in HANDLERS:
        return "ignored"
    try:
        # On PostgreSQL a concurrent delivery of the same event waits here on the
        # unique index until the first commits, then fails: it is a repeat.
        with transaction.atomic():
            recorded = StripeEvent.objects.create(
                event_id=event["id"],
                type=event["type"],
                created=when(event.get("created")) or timezone.now(),
                livemode=bool(event.get("livemode")),
                payload=event,
                next_attempt_at=timezone.now(),
            )
            transaction.on_commit(lambda: _nudge(recorded.pk), robust=True)
    except IntegrityError:
        return "duplicate"
    return "queued"


def _nudge(stripe_event_id: int) -> None:
    from members.tasks import process_stripe_event

    process_stripe_event.delay(stripe_event_id)


def process(*, stripe_event_id: int) -> str:
    """Apply one recorded event: 'handled', 'done' (already applied, or another worker has
    it), or 'waiting' (not ready yet, or failed: tried again later)."""
    now = timezone.now()
    with transaction.atomic():
        recorded = (
            StripeEvent.objects.select_for_update(skip_locked=True)
            .filter(pk=stripe_event_id, processed_at=None)
            .first()
        )
        if recorded is None:
            return "done"
        try:
            with transaction.atomic():
                HANDLERS[recorded.type](recorded.payload)
        except Exception as error:
            _wait(recorded, error, now)
            return "waiting"
        recorded.processed_at, recorded.next_attempt_at, recorded.last_error = now, None, ""
        recorded.save(update_fields=["processed_at", "next_attempt_at", "last_error"])
    return "handled"


def _wait(recorded: StripeEvent, error: Exception, now: datetime.datetime) -> None:
    if not isinstance(error, NotReady):
        log.exception("Stripe event %s (%s) could not be applied", recorded.event_id, recorded.type)
    delay = RETRY_DELAYS[min(recorded.attempts, len(RETRY_DELAYS) - 1)]
    recorded.attempts += 1
    recorded.last_error = str(error)[:2000] or type(error).__name__
    recorded.next_attempt_at = now + datetime.timedelta(seconds=delay)
    recorded.save(update_fields=["attempts", "last_error", "next_attempt_at"])


def process_waiting(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Apply every recorded event whose turn has come (a lost nudge, a retry); how many were handled."""
    now = now or timezone.now()
    waiting = StripeEvent.objects.filter(processed_at=None, next_attempt_at__lte=now).order_by("created", "pk")
    return sum(process(stripe_event_id=pk) == "handled" for pk in list(waiting.values_list("pk", flat=True)[:limit]))


def _member(*, metadata: dict | None, customer) -> Member | None:
    """The member an object belongs to: by our metadata, else by their Stripe customer
    (for news that moves no money; money is matched by `paying_member`)."""
    return named_member(metadata) or customer_member(customer)


def _lock(member: Member) -> Member:
    return Member.objects.select_for_update().get(pk=member.pk)


def _plan(*, metadata: dict | None, member: Member) -> Plan | None:
    plan_id = (metadata or {}).get("plan_id")
    if plan_id and str(plan_id).isdigit():
        plan = Plan.objects.filter(pk=int(plan_id)).first()
        if plan is not None:
            return plan
    latest = MembershipTerm.objects.filter(member=member).select_related("plan").order_by("-start", "-pk").first()
    return latest.plan if latest else None


def _link_checkout(checkout_id: str | None, payment: Payment) -> None:
    checkout = find_checkout(checkout_id) if checkout_id else None
    if checkout is not None:
        Checkout.objects.filter(pk=checkout.pk, payment__isnull=True).update(payment=payment)


def _hold_session(event: dict, session: dict, checkout: Checkout, member: Member, reason: str) -> None:
    unapplied.hold(
        stripe_object_id=session["id"],
        event_type=event["type"],
        member=member,
        plan=checkout.plan,
        amount_cents=session.get("amount_total") or 0,
        currency=session.get("currency") or checkout.currency,
        received_on=local_day(event["created"]),
        reason=reason,
        customer_id=_id(session.get("customer")),
        payment_intent_id=_id(session.get("payment_intent")),
    )


def checkout_completed(event: dict) -> None:
    """Link the customer and subscription; a paid one-time checkout buys its term here,
    if it paid what its checkout asked. Other money is held for the treasurer."""
    session = event["data"]["object"]
    if stripe_sessions.hand_over(event, session):  # another app's session (tickets), named in its metadata
        return
    checkout = find_checkout((session.get("metadata") or {}).get("checkout_id"))
    if checkout is None:
        log.info("Checkout Session %s was not started by Societas; ignored.", session.get("id"))
        return
    member = _lock(checkout.member)
    problem = checkout_problem(session, checkout, member)
    paid = session.get("payment_status") in ("paid", "no_payment_required")
    if problem:
        if session.get("mode") != "subscription" and paid:
            _hold_session(event, session, checkout, member, problem)
        else:
            log.warning("Checkout Session %s not applied: %s", session.get("id"), problem)
        return
    Member.objects.filter(pk=member.pk, stripe_customer_id__isnull=True).update(
        stripe_customer_id=_id(session.get("customer")) or None
    )
    Checkout.objects.filter(pk=checkout.pk, completed_at__isnull=True).update(
        completed_at=when(event.get("created")), stripe_invoice_id=_id(session.get("invoice"))
    )
    if session.get("mode") == "subscription":
        _subscription_checkout_completed(event, session, checkout, member)
    elif paid:
        _one_time_checkout_paid(event, session, checkout, member)


def _one_time_checkout_paid(event: dict, session: dict, checkout: Checkout, member: Member) -> None:
    if Payment.objects.filter(stripe_checkout_session_id=session["id"]).exists():
        return
    payment = dues.record_payment(
        member=member,
        plan=checkout.plan,
        amount_cents=session.get("amount_total") or 0,
        currency=session["currency"].upper(),
        method=Payment.Method.CARD,
        received_on=local_day(event["created"]),
        by=None,
        stripe=dues.StripeRefs(
            checkout_session_id=session["id"], payment_intent_id=_id(session.get("payment_intent")) or None
        ),
    )
    _link_checkout(str(checkout.public_id), payment)


def _subscription_checkout_completed(event: dict, session: dict, checkout: Checkout, member: Member) -> None:
    dues.update_auto_renew(
        member=member,
        subscription_id=_id(session.get("subscription")),
        on=True,
        renews_on=None,
        as_of=when(event["created"]),
    )
    invoice_id = _id(session.get("invoice"))
    paid = Payment.objects.filter(stripe_invoice_id=invoice_id).first() if invoice_id else None
    if paid is not None:
        _link_checkout(str(checkout.public_id), paid)


def _subscription_details(invoice: dict) -> dict:
    return (invoice.get("parent") or {}).get("subscription_details") or {}


def _period(invoice: dict) -> tuple[int, int]:
    """The period the invoice's subscription line pays for (Stripe timestamps): on a fixed cycle a first
    invoice also holds this term's dues as a one-time line, which does not say when the subscription renews."""
    lines = [line for line in (invoice.get("lines") or {}).get("data") or [] if (line.get("period") or {}).get("end")]
    ours = [line for line in lines if (line.get("parent") or {}).get("type") == "subscription_item_details"]
    period = next(iter(ours or lines), {}).get("period") or invoice
    return period.get("start") or invoice["period_start"], period.get("end") or invoice["period_end"]


def _invoice_payment_intent(invoice: dict) -> str | None:
    """The PaymentIntent of a paid invoice, when the payload includes its payments."""
    for item in (invoice.get("payments") or {}).get("data") or []:
        intent = _id((item.get("payment") or {}).get("payment_intent"))
        if intent:
            return intent
    return None


def _hold_invoice(event: dict, invoice: dict, member: Member | None, plan: Plan | None, reason: str) -> None:
    start, end = _period(invoice)
    subscription_id = _id(_subscription_details(invoice).get("subscription"))
    paid_at = (invoice.get("status_transitions") or {}).get("paid_at") or event["created"]
    unapplied.hold(
        stripe_object_id=invoice["id"],
        event_type=event["type"],
        member=member,
        plan=plan,
        amount_cents=invoice.get("amount_paid") or 0,
        currency=invoice.get("currency") or "",
        received_on=local_day(paid_at),
        covers_from=local_day(start),
        reason=reason,
        customer_id=_id(invoice.get("customer")),
        payment_intent_id=_invoice_payment_intent(invoice) or "",
        subscription=(subscription_id, local_day(end), when(event["created"])),
    )


def invoice_paid(event: dict) -> None:
    """An auto-renew (or first subscription) charge succeeded: if it is the member's dues,
    record it and extend the term; other money is held for the treasurer."""
    invoice = event["data"]["object"]
    details = _subscription_details(invoice)
    metadata = details.get("metadata") or {}
    subscription_id = _id(details.get("subscription"))
    member, problem = paying_member(invoice, metadata)
    if not subscription_id or member is None or invoice.get("amount_paid", 0) <= 0:
        log.info("Invoice %s is not a membership charge; ignored.", invoice.get("id"))
        return
    member = _lock(member)
    if Payment.objects.filter(stripe_invoice_id=invoice["id"]).exists():
        return
    plan = _plan(metadata=metadata, member=member)
    if plan is None:
        raise NotReady(f"No plan is known for invoice {invoice['id']} yet.")
    problem = problem or invoice_problem(invoice, member, plan, subscription_id, metadata)
    if problem:
        _hold_invoice(event, invoice, member, plan, problem)
        return
    _record_invoice(event, invoice, member, plan, subscription_id, metadata)


def _record_invoice(event: dict, invoice: dict, member: Member, plan: Plan, subscription_id: str, metadata) -> None:
    start, end = _period(invoice)
    dues.update_auto_renew(
        member=member, subscription_id=subscription_id, on=True, renews_on=local_day(end), as_of=when(event["created"])
    )
    arrears.mark_failed_charge_paid(invoice_id=invoice["id"])
    paid_at = (invoice.get("status_transitions") or {}).get("paid_at") or event["created"]
    payment = dues.record_payment(
        member=member,
        plan=plan,
        amount_cents=invoice["amount_paid"],
        currency=invoice["currency"].upper(),
        method=Payment.Method.CARD,
        received_on=local_day(paid_at),
        covers_from=local_day(start),
        by=None,
        stripe=dues.StripeRefs(invoice_id=invoice["id"], payment_intent_id=_invoice_payment_intent(invoice)),
    )
    _link_checkout(metadata.get("checkout_id"), payment)
    Checkout.objects.filter(stripe_invoice_id=invoice["id"], payment__isnull=True).update(payment=payment)


def invoice_payment_failed(event: dict) -> None:
    """An auto-renew charge failed: the treasurer's queue, and an email to fix the card."""
    invoice = event["data"]["object"]
    details = _subscription_details(invoice)
    member = _member(metadata=details.get("metadata"), customer=invoice.get("customer"))
    if member is None or not _id(details.get("subscription")):
        log.info("Failed invoice %s is not a membership charge; ignored.", invoice.get("id"))
        return
    member = _lock(member)
    if Payment.objects.filter(stripe_invoice_id=invoice["id"]).exists():
        return  # paid after all; this news is older than the payment
    error = invoice.get("last_finalization_error") or {}
    arrears.record_failed_charge(
        member=member,
        invoice_id=invoice["id"],
        subscription_id=_id(details.get("subscription")),
        amount_cents=invoice.get("amount_due") or 0,
        currency=invoice["currency"].upper(),
        attempt_count=invoice.get("attempt_count") or 1,
        failure_message=error.get("message") or "",
        next_attempt_at=when(invoice.get("next_payment_attempt")),
        failed_at=when(event["created"]),
    )


def subscription_changed(event: dict) -> None:
    """Auto-renew on or off, and the next charge date, as the subscription now stands."""
    subscription = event["data"]["object"]
    member = _member(metadata=subscription.get("metadata"), customer=subscription.get("customer"))
    if member is None:
        log.info("Subscription %s is not a membership; ignored.", subscription.get("id"))
        return
    on = (
        event["type"] != "customer.subscription.deleted"
        and subscription.get("status") in LIVE_STATUSES
        and not subscription.get("cancel_at_period_end")
        and not subscription.get("cancel_at")
    )
    items = (subscription.get("items") or {}).get("data") or []
    period_end = items[0].get("current_period_end") if items else None
    dues.update_auto_renew(
        member=_lock(member),
        subscription_id=subscription["id"],
        on=on,
        renews_on=local_day(period_end) if on and period_end else None,
        as_of=when(event["created"]),
    )


def charge_refunded(event: dict) -> None:
    """A refund made in Stripe: recorded with a refund receipt; refunded in full, the payment's term ends today.
    A partial refund keeps the term."""
    charge = event["data"]["object"]
    intent = _id(charge.get("payment_intent"))
    payment, invoice_id = payment_of_intent(intent)
    if payment is None:
        if unapplied.is_held(payment_intent_id=intent, stripe_object_id=invoice_id):
            log.info("Refunded charge %s returned money held for the treasurer.", charge.get("id"))
            return
        if _member(metadata=charge.get("metadata"), customer=charge.get("customer")) is not None:
            raise NotReady(f"The payment refunded by charge {charge.get('id')} is not recorded yet.")
        log.info("Refunded charge %s is not a membership payment; ignored.", charge.get("id"))
        return
    _lock(payment.member)
    payment.refresh_from_db()
    newly_refunded = (charge.get("amount_refunded") or 0) - payment.refunded_cents
    if payment.is_paid and newly_refunded > 0:
        dues.record_refund(
            payment=payment,
            amount_cents=newly_refunded,
            reason=in_society_language(gettext_lazy("Refunded in Stripe.")),
            by=None,
        )


HANDLERS = {
    "checkout.session.completed": checkout_completed,
    "checkout.session.async_payment_succeeded": checkout_completed,
    "checkout.session.expired": stripe_sessions.session_expired,
    "invoice.paid": invoice_paid,
    "invoice.payment_failed": invoice_payment_failed,
    "customer.subscription.created": subscription_changed,
    "customer.subscription.updated": subscription_changed,
    "customer.subscription.deleted": subscription_changed,
    "charge.refunded": charge_refunded,
    "charge.dispute.created": stripe_disputes.dispute_created,
    "charge.dispute.closed": stripe_disputes.dispute_closed,
}
