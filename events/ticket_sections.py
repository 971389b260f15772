"""What is shown of ticket orders outside the event's pages, through members' sections seam:
the buyer's orders on /membership/, and the bank transfers to return on the treasurer's
payments page."""

from django.template.loader import render_to_string

from events import ticket_transfer_returns
from events.ticket_records import Order
from members import roles

SHOWN = 20


def membership_section(user) -> str:
    """The signed-in person's ticket orders, newest first; "" when they have none."""
    if not getattr(user, "is_authenticated", False):
        return ""
    orders = list(
        Order.objects.filter(user=user)
        .exclude(status=Order.Status.EXPIRED)
        .select_related("event")
        .prefetch_related("lines")[:SHOWN]
    )
    if not orders:
        return ""
    return render_to_string("events/tickets/_membership_orders.html", {"orders": orders})


def payments_section(user) -> str:
    """The transfers still to return, for a treasurer; "" when there are none."""
    if not roles.is_treasurer(user):
        return ""
    owed = list(ticket_transfer_returns.owed_everywhere()[:SHOWN])
    if not owed:
        return ""
    return render_to_string("events/tickets/_payments_transfers.html", {"transfers_owed": owed})


def register() -> None:
    from members.membership_sections import PAYMENTS, register_section

    register_section("ticket-orders", membership_section)
    register_section("transfers-owed", payments_section, place=PAYMENTS)
