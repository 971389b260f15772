"""Pay later and receipts: the organiser's pay-later terms on the ticket page, and an order's
printable receipt (/events/orders/<id>/receipt/, the buyer and staff only)."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from events import ticket_pay_later
from events.ticket_pay_later_records import PayLaterTerms
from events.ticket_records import Order
from events.views.access import get_event_for_organiser, is_event_organiser
from members.roles import ORGANISER, is_treasurer, role_required


class PayLaterForm(forms.ModelForm):
    class Meta:
        model = PayLaterTerms
        fields = ["allowed", "days"]


def pay_later_form(event) -> PayLaterForm:
    return PayLaterForm(instance=PayLaterTerms.objects.filter(event=event).first(), prefix="pay-later")


@role_required(ORGANISER)
@require_POST
def pay_later_terms(request, slug):
    event = get_event_for_organiser(request.user, slug)
    form = PayLaterForm(request.POST, prefix="pay-later")
    if not form.is_valid():
        errors = form.errors.get("days") or [_("Please correct the pay-later settings.")]
        messages.error(request, " ".join(errors))
        return redirect("events:manage-tickets", slug=event.slug)
    data = form.cleaned_data
    ticket_pay_later.set_terms(event=event, allowed=data["allowed"], days=data["days"], by=request.user)
    if data["allowed"]:
        messages.success(request, _("Buyers may now pay later by bank transfer."))
    else:
        messages.success(request, _("Buyers now pay by card only."))
    return redirect("events:manage-tickets", slug=event.slug)


def _may_see_receipt(user, order: Order) -> bool:
    if not user.is_authenticated:
        return False
    return order.user_id == user.pk or is_treasurer(user) or is_event_organiser(user, order.event)


@require_safe
def order_receipt(request, order_id):
    """A paid order's printable receipt: its buyer, the treasurer and the event's organisers;
    anyone else is told there is no such receipt."""
    order = Order.objects.select_related("event", "discount_code").filter(pk=order_id).first()
    if order is None or not order.is_paid or not _may_see_receipt(request.user, order):
        raise Http404(_("No such receipt."))
    return _receipt(request, order)


@require_safe
def order_receipt_link(request, token):
    """The receipt reached by the order's capability link (a buyer who did not sign in)."""
    order = get_object_or_404(Order.objects.select_related("event", "discount_code"), token=token)
    if not order.is_paid:
        raise Http404(_("No such receipt."))
    return _receipt(request, order)


def _receipt(request, order: Order):
    lines = list(order.lines.select_related("ticket_type__event"))
    context = {
        "order": order,
        "event": order.event,
        "lines": lines,
        "subtotal_cents": sum(line.price_cents for line in lines),
        "paid_by_transfer": bool(order.bank_reference),
    }
    return render(request, "events/tickets/receipt.html", context)
