"""Organisers' ticket pages: /manage/events/<slug>/tickets/ (ticket types and discount codes)."""

from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from events import ticket_types
from events.ticket_forms import DiscountCodeForm, TicketTypeForm
from events.ticket_holds import seats_left, taken_by_type
from events.ticket_pay_later_views import pay_later_form
from events.ticket_records import Order, TicketType
from events.views.access import get_event_for_organiser
from members.roles import ORGANISER, role_required

organiser_only = role_required(ORGANISER)


def _page(request, event, *, type_form=None, code_form=None, status=200):
    now = timezone.now()
    types = list(event.ticket_types.prefetch_related("plans"))
    taken = taken_by_type(event.pk, now=now)
    for ticket_type in types:
        ticket_type.taken = taken[ticket_type.pk]
    context = {
        "event": event,
        "ticket_types": types,
        "discount_codes": list(event.discount_codes.prefetch_related("ticket_types")),
        "seats_left": seats_left(event, now=now),
        "orders": _order_numbers(event, now=now),
        "type_form": type_form or TicketTypeForm(event=event),
        "code_form": code_form or DiscountCodeForm(event=event),
        "pay_later_form": pay_later_form(event),
    }
    return render(request, "events/tickets/manage.html", context, status=status)


def _order_numbers(event, *, now) -> dict:
    """Orders by state and the ticket money received (paid orders, after discounts), in one query."""
    paid = Q(status=Order.Status.PAID)
    return event.orders.aggregate(
        paid=Count("pk", filter=paid),
        received=Sum("total_cents", filter=paid, default=0),
        holding=Count("pk", filter=Q(status=Order.Status.HELD, held_until__gt=now)),
        reserved=Count("pk", filter=Q(status=Order.Status.RESERVED, held_until__gt=now)),
        refunded=Count("pk", filter=Q(status=Order.Status.REFUNDED)),
    )


@organiser_only
@require_http_methods(["GET", "HEAD", "POST"])
def ticket_types_page(request, slug):
    event = get_event_for_organiser(request.user, slug)
    if request.method != "POST":
        return _page(request, event)
    form = TicketTypeForm(request.POST, event=event)
    if not form.is_valid():
        return _page(request, event, type_form=form, status=400)
    ticket_types.create_ticket_type(
        event=event, details=form.details(), plans=form.cleaned_data["plans"], by=request.user
    )
    messages.success(request, _("The ticket type is added."))
    return redirect("events:manage-tickets", slug=event.slug)


@organiser_only
@require_http_methods(["GET", "HEAD", "POST"])
def ticket_type_edit(request, slug, ticket_type_id):
    event = get_event_for_organiser(request.user, slug)
    ticket_type = get_object_or_404(TicketType, pk=ticket_type_id, event=event)
    form = TicketTypeForm(request.POST or None, instance=ticket_type, event=event)
    if request.method == "POST" and form.is_valid():
        ticket_types.update_ticket_type(
            ticket_type_id=ticket_type.pk, details=form.details(), plans=form.cleaned_data["plans"], by=request.user
        )
        messages.success(request, _("Your changes are saved."))
        return redirect("events:manage-tickets", slug=event.slug)
    status = 400 if request.method == "POST" else 200
    context = {"event": event, "ticket_type": ticket_type, "form": form}
    return render(request, "events/tickets/edit.html", context, status=status)


@organiser_only
@require_POST
def ticket_type_remove(request, slug, ticket_type_id):
    event = get_event_for_organiser(request.user, slug)
    ticket_type = get_object_or_404(TicketType, pk=ticket_type_id, event=event)
    try:
        ticket_types.remove_ticket_type(ticket_type_id=ticket_type.pk, by=request.user)
    except ticket_types.TicketTypeRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("The ticket type is removed."))
    return redirect("events:manage-tickets", slug=event.slug)


@organiser_only
@require_POST
def discount_code_add(request, slug):
    event = get_event_for_organiser(request.user, slug)
    form = DiscountCodeForm(request.POST, event=event)
    if not form.is_valid():
        return _page(request, event, code_form=form, status=400)
    ticket_types.create_discount_code(
        event=event, details=form.details(), ticket_types=form.cleaned_data["ticket_types"], by=request.user
    )
    messages.success(request, _("The discount code is added."))
    return redirect("events:manage-tickets", slug=event.slug)
