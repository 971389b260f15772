"""Cancelling paid tickets for a refund: the buyer's order by its link, or one attendee's
ticket from their /r/<token>/ page. GET shows what would be refunded; POST does it."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from events import ticket_cancel
from events.models import RSVP
from events.ticket_orders import OrderRefused
from events.ticket_records import Order, OrderLine

TEMPLATE = "events/tickets/cancel.html"


def _confirm_or_cancel(request, order: Order, lines: list[OrderLine], *, line_id, back: str):
    policy = ticket_cancel.policy_of(order.event)
    if request.method == "POST":
        try:
            refund = ticket_cancel.cancel_tickets(order_id=order.pk, line_id=line_id)
        except OrderRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(
                request,
                _("Cancelled. The refund is on its way to the card that paid, and the buyer is told by email.")
                if refund.amount_cents
                else _("Cancelled. Nothing was left to refund after the cancellation fee."),
            )
        return redirect(back)
    refund, fee = ticket_cancel.quote(order, lines, policy)
    context = {
        "order": order, "event": order.event, "lines": lines, "refund_cents": refund, "fee_cents": fee,
        "allowed": order.is_paid and order.refundable_by_card and bool(lines) and policy.allows(timezone.now()),
        "policy": policy,
        "deadline": ticket_cancel.deadline_text(order.event, policy), "back": back,
    }  # fmt: skip
    return render(request, TEMPLATE, context)


@require_http_methods(["GET", "HEAD", "POST"])
def order_cancel(request, token):
    """The buyer cancels their whole order (or, with `line`, one attendee's ticket) by its link."""
    order = get_object_or_404(Order.objects.select_related("event"), token=token)
    raw = request.POST.get("line") or request.GET.get("line") or ""
    line_id = int(raw) if raw.isdigit() else None
    lines = [line for line in ticket_cancel.open_lines(order) if line_id is None or line.pk == line_id]
    return _confirm_or_cancel(request, order, lines, line_id=line_id, back=order.capability_url)


@require_http_methods(["GET", "HEAD", "POST"])
def rsvp_ticket_cancel(request, token):
    """An attendee cancels their own ticket from their /r/<token>/ link."""
    rsvp = get_object_or_404(RSVP, token=token)
    line = OrderLine.objects.select_related("order__event").filter(rsvp=rsvp, refunds__isnull=True).first()
    if line is None:
        raise Http404(_("There is no ticket to cancel."))
    lines = [line] if line.order.is_paid else []
    return _confirm_or_cancel(request, line.order, lines, line_id=line.pk, back=rsvp.get_absolute_url())
