"""Paying for a ticket order: one Stripe Checkout Session per order, and what its webhooks do.

The session names the order in its metadata (`kind` "tickets" and the order's id), so
members' webhook handling hands it here (members/stripe_sessions.py). Its expiry is the
hold's end; the completed session confirms the order only if it paid what was asked.
"""

import datetime
import logging
import time
from collections import Counter

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from config.languages import in_society_language
from events import ticket_holds
from events.ticket_orders import CONFIRMED, REFUND, confirm_paid
from events.ticket_records import Order
from events.ticket_waitlist_records import WaitlistEntry
from members import dues, stripe_sessions
from members import stripe as card
from members.accounts import ensure_member
from members.links import absolute
from members.models import Payment
from notifications.outbox import queue_message

log = logging.getLogger(__name__)

SESSION_KIND = "tickets"
# Stripe refuses an expiry under 30 minutes from the moment it creates the session: a minute's margin.
EXPIRY_MARGIN = datetime.timedelta(minutes=1)
STRIPE_SHORTEST_EXPIRY = datetime.timedelta(minutes=30)


def line_items(order: Order) -> list[dict]:
    """One line per ticket type and price paid, and the dues when the order joins or renews."""
    lines = order.lines.select_related("ticket_type__event")
    counted = Counter((line.ticket_type.shown_name, line.paid_cents) for line in lines)
    items = [
        {
            "quantity": quantity,
            "price_data": {"currency": order.currency.lower(), "unit_amount": cents, "product_data": {"name": name}},
        }
        for (name, cents), quantity in counted.items()
    ]
    if order.dues_cents:
        name = _("Dues: %(plan)s") % {"plan": order.dues_plan.shown_name}
        price = {"currency": order.currency.lower(), "unit_amount": order.dues_cents, "product_data": {"name": name}}
        items.append({"quantity": 1, "price_data": price})
    return items


def session_params(order: Order, *, expires_at: int) -> dict:
    page = absolute(order.capability_url)
    return {
        "mode": "payment",
        "line_items": line_items(order),
        "customer_email": order.buyer_email,
        "expires_at": expires_at,
        "success_url": page,
        "cancel_url": page,
        "metadata": {stripe_sessions.KIND_KEY: SESSION_KIND, "order_id": str(order.pk)},
        "payment_intent_data": {"metadata": {stripe_sessions.KIND_KEY: SESSION_KIND, "order_id": str(order.pk)}},
    }


def start(order: Order) -> str:
    """Where to send the buyer to pay a held order: Stripe's page, or the local test checkout.
    The first attempt stretches the hold to end with its session; paying again never holds the
    seats longer: its session ends with the hold, and if too little of it is left for Stripe the
    hold ends now. Raises CardPaymentsUnavailable."""
    if not card.card_payments_available():
        raise card.CardPaymentsUnavailable(_("Card payments are not set up for this society yet."))
    now = timezone.now()
    expires = _session_end(order, now)
    shortest = datetime.timedelta(0) if card.uses_local_checkout() else STRIPE_SHORTEST_EXPIRY
    if expires - now < shortest or expires <= now:
        _time_ran_out(order, now)
    _expire_earlier_session(order)
    if card.uses_local_checkout():
        session_id, url = card.local_id("cs"), reverse("events:order-test-checkout", args=[order.token])
    else:
        params = session_params(order, expires_at=int(expires.timestamp()))
        key = f"tickets-{order.token}-{int(expires.timestamp())}"
        session = card._call(
            "create a Checkout Session",
            lambda: card.client().v1.checkout.sessions.create(params, {"idempotency_key": key}),
        )
        session_id, url = session.id, session.url
    with transaction.atomic():
        ticket_holds.lock_event(order.event_id)
        held = (
            Order.objects.select_for_update()
            .filter(pk=order.pk, status=Order.Status.HELD)
            # A waitlist offer's hold outlasts the session: paying never shortens it.
            .update(stripe_checkout_session_id=session_id, held_until=Greatest("held_until", Value(expires)))
        )
    if not held:
        raise card.CardPaymentsUnavailable(_("This order is no longer waiting for payment."))
    return url


def _session_end(order: Order, now: datetime.datetime) -> datetime.datetime:
    fresh = now + ticket_holds.hold_length() + EXPIRY_MARGIN
    if not order.stripe_checkout_session_id:
        return fresh
    # Pressing Pay again must not keep seats held for ever: the hold's end as it stands is the limit.
    return min(order.held_until, fresh)


def _time_ran_out(order: Order, now: datetime.datetime) -> None:
    """Too little of the hold is left to pay in: end it (its seats go back on sale) and say so."""
    with transaction.atomic():
        ticket_holds.lock_event(order.event_id)
        locked = Order.objects.select_for_update().get(pk=order.pk)
        ticket_holds.end_hold(
            locked,
            status=Order.Status.EXPIRED,
            now=now,
            reason=in_society_language(gettext_lazy("the time to pay ran out")),
        )
    raise card.CardPaymentsUnavailable(_("The time to pay for this order has run out, so its seats were released."))


def _expire_earlier_session(order: Order) -> None:
    """Paying again (after a cancelled or declined attempt) first ends the earlier Stripe session,
    so one order can never be paid twice. Stripe refuses if that session was paid meanwhile."""
    earlier = order.stripe_checkout_session_id
    if not earlier or card.is_local_id(earlier):
        return
    card._call(
        "expire a Checkout Session",
        lambda: card.client().v1.checkout.sessions.expire(earlier),
        failure=_("Your earlier payment attempt could not be closed ({reason}); nothing new was started."),
    )


def _order_of(session: dict) -> Order | None:
    order_id = str((session.get("metadata") or {}).get("order_id") or "")
    return Order.objects.filter(pk=int(order_id)).first() if order_id.isdigit() else None


def session_completed(event: dict, session: dict) -> None:
    """The buyer paid: confirm the order, or give the money back and tell them why."""
    order = _order_of(session)
    if order is None:
        log.warning("Ticket session %s names no order we have; ignored.", session.get("id"))
        return
    if session.get("payment_status") not in ("paid", "no_payment_required"):
        return
    intent = session.get("payment_intent") or ""
    intent = intent if isinstance(intent, str) else intent.get("id", "")
    paid = {"amount_cents": session.get("amount_total") or 0, "currency": session.get("currency") or ""}
    if order.dues_cents:
        outcome = _confirm_with_dues(event, session, order, intent, paid)
    else:
        outcome = confirm_paid(order_id=order.pk, payment_intent=intent, **paid)
    if outcome in (CONFIRMED, REFUND):
        _record_payment(event, order, paid["amount_cents"] if outcome == REFUND else order.total_cents, outcome)
    if outcome == REFUND:
        owe_refund(order_id=order.pk, amount_cents=paid["amount_cents"])


def owe_refund(*, order_id: int, amount_cents: int) -> None:
    """Note the money owed back and have a worker ask Stripe once this transaction commits (never
    under the event's lock); the sweep asks again if that worker never ran."""
    from events.tasks import refund_ticket_order

    Order.objects.filter(pk=order_id, refunded_at__isnull=True).update(refund_cents=amount_cents)
    transaction.on_commit(lambda: refund_ticket_order.delay(order_id), robust=True)


def _record_payment(event: dict, order: Order, amount_cents: int, outcome: str) -> None:
    """The treasurer's record of the ticket money (the dues, if any, are a dues payment of their own)."""
    count = order.lines.count()
    description = ngettext(
        "%(event)s: %(n)d ticket (order %(order)d)", "%(event)s: %(n)d tickets (order %(order)d)", count
    ) % {"event": order.event.title, "n": count, "order": order.pk}
    stripe_sessions.record_session_payment(
        kind=Payment.Kind.TICKETS, user=order.user, amount_cents=amount_cents, currency=order.currency,
        received_on=timezone.localdate(datetime.datetime.fromtimestamp(event["created"], datetime.UTC)),
        description=description, reference=f"ticket order {order.pk}", refunded=outcome == REFUND,
    )  # fmt: skip


class _DuesUndone(Exception):
    """The order could not be confirmed: the dues recorded with it are rolled back."""


def _confirm_with_dues(event: dict, session: dict, order: Order, intent: str, paid: dict) -> str:
    """Join or renew and register in one payment: the dues are applied first, in the same
    transaction as the order's confirmation; if the order cannot be confirmed, neither is kept."""
    if order.status in (Order.Status.PAID, Order.Status.REFUNDED):
        return confirm_paid(order_id=order.pk, payment_intent=intent, **paid)  # a repeat: nothing to apply
    try:
        with transaction.atomic():
            applied = _apply_dues(event, session, order, intent)
            outcome = confirm_paid(order_id=order.pk, payment_intent=intent, dues_applied=applied, **paid)
            if outcome == REFUND and applied:
                raise _DuesUndone
            return outcome
    except _DuesUndone:
        return confirm_paid(order_id=order.pk, payment_intent=intent, dues_applied=False, **paid)


def _apply_dues(event: dict, session: dict, order: Order, intent: str) -> bool:
    """Record the dues part of the payment (a members Payment and its term); False if it cannot be."""
    if order.user is None or order.dues_plan is None:
        return False
    try:
        dues.record_payment(
            member=ensure_member(order.user), plan=order.dues_plan, amount_cents=order.dues_cents,
            currency=order.currency, method=Payment.Method.CARD,
            received_on=timezone.localdate(datetime.datetime.fromtimestamp(event["created"], datetime.UTC)),
            by=None, stripe=dues.StripeRefs(checkout_session_id=session["id"], payment_intent_id=intent or None),
        )  # fmt: skip
    except dues.DuesError as error:
        log.warning("Dues of ticket order %s not applied: %s", order.pk, error)
        return False
    return True


def refund_order(*, order_id: int) -> bool:
    """Give back what an order is owed through Stripe, in a worker, and tell the buyer. Harmless
    to repeat: Stripe's idempotency key and `refunded_at` make it happen once."""
    order = Order.objects.select_related("event").get(pk=order_id)
    if order.refunded_at or not order.refund_cents:
        return False
    stripe_sessions.refund_session(
        payment_intent=order.stripe_payment_intent_id, amount_cents=order.refund_cents,
        key=f"ticket-refund-{order.pk}", metadata={"order_id": str(order.pk)},
    )  # fmt: skip
    if not Order.objects.filter(pk=order.pk, refunded_at__isnull=True).update(refunded_at=timezone.now()):
        return False
    subject = _("Your order for %(event)s was refunded") % {"event": order.event.title}
    text = _(
        "We could not confirm your order for %(event)s, so the whole payment has been refunded to your card. "
        "Nobody keeps a charge without a seat. See your order: %(link)s"
    ) % {"event": order.event.title, "link": absolute(order.capability_url)}
    queue_message(key=f"ticket-order-refunded:{order.pk}", to=order.buyer_email, kind="ticket-order-refunded",
                  subject=subject, text=text)  # fmt: skip
    return True


def refund_owed(*, limit: int = 100) -> int:
    """Ask again for the refunds no worker has done yet (the sweep); the number done."""
    owed = Order.objects.filter(status=Order.Status.REFUNDED, refund_cents__gt=0, refunded_at__isnull=True)
    done = 0
    for order_id in list(owed.values_list("pk", flat=True)[:limit]):
        try:
            done += refund_order(order_id=order_id)
        except card.CardPaymentsUnavailable:
            log.warning("Refund of ticket order %s failed; asked again at the next sweep.", order_id)
    return done


def session_expired(event: dict, session: dict) -> None:
    """Stripe ended the unpaid session: its order's hold ends with it."""
    order = _order_of(session)
    # An earlier session ended because the buyer started paying again: the hold goes on.
    if order is not None and order.stripe_checkout_session_id == session.get("id"):
        if WaitlistEntry.objects.filter(offer=order).exists() and order.holds_seats(timezone.now()):
            return  # a waitlist offer's hold goes on after the session it started
        ticket_holds.expire(order_id=order.pk, reason=in_society_language(gettext_lazy("Stripe's checkout expired")))


def register() -> None:
    stripe_sessions.register_session_kind(SESSION_KIND, completed=session_completed, expired=session_expired)


def local_session(order: Order, *, paid: bool) -> dict:
    """The `checkout.session.completed` the local test checkout sends for an order, shaped as Stripe's."""
    return {
        "id": order.stripe_checkout_session_id,
        "object": "checkout.session",
        "mode": "payment",
        "status": "complete",
        "payment_status": "paid" if paid else "unpaid",
        "amount_subtotal": order.charged_cents,
        "amount_total": order.charged_cents,
        "currency": order.currency.lower(),
        "customer": None,
        "customer_email": order.buyer_email,
        "payment_intent": card.local_id("pi"),
        "metadata": {stripe_sessions.KIND_KEY: SESSION_KIND, "order_id": str(order.pk)},
        "created": int(time.time()),
    }
