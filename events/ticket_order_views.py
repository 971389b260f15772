"""Buying tickets: /events/<slug>/register/, the order's page, paying and the local test checkout."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from events import questions, ticket_checkout, ticket_pay_later
from events.ticket_forms import MOST_ATTENDEES, attendee_forms
from events.ticket_offers import buyer_of, offers_for
from events.ticket_orders import Attendee, OrderRefused, place_order
from events.ticket_pay_later_emails import bank_details
from events.ticket_pay_later_records import terms_for
from events.ticket_records import Order
from events.ticket_waitlist_views import waitlist_context
from events.views.access import get_visible_event
from members import local_checkout
from members import stripe as card
from members.models import Plan


def _quantities(data, offers, user) -> tuple[list[int], Plan | None, str]:
    """The ticket type of each ticket asked for, in order, from the q-<id> boxes, and the plan
    joined or renewed with them for a member price; or an error."""
    chosen, dues_plan = [], None
    for offer in offers:
        raw = (data.get(f"q-{offer.ticket_type.pk}") or "0").strip()
        if not raw.isdigit():
            return [], None, _("Give how many tickets as a whole number.")
        count = int(raw)
        if count and not offer.may_buy:
            if not offer.via:
                problem = _("%(name)s tickets are for members in good standing.") % {
                    "name": offer.ticket_type.shown_name
                }
                return [], None, problem
            if not user.is_authenticated:
                return [], None, _("Sign in or create an account to join and pay the member price.")
            dues_plan = offer.plan
        chosen += [offer.ticket_type.pk] * count
    if not chosen:
        return [], None, _("Choose at least one ticket.")
    if len(chosen) > MOST_ATTENDEES:
        return [], None, _("At most %(n)d tickets in one order.") % {"n": MOST_ATTENDEES}
    return chosen, dues_plan, ""


@require_http_methods(["GET", "HEAD", "POST"])
def register(request, slug):
    event = get_visible_event(request.user, slug)
    types = list(event.ticket_types.prefetch_related("plans"))  # read once, for the offers and the order
    if not types:
        return redirect(event.get_absolute_url())  # a free event: the RSVP on its page, as ever
    now = timezone.now()
    unlock = (request.POST.get("unlock") or request.GET.get("code") or "").strip()
    offers = offers_for(event, buyer=buyer_of(request.user), unlock_code=unlock, now=now, types=types)
    context = {"event": event, "offers": offers, "unlock": unlock, "types": types, "now": now}
    if request.method != "POST":
        return _show(request, "events/tickets/register.html", context)
    chosen, dues_plan, problem = _quantities(request.POST, offers, request.user)
    if problem:
        messages.error(request, problem)
        return _show(request, "events/tickets/register.html", context, status=400)
    bound = request.POST if "a0-name" in request.POST else None
    forms = attendee_forms(bound, chosen, buyer=request.user, event=event)
    names = {offer.ticket_type.pk: offer.ticket_type.shown_name for offer in offers}
    for form, type_id in zip(forms, chosen, strict=True):
        form.ticket_name = names[type_id]
    context.update(attendees=forms, chosen=request.POST, discount=request.POST.get("discount", ""), dues_plan=dues_plan)
    if not forms[0].is_bound or not all(form.is_valid() for form in forms):
        return _show(request, "events/tickets/attendees.html", context, status=400 if forms[0].is_bound else 200)
    return _place(request, event, forms, chosen, unlock, context)


def _show(request, template, context, status=200):
    """Render a page of the register flow, with what only a page shows (seats left, the waitlist,
    paying later): a checkout that goes ahead reads none of it."""
    event, now = context["event"], context["now"]
    if "pay_later" not in context:
        context["pay_later"] = terms_for(event)
    context["closed_reason"] = event.rsvp_closed_reason(now)
    context.update(waitlist_context(event, request.user, context["offers"], now=now))
    return render(request, template, context, status=status)


def _place(request, event, forms, chosen, unlock, context):
    dues_plan = context["dues_plan"]
    attendees = [
        Attendee(
            ticket_type_id=type_id,
            name=form.cleaned_data["name"],
            email=form.cleaned_data["email"],
            answers=form.answers,
        )
        for form, type_id in zip(forms, chosen, strict=True)
    ]
    by_transfer = request.POST.get("pay") == "bank_transfer"
    if by_transfer:
        context["pay_later"] = terms_for(event)
    if by_transfer and (context["pay_later"] is None or dues_plan is not None):
        messages.error(request, _("This order cannot be paid later by bank transfer; please pay by card."))
        return _show(request, "events/tickets/attendees.html", context, status=400)
    buyer_email = request.user.email if request.user.is_authenticated else attendees[0].email
    buyer_name = request.user.get_full_name() if request.user.is_authenticated else attendees[0].name
    try:
        order = place_order(
            event=event, user=request.user, buyer_name=buyer_name or attendees[0].name, buyer_email=buyer_email,
            attendees=attendees, discount_code=request.POST.get("discount", ""), unlock_code=unlock,
            dues_plan=dues_plan, types=context["types"],
        )  # fmt: skip
    except OrderRefused as refusal:
        messages.error(request, refusal.message)
        return _show(request, "events/tickets/attendees.html", context, status=400)
    if order.is_paid:
        messages.success(request, _("Your tickets are confirmed. Each attendee gets their ticket by email."))
        return redirect(order.capability_url)
    if by_transfer:
        return _reserve(request, order)
    try:
        return redirect(ticket_checkout.start(order))
    except card.CardPaymentsUnavailable as refusal:
        messages.error(request, str(refusal))
        return redirect(order.capability_url)


def _reserve(request, order):
    try:
        ticket_pay_later.reserve(order_id=order.pk)
    except OrderRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Your seats are reserved. Pay by bank transfer as shown below; we emailed it too."))
    return redirect(order.capability_url)


def _order_context(order: Order) -> dict:
    lines = list(order.lines.select_related("ticket_type__event"))
    _attach_answers(order.event, lines)
    now = timezone.now()
    context = {"order": order, "event": order.event, "lines": lines, "holding": order.holds_seats(now), "now": now}
    if order.is_reserved:
        context.update(bank=bank_details(), reserved=order.held_until > now)
    if order.is_paid and order.dues_plan_id and order.user_id:
        member = getattr(order.user, "member", None)
        context["dues_through"] = member.paid_through() if member else None
    return context


def _attach_answers(event, lines) -> None:
    """Each line's answers as read (question, answer): from the attendee's RSVP once paid (they
    may have changed them since), else as given with the order."""
    asked = questions.asked(event)
    if not asked:
        return
    saved = questions.answers_of([line.rsvp_id for line in lines if line.rsvp_id], questions=asked)
    for line in lines:
        given = saved.get(line.rsvp_id, {}) if line.rsvp_id else {int(k): v for k, v in line.answers.items()}
        line.shown_answers = [
            (question.shown_text, questions.shown(question, given.get(question.pk), for_reader=True))
            for question in asked
        ]


@require_http_methods(["GET", "HEAD"])
def order_page(request, order_id):
    """The buyer's own order, signed in; anyone else is told there is no such order."""
    if not request.user.is_authenticated:
        raise Http404(_("No such order."))
    order = get_object_or_404(Order.objects.select_related("event"), pk=order_id, user=request.user)
    return render(request, "events/tickets/order.html", _order_context(order))


@require_http_methods(["GET", "HEAD"])
def order_link(request, token):
    """The order reached by its capability link (the buyer's key, from the email and the checkout)."""
    order = get_object_or_404(Order.objects.select_related("event"), token=token)
    return render(request, "events/tickets/order.html", _order_context(order))


@require_POST
def order_pay(request, token):
    """Pay a held order again (after a cancelled or declined attempt), while its hold lasts."""
    order = get_object_or_404(Order, token=token)
    if not order.holds_seats(timezone.now()):
        messages.error(request, _("This order is no longer waiting for payment."))
        return redirect(order.capability_url)
    try:
        return redirect(ticket_checkout.start(order))
    except card.CardPaymentsUnavailable as refusal:
        messages.error(request, str(refusal))
        return redirect(order.capability_url)


@require_http_methods(["GET", "HEAD", "POST"])
def order_test_checkout(request, token):
    """The local test checkout for a ticket order (DEBUG, no Stripe keys): pay, or decline the card."""
    if not card.uses_local_checkout():
        raise Http404(_("The local test checkout is off."))
    order = get_object_or_404(Order.objects.select_related("event"), token=token)
    if not card.is_local_id(order.stripe_checkout_session_id) or not order.is_held:
        return redirect(order.capability_url)
    if request.method == "POST":
        if request.POST.get("action") == "decline":
            messages.error(request, _("The card was declined, so nothing was charged. Your seats stay held meanwhile."))
            return redirect(order.capability_url)
        local_checkout.pay_session(ticket_checkout.local_session(order, paid=True))
        return redirect(order.capability_url)
    return render(request, "events/tickets/test_checkout.html", _order_context(order))
