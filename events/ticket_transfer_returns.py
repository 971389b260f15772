"""Money to return by bank transfer: an order paid by bank transfer has no card to refund, so
when its event is cancelled the refund owed is not asked of Stripe. It is listed for the
treasurer (the event's refunds page and the payments page) until they record returning it on the tickets payment,
and the buyer is told, once, that the treasurer will return their transfer.
"""

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from events.ticket_refund_records import TicketRefund
from members.links import absolute
from members.models import Payment
from members.money import format_money
from notifications.outbox import queue_message

# A refund owed on an order that no card paid, other than the treasurer's own record of returning it.
BY_TRANSFER = Q(order__stripe_payment_intent_id="", amount_cents__gt=0) & ~Q(reason=TicketRefund.Reason.TREASURER)


def is_by_transfer(refund: TicketRefund) -> bool:
    order = refund.order
    return not order.stripe_payment_intent_id and refund.amount_cents > 0 and refund.reason != refund.Reason.TREASURER


def owed(event_id: int) -> QuerySet:
    """The transfers still to return for an event, oldest first, with their orders."""
    rows = TicketRefund.objects.filter(BY_TRANSFER, order__event_id=event_id, refunded_at__isnull=True)
    return rows.select_related("order").order_by("created_at", "pk")


def owed_everywhere() -> QuerySet:
    """Every transfer still to return, of any event, oldest first, each with the pk of the
    tickets payment it returns (`payment_id`), where the refund is recorded."""
    payment = Payment.objects.filter(kind=Payment.Kind.TICKETS, reference=OuterRef("order__bank_reference"))
    rows = TicketRefund.objects.filter(BY_TRANSFER, refunded_at__isnull=True).exclude(order__bank_reference="")
    rows = rows.annotate(payment_id=Subquery(payment.order_by("pk").values("pk")[:1]))
    return rows.select_related("order__event").order_by("created_at", "pk")


def tell_buyer(refund: TicketRefund) -> None:
    """Tell the buyer the treasurer will return their transfer (once per refund)."""
    order, event = refund.order, refund.order.event
    subject = _("%(event)s is cancelled: your transfer will be returned") % {"event": event.title}
    text = _(
        "%(event)s has been cancelled, so your order is cancelled. You paid by bank transfer, so the "
        "society's treasurer will return %(amount)s to you by transfer (reference %(reference)s).\n\n"
        "See your order: %(link)s"
    ) % {
        "event": event.title,
        "amount": format_money(refund.amount_cents, order.currency),
        "reference": order.bank_reference or order.pk,
        "link": absolute(order.capability_url),
    }
    queue_message(
        key=f"ticket-refund:{refund.pk}", to=order.buyer_email, kind="ticket-refund", subject=subject, text=text,
        user_id=order.user_id,
    )  # fmt: skip
