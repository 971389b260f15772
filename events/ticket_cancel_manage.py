"""The organiser's refund settings of a ticketed event: /manage/events/<slug>/tickets/refunds/,
with the event's waitlist beside them (and withdrawing an offer)."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from events import ticket_cancel, ticket_transfer_returns, ticket_waitlist
from events.forms import LocalDateTimeField, aware_in_zone, wall_clock
from events.ticket_orders import OrderRefused
from events.ticket_refund_records import RefundPolicy
from events.ticket_waitlist_records import WaitlistEntry
from events.views.access import get_event_for_organiser
from members.roles import ORGANISER, role_required

organiser_only = role_required(ORGANISER)


class RefundPolicyForm(forms.Form):
    deadline = LocalDateTimeField(
        label=gettext_lazy("Attendees may cancel for a refund until"),
        required=False,
        help_text=gettext_lazy("On the event's own clock. Blank: attendees cannot cancel for a refund."),
    )
    fee_kind = forms.ChoiceField(label=gettext_lazy("Cancellation fee"), choices=RefundPolicy.FeeKind.choices)
    fee_value = forms.IntegerField(
        label=gettext_lazy("Fee"), min_value=0, initial=0, help_text=gettext_lazy("Cents per ticket, or a percentage.")
    )

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event

    def clean(self):
        data = super().clean()
        if data.get("deadline"):
            try:
                data["deadline"] = aware_in_zone(data["deadline"], self.event.time_zone)
            except forms.ValidationError as error:
                self.add_error("deadline", error)
        if data.get("fee_kind") == RefundPolicy.FeeKind.PERCENT and (data.get("fee_value") or 0) > 100:
            self.add_error("fee_value", _("A fee in percent is at most 100."))
        return data


def _initial(event, policy: RefundPolicy) -> dict:
    return {
        "deadline": wall_clock(policy.deadline, event.time_zone),
        "fee_kind": policy.fee_kind,
        "fee_value": policy.fee_value,
    }


@organiser_only
@require_http_methods(["GET", "HEAD", "POST"])
def refunds_page(request, slug):
    event = get_event_for_organiser(request.user, slug)
    policy = ticket_cancel.policy_of(event)
    form = RefundPolicyForm(request.POST or None, event=event, initial=_initial(event, policy))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket_cancel.set_policy(
                event=event, deadline=data["deadline"], fee_kind=data["fee_kind"], fee_value=data["fee_value"],
                by=request.user,
            )  # fmt: skip
        except OrderRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("The refund settings are saved."))
            return redirect("events:manage-ticket-refunds", slug=event.slug)
    waitlist = list(
        WaitlistEntry.objects.filter(event=event, status__in=WaitlistEntry.OPEN).select_related("ticket_type", "offer")
    )
    context = {"event": event, "form": form, "waitlist": waitlist}
    context["transfers_owed"] = list(ticket_transfer_returns.owed(event.pk))
    return render(request, "events/tickets/refunds.html", context, status=400 if form.errors else 200)


@organiser_only
@require_POST
def offer_withdraw(request, slug, entry_id):
    event = get_event_for_organiser(request.user, slug)
    entry = get_object_or_404(WaitlistEntry, pk=entry_id, event=event)
    if ticket_waitlist.withdraw_offer(entry=entry, by=request.user, reason=request.POST.get("reason", "")):
        messages.success(request, _("The offer is withdrawn; its seat goes to the next in line."))
    else:
        messages.error(request, _("That offer is no longer open."))
    return redirect("events:manage-ticket-refunds", slug=event.slug)
