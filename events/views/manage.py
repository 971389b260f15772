"""Organisers' pages under /manage/events/: 403 for people without the Organiser
role, 404 for events they do not organise."""

from django.contrib import messages
from django.db.models import Count, Q, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from events import door_helpers, export, history, invitations, organising, question_lists, rsvp
from events.forms import CancelForm, DoorHelperForm, EventForm, InviteForm, RescheduleForm
from events.mail_scope import SEGMENT_SOURCE
from events.message_form import MessageForm
from events.models import RSVP, Event
from events.views.access import get_event_for_organiser
from members.roles import ORGANISER, role_required
from notifications import fanout
from notifications import messages as attendee_messages

organiser_only = role_required(ORGANISER)


@organiser_only
@require_safe
def manage_list(request):
    now = timezone.now()
    events = Event.objects.organised_by(request.user)
    upcoming = events.filter(ends_at__gte=now).order_by("starts_at")
    past = events.filter(ends_at__lt=now).order_by("-starts_at")[:20]
    return render(request, "events/manage/list.html", {"upcoming": upcoming, "past": past})


@organiser_only
@require_http_methods(["GET", "HEAD", "POST"])
def event_create(request):
    form = EventForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        event = organising.create_event(
            details=form.changes(), organisers=form.cleaned_data["organisers"], by=request.user
        )
        messages.success(request, _("The event is saved as a draft. Publish it when it is ready."))
        return redirect("events:manage-event", slug=event.slug)
    return render(request, "events/manage/form.html", {"form": form, "event": None})


@organiser_only
@require_http_methods(["GET", "HEAD", "POST"])
def event_edit(request, slug):
    event = get_event_for_organiser(request.user, slug)
    form = EventForm(request.POST or None, request.FILES or None, instance=Event.objects.get(pk=event.pk))
    if request.method == "POST" and form.is_valid():
        organisers = {*form.cleaned_data["organisers"], request.user}
        try:
            organising.update_event(event_id=event.pk, changes=form.changes(), organisers=organisers, by=request.user)
        except organising.EventChangeRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect("events:manage-event", slug=event.slug)
    return render(request, "events/manage/form.html", {"form": form, "event": event})


def _rsvp_counts(event: Event) -> dict:
    people = Sum("guests", filter=Q(status=RSVP.Status.YES))
    counts = dict.fromkeys(RSVP.Status.values, 0)
    rows = event.rsvps.values("status").annotate(n=Count("pk"))
    counts.update({row["status"]: row["n"] for row in rows})
    counts["guests"] = event.rsvps.aggregate(g=people)["g"] or 0
    return counts


@organiser_only
@require_safe
def event_dashboard(request, slug):
    event = get_event_for_organiser(request.user, slug)
    return render(request, "events/manage/dashboard.html", dashboard_context(event))


def fan_out_context(event: Event) -> dict:
    """The invitations and messages of the event, with how far each has got."""
    sent = list(event.invitations.select_related("past_event", "created_by")[:10])
    progress = invitations.progress(sent)
    for invitation in sent:
        invitation.progress = progress.get(invitation.pk)
    sent_messages = attendee_messages.for_segments(f"{SEGMENT_SOURCE}:event:{event.pk}:")
    passes = [(key.split(":")[2], job) for key, job in fanout.progress_starting(f"event-reminders:{event.pk}:")]
    invitations_running = any(i.progress is None or i.progress.running for i in sent)
    messages_running = any(m.status == "sending" or m.waiting for m in sent_messages)
    return {
        "event": event,
        "invitations": sent,
        "deliveries": invitations.delivery_counts(event),
        "attendee_messages": sent_messages,
        "invitations_running": invitations_running,
        "messages_running": messages_running,
        "reminder_passes": passes,
        "reminders_running": any(job.running for _label, job in passes),
    }


def dashboard_context(event: Event, invite_form: InviteForm | None = None, door_form=None, message_form=None) -> dict:
    return {
        **fan_out_context(event),
        "message_form": message_form or MessageForm(event=event),
        "counts": _rsvp_counts(event),
        "seats_taken": rsvp.seats_taken(event),
        "seats_left": rsvp.seats_left(event),
        "invite_form": invite_form or InviteForm(event=event),
        "door_helpers": list(door_helpers.helpers_of(event)),
        "door_form": door_form or DoorHelperForm(),
        "history": history.recent(event),
        "now": timezone.now(),
    }


@organiser_only
@require_POST
def event_invite(request, slug):
    event = get_event_for_organiser(request.user, slug)
    form = InviteForm(request.POST, event=event)
    if form.is_valid():
        data = form.cleaned_data
        try:
            invitations.invite(
                event=event,
                segment=data["segment"],
                by=request.user,
                past_event=data.get("past_event"),
                emails=data.get("email_list"),
            )
        except invitations.InvitationRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("The invitations are being sent. The counts below update as they go out."))
        return redirect(reverse("events:manage-event", args=[event.slug]) + "#invitations")
    return render(request, "events/manage/dashboard.html", dashboard_context(event, invite_form=form), status=400)


@organiser_only
@require_POST
def door_helper_add(request, slug):
    event = get_event_for_organiser(request.user, slug)
    form = DoorHelperForm(request.POST)
    if form.is_valid():
        try:
            helper = door_helpers.add_door_helper(event=event, email=form.cleaned_data["email"], by=request.user)
        except door_helpers.DoorHelperRefused as refusal:
            form.add_error("email", refusal.message)
        else:
            messages.success(
                request,
                _("%(email)s can now check people in at this event's door, and nothing else.")
                % {"email": helper.email},
            )
            return redirect(reverse("events:manage-event", args=[event.slug]) + "#door-helpers")
    return render(request, "events/manage/dashboard.html", dashboard_context(event, door_form=form), status=400)


@organiser_only
@require_POST
def door_helper_remove(request, slug, user_id):
    event = get_event_for_organiser(request.user, slug)
    helper = get_object_or_404(event.door_helpers, pk=user_id)
    try:
        door_helpers.remove_door_helper(event=event, user=helper, by=request.user)
    except door_helpers.DoorHelperRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("%(email)s is no longer a door helper for this event.") % {"email": helper.email})
    return redirect(reverse("events:manage-event", args=[event.slug]) + "#door-helpers")


def _act(request, event: Event, action, success: str):
    try:
        action()
    except organising.EventChangeRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, success)
    return redirect("events:manage-event", slug=event.slug)


@organiser_only
@require_POST
def event_publish(request, slug):
    event = get_event_for_organiser(request.user, slug)
    return _act(
        request,
        event,
        lambda: organising.publish(event_id=event.pk, by=request.user),
        _("Published: the event is on the public list and takes answers."),
    )


@organiser_only
@require_POST
def event_duplicate(request, slug):
    event = get_event_for_organiser(request.user, slug)
    copy = organising.duplicate(event_id=event.pk, by=request.user)
    messages.success(request, _("This is a new draft copied from the event. Set its date and title, then publish it."))
    return redirect("events:manage-edit", slug=copy.slug)


@organiser_only
@require_http_methods(["GET", "HEAD", "POST"])
def event_cancel(request, slug):
    event = get_event_for_organiser(request.user, slug)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        message = form.cleaned_data["message"]
        done = _("Cancelled. Everyone invited or answering is being told by email.")
        return _act(
            request, event, lambda: organising.cancel(event_id=event.pk, message=message, by=request.user), done
        )
    return render(request, "events/manage/cancel.html", {"event": event, "form": form})


@organiser_only
@require_http_methods(["GET", "HEAD", "POST"])
def event_reschedule(request, slug):
    event = get_event_for_organiser(request.user, slug)
    form = RescheduleForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def move():
            organising.reschedule(
                event_id=event.pk,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                message=data["message"],
                by=request.user,
            )

        done = _("The date is changed. People who answered are being told, with an updated calendar entry.")
        return _act(request, event, move, done)
    return render(request, "events/manage/reschedule.html", {"event": event, "form": form})


@organiser_only
@require_safe
def rsvp_list(request, slug):
    event = get_event_for_organiser(request.user, slug)
    asked = question_lists.columns(event)
    narrowed = question_lists.parse_filter(asked, request.GET)
    if narrowed.problem:
        messages.error(request, narrowed.problem)
    rsvps = list(narrowed.apply(event.rsvps.select_related("user")).order_by("name", "email"))
    waitlist = list(narrowed.apply(event.rsvps.waitlist()))
    question_lists.attach([*rsvps, *waitlist], asked, question_lists.answers_at(event, asked))
    shown = (RSVP.Status.YES, RSVP.Status.MAYBE, RSVP.Status.NO, RSVP.Status.INVITED)
    groups = [(status, RSVP.Status(status).label, [r for r in rsvps if r.status == status]) for status in shown]
    choice_filters, text_questions = question_lists.filter_options(asked)
    context = {
        "event": event,
        "groups": groups,
        "waitlist": waitlist,
        "questions": asked,
        "answer_filter": narrowed,
        "choice_filters": choice_filters,
        "text_questions": text_questions,
        "counts": _rsvp_counts(event),
        "seats_taken": rsvp.seats_taken(event),
        "seats_left": rsvp.seats_left(event),
    }
    return render(request, "events/manage/rsvps.html", context)


@organiser_only
@require_POST
def rsvp_csv(request, slug):
    """A POST: handing out the answers is an audited action, and a GET changes nothing."""
    event = get_event_for_organiser(request.user, slug)
    response = HttpResponse(export.rsvps_csv(event, by=request.user), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{event.slug}-rsvps.csv"'
    return response
