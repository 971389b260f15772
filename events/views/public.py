"""Public pages: the list of events, one event with its RSVP control, calendar files."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from config.client_ip import client_ip
from events import calendar_links, calendars, questions, rsvp, ticket_holds
from events.forms import AnswerForm, VisitorAnswerForm
from events.models import CalendarFeed, Event
from events.text import plain_text, render_markdown
from events.views.access import get_visible_event, is_event_organiser, viewer_rsvp

PAST_SHOWN = 12
# Visitors' answers send an email each: at most this many from one address an hour.
VISITOR_ANSWERS_PER_HOUR = 20


@require_safe
def event_list(request):
    now = timezone.now()
    listed = Event.objects.listed()
    feed_url = calendars.absolute(reverse("events:feed"))
    context = {
        "feed_url": feed_url,
        "feed_links": calendar_links.subscribe(feed_url),
        "upcoming": list(listed.upcoming(now=now)),
        "past": list(listed.past(now=now)[:PAST_SHOWN]),
        "now": now,
        **calendars.feed_context(request.user),
    }
    return render(request, "events/event_list.html", context)


def _detail_context(request, event: Event, *, visitor_form=None, answer_form=None) -> dict:
    now = timezone.now()
    user = request.user
    mine = viewer_rsvp(user, event)
    problem = None
    if user.is_authenticated:
        problem = rsvp.eligibility_problem(event, email=user.email, user=user, now=now)
    taken = rsvp.seats_taken(event)
    has_tickets = event.ticket_types.exists()
    return {
        "event": event,
        "description_html": render_markdown(event.shown_description),
        # A ticketed event's seats held by buyers still paying are not free either.
        "seats_left": ticket_holds.seats_left(event, now=now) if has_tickets else event.seats_left(taken),
        "closed_reason": event.rsvp_closed_reason(now),
        "has_tickets": has_tickets,
        "is_over": event.is_over(now),
        "eligibility": problem,
        "rsvp": mine,
        "waitlist_position": rsvp.waitlist_position(mine) if mine else None,
        "answer_form": answer_form
        or AnswerForm(
            event=event,
            initial={"guests": mine.guests if mine else 0},
            answers_given=questions.answers_for(mine) if mine and mine.pk else None,
        ),
        "visitor_form": visitor_form or VisitorAnswerForm(event=event),
        "is_organiser": is_event_organiser(user, event),
        "page_url": calendars.absolute(event.get_absolute_url()),
        "calendar_links": calendar_links.add_to_calendar(event, rsvp=mine if mine and mine.pk else None),
        "og_description": og_description(event),
    }


@require_safe
def event_detail(request, slug):
    event = get_visible_event(request.user, slug)
    return render(request, "events/event_detail.html", _detail_context(request, event))


@require_POST
def event_answer(request, slug):
    """A signed-in person answers with one press; a visitor is emailed a link that confirms."""
    event = get_visible_event(request.user, slug)
    if request.user.is_authenticated:
        return _member_answer(request, event)
    if _too_many_visitor_answers(request):
        return render(request, "429.html", status=429)
    form = VisitorAnswerForm(request.POST, event=event)
    if not form.is_valid():
        context = _detail_context(request, event, visitor_form=form)
        return render(request, "events/event_detail.html", context, status=400)
    data = form.cleaned_data
    try:
        rsvp.request_link(
            event=event, email=data["email"], name=data["name"], answer=data["answer"], guests=data["guests"]
        )
    except rsvp.RSVPRefused as refusal:
        messages.error(request, refusal.message)
        return redirect(event)
    messages.success(
        request,
        _("Nearly done: we have emailed a link to %(email)s. Your answer counts once you open it and confirm.")
        % {"email": data["email"]},
    )
    return redirect(event)


def _too_many_visitor_answers(request) -> bool:
    """Count this client's answers in the cache: a script cannot mail-bomb strangers through us.
    Keyed on the client behind the proxies, or one visitor would close answers for everyone."""
    key = f"events:visitor-answers:{client_ip(request)}"
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key) > VISITOR_ANSWERS_PER_HOUR
    except ValueError:  # expired between add and incr
        return False


def _member_answer(request, event: Event):
    form = AnswerForm(request.POST, event=event)
    if not form.is_valid():
        if "answer" in form.errors or "guests" in form.errors:
            messages.error(request, _("Choose yes, maybe or no, and a number of guests from the list."))
            return redirect(event)
        # Answers to the questions that cannot be taken: shown at each question, nothing kept.
        context = _detail_context(request, event, answer_form=form)
        return render(request, "events/event_detail.html", context, status=400)
    user = request.user
    mine = rsvp.rsvp_for(event=event, email=user.email, name=user.get_full_name(), user=user)
    data = form.cleaned_data
    try:
        outcome = questions.respond_with_answers(
            rsvp_id=mine.pk, answer=data["answer"], guests=data["guests"], answers=form.answers
        )
    except rsvp.RSVPRefused as refusal:
        messages.error(request, refusal.message)
        return redirect(event)
    messages.success(request, answer_message(outcome))
    return redirect(event)


def answer_message(outcome: rsvp.Outcome) -> str:
    current = outcome.rsvp
    if current.status == current.Status.WAITLISTED:
        return _("The event is full, so you are on the waitlist: number %(position)s in line.") % {
            "position": outcome.waitlist_position
        }
    if not outcome.changed:
        return _("Your answer was already “%(answer)s”.") % {"answer": current.get_status_display().lower()}
    if current.is_yes:
        return _("You're coming! We have emailed you a confirmation with a calendar file.")
    return _("Your answer “%(answer)s” is recorded.") % {"answer": current.get_status_display().lower()}


def _ics_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_safe
def event_ics(request, slug):
    event = get_visible_event(request.user, slug)
    return _ics_response(calendars.event_ics(event, method="PUBLISH"), f"{event.slug}.ics")


@require_safe
def public_feed(request):
    return _ics_response(calendars.public_feed(now=timezone.now()), "events.ics")


@require_safe
def member_feed(request, token):
    feed = get_object_or_404(CalendarFeed.objects.select_related("user"), token=token)
    response = _ics_response(calendars.member_feed(feed, now=timezone.now()), "my-events.ics")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_POST
def member_feed_create(request):
    """Create the person's private calendar address, or replace it ("reset")."""
    reset = request.POST.get("reset") == "1"
    calendars.create_feed(user=request.user, reset=reset)
    messages.success(
        request,
        _("Your calendar address is new: the old one no longer works.")
        if reset
        else _("Your calendar address is ready."),
    )
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(next_url)
    return redirect("events:list")


def og_description(event: Event) -> str:
    return event.summary or plain_text(event.description) or f"{settings.ORG_NAME}: {event.when}"
