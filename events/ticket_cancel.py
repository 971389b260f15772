"""Cancelling paid tickets and refunding them.

An attendee (or their buyer) cancels, until the event's refund deadline, a whole order or
one attendee's ticket: under the event's lock the seats are freed (their RSVPs become a
no, which withdraws the calendar entry by email, as any no after a yes does), a
`TicketRefund` records what is owed (paid less the fee, never more than paid), and a
worker asks Stripe for it once the transaction commits, with the refund's own idempotency
key; `refunded_at` and the beat's second asking make it happen exactly once. The freed
seats go to the waitlist at its next pass (events/ticket_waitlist.py).

An organiser cancelling the event refunds every paid order in full, in workers.
"""

import datetime
import logging

from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

import audit.log
from config.languages import in_society_language
from events import notices, ticket_transfer_returns, ticket_waitlist
from events.models import RSVP, Event
from events.ticket_holds import lock_event
from events.ticket_orders import OrderRefused
from events.ticket_records import Order, OrderLine
from events.ticket_refund_records import RefundPolicy, TicketRefund
from members import dues, stripe_sessions
from members import payment_refunds as dues_kinds
from members import stripe as card
from members.links import absolute
from members.models import Payment
from members.money import format_money
from notifications.outbox import queue_message

log = logging.getLogger(__name__)

audit.log.describe("ticket_refund.policy_set", gettext_lazy("Set an event's ticket refund deadline and fee"))
audit.log.describe("ticket_refund.event_refunds", gettext_lazy("Refunded an order of a cancelled event"))


def policy_of(event: Event) -> RefundPolicy:
    """The event's refund policy (unsaved and allowing no cancellation when none was set)."""
    return RefundPolicy.objects.filter(event=event).first() or RefundPolicy(event=event)


def set_policy(*, event: Event, deadline, fee_kind: str, fee_value: int, by) -> RefundPolicy:
    """The organiser sets until when attendees may cancel for a refund, and the fee kept."""
    if fee_kind == RefundPolicy.FeeKind.PERCENT and fee_value > 100:
        raise OrderRefused(_("A fee in percent is at most 100."), code="fee")
    with transaction.atomic():
        policy = RefundPolicy.objects.select_for_update().filter(event=event).first() or RefundPolicy(event=event)
        before = audit.log.snapshot(policy, ("deadline", "fee_kind", "fee_value"))
        policy.deadline, policy.fee_kind, policy.fee_value = deadline, fee_kind, fee_value
        policy.save()
        audit.log.record(by, "ticket_refund.policy_set", policy, changes=audit.log.diff(before, policy))
    return policy


def open_lines(order: Order) -> list[OrderLine]:
    """The tickets of an order not yet cancelled."""
    return list(order.lines.filter(refunds__isnull=True).select_related("ticket_type__event", "rsvp"))


def deadline_text(event: Event, policy: RefundPolicy) -> str:
    if policy.deadline is None:
        return ""
    return formats.date_format(timezone.localtime(policy.deadline, event.zone), "DATETIME_FORMAT")


def quote(order: Order, lines: list[OrderLine], policy: RefundPolicy) -> tuple[int, int]:
    """(refund, fee) for cancelling these lines now: paid less the fee, never more than paid."""
    paid = sum(line.paid_cents for line in lines)
    fee = policy.fee(paid, len(lines))
    return paid - fee, fee


def cancel_tickets(*, order_id: int, line_id: int | None = None, now: datetime.datetime | None = None) -> TicketRefund:
    """Cancel a paid order's tickets (all, or the one of `line_id`) and owe their refund, less
    the fee. Raises OrderRefused, changing nothing, after the deadline or when nothing is left."""
    now = now or timezone.now()
    event_id = Order.objects.values_list("event_id", flat=True).get(pk=order_id)
    with transaction.atomic():
        event = lock_event(event_id)
        order = Order.objects.select_for_update().get(pk=order_id)
        policy = policy_of(event)
        if not order.is_paid:
            raise OrderRefused(_("Only a paid order can be cancelled for a refund."), code="not_paid")
        if not order.refundable_by_card:
            message = _("This order was paid by bank transfer: write to the society's treasurer to cancel it.")
            raise OrderRefused(message, code="bank_transfer")
        if not policy.allows(now):
            if policy.deadline is None:
                raise OrderRefused(_("Tickets to this event cannot be cancelled for a refund."), code="deadline")
            message = _("Tickets could be cancelled for a refund until %(deadline)s; that time has passed.")
            raise OrderRefused(message % {"deadline": deadline_text(event, policy)}, code="deadline")
        lines = [line for line in open_lines(order) if line_id is None or line.pk == line_id]
        if not lines:
            raise OrderRefused(_("There is no ticket left to cancel on this order."), code="nothing")
        paid = sum(line.paid_cents for line in lines)
        refund = _cancel_lines(
            event, order, lines, reason=TicketRefund.Reason.ATTENDEE, fee=policy.fee(paid, len(lines)), now=now
        )
    return refund


def _cancel_lines(event, order, lines, *, reason, fee, now, by=None, amount=None) -> TicketRefund:
    """Free the lines' seats, record what is owed back (`amount`, or paid less `fee`, never
    more than is left of the order), have a worker pay it. Event and order locked."""
    paid = sum(line.paid_cents for line in lines)
    already = sum(order.refunds.values_list("amount_cents", flat=True))
    amount = max(min(paid - fee if amount is None else amount, order.total_cents - already), 0)
    refund = TicketRefund.objects.create(
        order=order, reason=reason, amount_cents=amount, fee_cents=paid - amount, by=by
    )
    refund.lines.set(lines)
    freed = 0
    for line in lines:
        freed += _give_up_seat(line, now, notify=reason != TicketRefund.Reason.EVENT)
    if freed and not event.is_cancelled:
        event.seats_taken = max(event.seats_taken - freed, 0)
        Event.objects.filter(pk=event.pk).update(seats_taken=event.seats_taken)
    if not order.lines.filter(refunds__isnull=True).exists():
        whole = Order.Status.CANCELLED if reason == TicketRefund.Reason.ATTENDEE else Order.Status.REFUNDED
        order.status, order.status_reason = whole, in_society_language(refund.get_reason_display())
        order.save(update_fields=["status", "status_reason"])
    transaction.on_commit(lambda: _ask(refund.pk), robust=True)
    return refund


def _ask(refund_id: int) -> None:
    from events.tasks import refund_ticket_cancellation

    refund_ticket_cancellation.delay(refund_id)


def _give_up_seat(line: OrderLine, now: datetime.datetime, *, notify: bool) -> int:
    """The attendee's yes becomes a no (their calendar entry is withdrawn by email); 1 if a seat was freed."""
    if line.rsvp_id is None:
        return 0
    rsvp = RSVP.objects.select_for_update().get(pk=line.rsvp_id)
    if rsvp.status != RSVP.Status.YES:
        return 0
    rsvp.status, rsvp.status_changed_at, rsvp.answered_at = RSVP.Status.NO, now, now
    rsvp.revision += 1
    rsvp.save(update_fields=["status", "status_changed_at", "answered_at", "revision"])
    if notify:
        notices.answer_recorded(rsvp, waitlist_position=None, previous=RSVP.Status.YES)
    return 1


def pay_refund(*, refund_id: int) -> bool:
    """Ask Stripe for a refund owed (in a worker), record it on the tickets payment, tell the
    buyer. Harmless to repeat: the refund's idempotency key and `refunded_at` make it once."""
    refund = TicketRefund.objects.select_related("order__event").get(pk=refund_id)
    if refund.refunded_at:
        return False
    order = refund.order
    if ticket_transfer_returns.is_by_transfer(refund):
        ticket_transfer_returns.tell_buyer(refund)  # the treasurer returns it; listed until they record it
        return False
    if refund.amount_cents and order.stripe_payment_intent_id:
        stripe_sessions.refund_session(
            payment_intent=order.stripe_payment_intent_id, amount_cents=refund.amount_cents, key=refund.stripe_key,
            metadata={"order_id": str(order.pk), "ticket_refund_id": str(refund.pk)},
        )  # fmt: skip
    with transaction.atomic():
        if not TicketRefund.objects.filter(pk=refund.pk, refunded_at__isnull=True).update(refunded_at=timezone.now()):
            return False
        _record_on_payment(refund)
        _tell_buyer(refund)
    return True


def _record_on_payment(refund: TicketRefund) -> None:
    """The treasurer's tickets payment shows what went back (no receipt email: the buyer is told here)."""
    payment = Payment.objects.filter(kind=Payment.Kind.TICKETS, reference=f"ticket order {refund.order_id}").first()
    if payment is None or not refund.amount_cents or refund.reason == TicketRefund.Reason.TREASURER:
        return
    amount = min(refund.amount_cents, payment.amount_cents - payment.refunded_cents)
    if amount <= 0:
        return
    reason = refund.get_reason_display()
    dues.record_refund(payment=payment, amount_cents=amount, reason=reason, by=refund.by, end_term=False, notify=False)


def _tell_buyer(refund: TicketRefund) -> None:
    order, event = refund.order, refund.order.event
    count = refund.lines.count()
    amount = format_money(refund.amount_cents, order.currency)
    if not count:
        subject = _("Part of your payment for %(event)s is refunded") % {"event": event.title}
        text = _("%(amount)s of your payment for %(event)s is refunded to your card; your tickets stand.")
    elif refund.reason == TicketRefund.Reason.EVENT:
        subject = _("%(event)s is cancelled: your order is refunded") % {"event": event.title}
        text = _("%(event)s has been cancelled, so your order is refunded in full: %(amount)s to your card.")
    else:
        subject = _("Your tickets for %(event)s are cancelled") % {"event": event.title}
        text = ngettext(
            "%(n)d ticket for %(event)s is cancelled, and %(amount)s is refunded to your card.",
            "%(n)d tickets for %(event)s are cancelled, and %(amount)s is refunded to your card.",
            count,
        )
    text = text % {"event": event.title, "amount": amount, "n": count}
    if refund.fee_cents and refund.reason == TicketRefund.Reason.ATTENDEE:
        text += " " + _("The cancellation fee kept is %(fee)s.") % {
            "fee": format_money(refund.fee_cents, order.currency)
        }
    text += "\n\n" + _("See your order: %(link)s") % {"link": absolute(order.capability_url)}
    queue_message(
        key=f"ticket-refund:{refund.pk}", to=order.buyer_email, kind="ticket-refund", subject=subject, text=text,
        user_id=order.user_id,
    )  # fmt: skip


def refunds_owed(*, limit: int = 100, older_than: datetime.timedelta = datetime.timedelta(minutes=1)) -> int:
    """Ask again for the refunds no worker has done yet (beat); the number done."""
    due = TicketRefund.objects.filter(refunded_at__isnull=True, created_at__lte=timezone.now() - older_than)
    due = due.exclude(ticket_transfer_returns.BY_TRANSFER)
    done = 0
    for refund_id in list(due.values_list("pk", flat=True)[:limit]):
        try:
            done += pay_refund(refund_id=refund_id)
        except card.CardPaymentsUnavailable:
            log.warning("Refund %s of a cancelled ticket failed; asked again at the next pass.", refund_id)
    return done


def refund_cancelled_event(*, event_id: int, by_id: int | None = None) -> int:
    """A cancelled event's paid orders are each refunded in full, once (a worker, after the
    cancellation commits; a repeat finds them refunded). The number of orders refunded."""
    ticket_waitlist.close(event_id=event_id)
    done = 0
    paid = Order.objects.filter(event_id=event_id, status=Order.Status.PAID).values_list("pk", flat=True)
    for order_id in list(paid):
        done += _refund_for_cancelled_event(event_id, order_id, by_id)
    return done


def _refund_for_cancelled_event(event_id: int, order_id: int, by_id: int | None) -> int:
    now = timezone.now()
    try:
        with transaction.atomic():
            event = lock_event(event_id)
            order = Order.objects.select_for_update().get(pk=order_id)
            lines = open_lines(order)
            if not order.is_paid or not event.is_cancelled or not lines:
                return 0
            by = _user(by_id)
            _cancel_lines(event, order, lines, reason=TicketRefund.Reason.EVENT, fee=0, now=now, by=by)
            audit.log.record(
                by, "ticket_refund.event_refunds", order,
                changes={"status": ["paid", order.status]}, reason=_("The event was cancelled."),
            )  # fmt: skip
    except IntegrityError:
        return 0  # refunded by another run of this task meanwhile
    return 1


def _user(user_id: int | None):
    if user_id is None:
        return None
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=user_id).first()


audit.log.describe("ticket_refund.treasurer", gettext_lazy("Refunded a ticket payment, cancelling its order"))


def refund_by_treasurer(*, payment: Payment, amount_cents: int | None, reason: str, by) -> TicketRefund:
    """The treasurer refunds a tickets payment (the payments page): the refund is recorded on the
    payment now, asked of Stripe by a worker, and a refund of all that remains cancels the
    order, freeing its seats for the waitlist. Raises DuesError, changing nothing, when it cannot."""
    order_id = payment.reference.removeprefix("ticket order ").strip()
    order = Order.objects.filter(pk=int(order_id)).first() if order_id.isdigit() else None
    if order is None and payment.reference:  # a bank transfer is recorded under the order's own reference
        order = Order.objects.filter(bank_reference=payment.reference).first()
    if order is None:
        raise dues.DuesError(_("This payment names no ticket order; refund it in the Stripe dashboard."))
    with transaction.atomic():
        event = lock_event(order.event_id)
        order = Order.objects.select_for_update().get(pk=order.pk)
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        amount = dues.check_refund(payment=locked, amount_cents=amount_cents)
        lines = open_lines(order) if order.is_paid else []
        owed_transfer = ticket_transfer_returns.owed(order.event_id).filter(order=order).first()
        if owed_transfer is not None:  # the treasurer records returning the transfer listed for them
            owed_transfer.refunded_at = timezone.now()
            owed_transfer.save(update_fields=["refunded_at"])
            refund = owed_transfer
        elif amount >= locked.amount_cents - locked.refunded_cents and lines:
            refund = _cancel_lines(
                event, order, lines, reason=TicketRefund.Reason.TREASURER, fee=0, now=timezone.now(), by=by,
                amount=amount,
            )  # fmt: skip
        else:
            refund = TicketRefund.objects.create(
                order=order, reason=TicketRefund.Reason.TREASURER, amount_cents=amount, by=by
            )
            transaction.on_commit(lambda: _ask(refund.pk), robust=True)
        dues.record_refund(payment=locked, amount_cents=amount, reason=reason, by=by, end_term=False, notify=False)
        before = {"status": "paid"}
        audit.log.record(
            by, "ticket_refund.treasurer", order, changes=audit.log.diff(before, {"status": order.status}),
            reason=reason.strip(),
        )  # fmt: skip
    return refund


def register() -> None:
    dues_kinds.register_refunder(Payment.Kind.TICKETS, refund_by_treasurer)
