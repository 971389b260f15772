"""What a buyer is shown of their ticket orders outside the event's pages: the section of
/membership/ that lists them (registered into members' sections seam)."""

from django.template.loader import render_to_string

from events.ticket_records import Order

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


def register() -> None:
    from members.membership_sections import register_section

    register_section("ticket-orders", membership_section)
