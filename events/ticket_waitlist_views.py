"""Joining a sold-out paid event's waitlist: /events/<slug>/waitlist/ (POST only); leaving it
signed in (/events/<slug>/waitlist/leave/) or by the link in one's waitlist email."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from events import ticket_waitlist, ticket_waitlist_leave
from events.ticket_holds import seats_left, taken_by_type
from events.ticket_orders import OrderRefused
from events.ticket_waitlist_records import waiting_claims
from events.views.access import get_visible_event


class WaitlistForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    email = forms.EmailField(label=gettext_lazy("Email"))
    ticket_type = forms.IntegerField(required=False, widget=forms.HiddenInput)


def waitlist_form(user) -> WaitlistForm:
    """The form on a sold-out event's register page, filled for a signed-in member (one click)."""
    if getattr(user, "is_authenticated", False):
        return WaitlistForm(initial={"name": user.get_full_name(), "email": user.email})
    return WaitlistForm()


def waitlist_context(event, user, offers, *, now) -> dict:
    """What the register page shows of the waitlist: the form when the event, or a ticket type
    offered to this visitor, is sold out."""
    mine = ticket_waitlist_leave.open_entry_of(event.pk, user)
    if mine is not None:
        return {"show_waitlist": False, "my_waitlist_entry": mine, "waitlist_position": ticket_waitlist.position(mine)}
    left = seats_left(event, now=now)
    taken = taken_by_type(event.pk, now=now)
    if left is not None:  # what a buyer may take: the waitlist has first claim on freed seats
        left = max(left - waiting_claims(event.pk, taken=taken), 0)
    shown = [offer.ticket_type for offer in offers if not offer.ticket_type.is_free]
    if left is not None and left <= 0:
        sold_out = shown
    else:
        sold_out = [t for t in shown if t.quantity is not None and taken[t.pk] >= t.quantity]
    if not sold_out:
        return {"show_waitlist": False, "seats_left": left}
    return {
        "seats_left": left,
        "show_waitlist": True,
        "waitlist_form": waitlist_form(user),
        "sold_out_types": sold_out,
        "offer_hours": settings.TICKET_OFFER_HOURS,
    }


@require_POST
def waitlist_join(request, slug):
    event = get_visible_event(request.user, slug)
    data = request.POST.copy()
    if request.user.is_authenticated:  # a member joins as themselves
        data["email"] = request.user.email
        data["name"] = data.get("name") or request.user.get_full_name() or request.user.email
    form = WaitlistForm(data)
    if not form.is_valid():
        messages.error(request, _("Give a name and a valid email address to join the waitlist."))
        return redirect("events:register", slug=event.slug)
    type_id = form.cleaned_data["ticket_type"]
    ticket_type = event.ticket_types.filter(pk=type_id).first() if type_id else None
    if type_id and ticket_type is None:
        messages.error(request, _("That ticket is not offered for this event."))
        return redirect("events:register", slug=event.slug)
    try:
        entry = ticket_waitlist.join(
            event=event, name=form.cleaned_data["name"], email=form.cleaned_data["email"], user=request.user,
            ticket_type=ticket_type,
        )  # fmt: skip
    except OrderRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("events:register", slug=event.slug)
    messages.success(
        request,
        _("You are on the waitlist, number %(n)d in line. If a seat is freed we email you a link to pay for it.")
        % {"n": ticket_waitlist.position(entry)},
    )
    return redirect("events:register", slug=event.slug)


def _left_message(request, left: bool) -> None:
    if left:
        messages.success(request, _("You have left the waitlist. Any seat held for you goes to the next in line."))
    else:
        messages.info(request, _("You are no longer on this waitlist."))


@require_POST
def waitlist_leave(request, slug):
    """A signed-in person leaves the waitlist of this event."""
    event = get_visible_event(request.user, slug)
    entry = ticket_waitlist_leave.open_entry_of(event.pk, request.user)
    _left_message(request, entry is not None and ticket_waitlist_leave.leave(entry_id=entry.pk))
    return redirect("events:register", slug=event.slug)


@require_http_methods(["GET", "HEAD", "POST"])
def waitlist_leave_link(request, token):
    """The link in a waitlist email: a GET shows what leaving means; the button POSTs it."""
    entry = ticket_waitlist_leave.entry_for_token(token)
    if entry is None:
        raise Http404(_("This waitlist link is not known."))
    if request.method == "POST":
        _left_message(request, ticket_waitlist_leave.leave(entry_id=entry.pk))
        return redirect(request.path)
    context = {"entry": entry, "event": entry.event, "waiting": entry.status in entry.OPEN}
    return render(request, "events/tickets/waitlist_leave.html", context)
