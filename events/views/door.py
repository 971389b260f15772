"""Check-in at the door: the searchable list, one press to mark arrived or undo,
and the page an organiser's phone opens from an attendee's QR code."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from events import checkin
from events.views.access import get_event_for_organiser, is_event_organiser
from events.views.manage import organiser_only


@organiser_only
@require_safe
def door_list(request, slug):
    event = get_event_for_organiser(request.user, slug)
    search = request.GET.get("q", "").strip()[:100]
    context = {
        "event": event,
        "search": search,
        "rsvps": checkin.door_list(event, search=search),
        "counts": checkin.door_counts(event),
    }
    return render(request, "events/manage/check_in.html", context)


@organiser_only
@require_POST
def door_mark(request, slug, rsvp_id):
    """Mark one person arrived, or undo it (`undo=1`), and go back to the list as it was."""
    event = get_event_for_organiser(request.user, slug)
    try:
        if request.POST.get("undo") == "1":
            person = checkin.undo_check_in(event=event, rsvp_id=rsvp_id, by=request.user)
            messages.success(request, f"{person.display_name} is no longer marked arrived.")
        else:
            person = checkin.check_in(event=event, rsvp_id=rsvp_id, by=request.user)
            messages.success(request, f"{person.display_name} has arrived.")
    except checkin.CheckInRefused as refusal:
        messages.error(request, refusal.message)
    search = request.POST.get("q", "").strip()[:100]
    url = reverse("events:check-in", args=[event.slug])
    query = f"?{urlencode({'q': search})}" if search else ""
    return redirect(f"{url}{query}#rsvp-{rsvp_id}")


@organiser_only
@require_http_methods(["GET", "HEAD", "POST"])
def door_code(request, code):
    """The page an attendee's QR code opens: shows who it is; one press checks them in."""
    person = checkin.rsvp_for_code(code)
    if person is None or not is_event_organiser(request.user, person.event):
        raise Http404("This check-in code is not for one of your events.")
    event = person.event
    if request.method == "POST":
        try:
            person = checkin.check_in(event=event, rsvp_id=person.pk, by=request.user)
            messages.success(request, f"{person.display_name} has arrived.")
        except checkin.CheckInRefused as refusal:
            messages.error(request, refusal.message)
        return redirect(request.path)
    return render(request, "events/manage/check_in_code.html", {"event": event, "person": person})
