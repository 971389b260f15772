"""Where a paid ticket order's receipt is found: for the buyer's own ticket email, the link
by the order's token (the buyer's key, sent only to the buyer)."""

from django.urls import reverse

from events.models import RSVP
from events.ticket_records import Order, OrderLine
from members.links import absolute


def receipt_url_for(rsvp: RSVP) -> str:
    """The receipt link for the ticket email of this RSVP when it is the buyer's own seat in a paid order; else ""."""
    line = (
        OrderLine.objects.filter(rsvp=rsvp, order__status=Order.Status.PAID, order__buyer_email=rsvp.email)
        .select_related("order")
        .first()
    )
    if line is None:
        return ""
    return absolute(reverse("events:order-receipt-link", args=[line.order.token]))
