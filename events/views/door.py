"""Check-in at the door: the searchable list, one press to mark arrived or undo,
and the page an organiser's phone opens from an attendee's QR code.

The event's organisers and the door helpers they named work these pages; a door
helper opens nothing else under /manage/ (events/door_helpers.py)."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from events import checkin, question_lists, questions
from events.views.access import doors_for, get_event_for_door, may_work_door, refuse_door
from members.roles import DOOR_HELPER, ORGANISER, is_organiser, role_required

door_staff_only = role_required(ORGANISER, DOOR_HELPER)


@door_staff_only
@require_safe
def door_lists(request):
    """Where the Manage link takes a door helper: the doors they may work, soonest first."""
    events = doors_for(request.user, now=timezone.now())
    return render(request, "events/manage/door_lists.html", {"events": events})


@door_staff_only
@require_safe
def door_list(request, slug):
    event = get_event_for_door(request.user, slug)
    search = request.GET.get("q", "").strip()[:100]
    asked = question_lists.door_questions(event)
    rsvps = list(checkin.door_list(event, search=search))
    question_lists.attach(rsvps, asked, question_lists.answers_at(event, asked))
    context = {
        "event": event,
        "search": search,
        "rsvps": rsvps,
        "door_questions": asked,
        "columns": 4 + len(asked),
        "counts": checkin.door_counts(event),
        "organises": is_organiser(request.user) and may_work_door(request.user, event),
    }
    return render(request, "events/manage/check_in.html", context)


@door_staff_only
@require_POST
def door_mark(request, slug, rsvp_id):
    """Mark one person arrived, or undo it (`undo=1`), and go back to the list as it was."""
    event = get_event_for_door(request.user, slug)
    try:
        if request.POST.get("undo") == "1":
            person = checkin.undo_check_in(event=event, rsvp_id=rsvp_id, by=request.user)
            messages.success(request, _("%(name)s is no longer marked arrived.") % {"name": person.display_name})
        else:
            person = checkin.check_in(event=event, rsvp_id=rsvp_id, by=request.user)
            messages.success(request, _("%(name)s has arrived.") % {"name": person.display_name})
    except checkin.CheckInRefused as refusal:
        messages.error(request, refusal.message)
    search = request.POST.get("q", "").strip()[:100]
    url = reverse("events:check-in", args=[event.slug])
    query = f"?{urlencode({'q': search})}" if search else ""
    return redirect(f"{url}{query}#rsvp-{rsvp_id}")


@door_staff_only
@require_http_methods(["GET", "HEAD", "POST"])
def door_code(request, code):
    """The page an attendee's QR code opens: shows who it is; one press checks them in."""
    person = checkin.rsvp_for_code(code)
    if person is None:
        raise Http404(_("This check-in code is not for one of your events."))
    event = person.event
    if not may_work_door(request.user, event):
        refuse_door(request.user)
    if request.method == "POST":
        try:
            person = checkin.check_in(event=event, rsvp_id=person.pk, by=request.user)
            messages.success(request, _("%(name)s has arrived.") % {"name": person.display_name})
        except checkin.CheckInRefused as refusal:
            messages.error(request, refusal.message)
        return redirect(request.path)
    asked = question_lists.door_questions(event)
    question_lists.attach([person], asked, questions.answers_of([person.pk], questions=asked))
    door_answers = list(zip(asked, person.answers_shown, strict=True))
    context = {"event": event, "person": person, "door_answers": door_answers}
    return render(request, "events/manage/check_in_code.html", context)
