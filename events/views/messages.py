"""The messages section of an event's organiser page: write to the attendees (now, as a
test to oneself, or later), cancel a scheduled one, and the progress fragment that
the page's script polls (a GET that changes nothing)."""

from django.contrib import messages as flash
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from events.mail_scope import SEGMENT_SOURCE
from events.message_form import MessageForm
from events.models import Event
from events.views.access import get_event_for_organiser
from events.views.manage import dashboard_context, fan_out_context
from members.roles import ORGANISER, role_required
from notifications import kinds
from notifications import messages as attendee_messages
from notifications.announcements import AnnouncementError
from notifications.outbox import Category

organiser_only = role_required(ORGANISER)


def segment_prefix(event: Event) -> str:
    return f"{SEGMENT_SOURCE}:event:{event.pk}:"


def _section(event: Event) -> str:
    return reverse("events:manage-event", args=[event.slug]) + "#messages"


@organiser_only
@require_POST
def message_send(request, slug):
    """One form, three buttons: "test" (to me), "schedule" (at send_at) or send now."""
    event = get_event_for_organiser(request.user, slug)
    form = MessageForm(request.POST, event=event)
    if not form.is_valid():
        context = dashboard_context(event, message_form=form)
        return render(request, "events/manage/dashboard.html", context, status=400)
    data = form.cleaned_data
    category = Category.TRANSACTIONAL if kinds.is_operational(data["kind"]) else Category.INVITATIONS
    draft = attendee_messages.Draft(data["subject"], data["body"], data["kind"], form.segment, category)
    try:
        if "test" in request.POST:
            attendee_messages.send_test(draft, by=request.user)
            done = _("A test is on its way to %(email)s. It is not sent to anyone else.") % {
                "email": request.user.email
            }
        elif "schedule" in request.POST:
            attendee_messages.schedule(draft, send_at=data["send_at"], by=request.user)
            done = _("The message is scheduled. You can cancel it below until it goes out.")
        else:
            attendee_messages.send_now(draft, by=request.user)
            done = _("The message is being sent. The progress below updates as it goes out.")
    except AnnouncementError as refusal:
        flash.error(request, str(refusal))
    else:
        flash.success(request, done)
    return redirect(_section(event))


@organiser_only
@require_POST
def message_cancel(request, slug, pk):
    event = get_event_for_organiser(request.user, slug)
    try:
        attendee_messages.cancel(announcement_id=pk, by=request.user, segment_prefix=segment_prefix(event))
    except AnnouncementError as refusal:
        flash.error(request, str(refusal))
    else:
        flash.success(request, _("The scheduled message is cancelled; it will not be sent."))
    return redirect(_section(event))


@organiser_only
@require_safe
def progress(request, slug):
    """The fan-outs of the event's page (invitations and messages), as a fragment."""
    event = get_event_for_organiser(request.user, slug)
    return render(request, "events/manage/_fan_outs.html", fan_out_context(event))
