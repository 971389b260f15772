from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from config import brand, health
from events import dashboard as events_dashboard
from events.models import Event
from members import dashboard
from members.roles import ALL_ROLES, DOOR_HELPER, ORGANISER, TREASURER, role_names, role_required

NEXT_EVENTS = 3


@require_safe
def home(request):
    now = timezone.now()
    upcoming = Event.objects.filter(status=Event.Status.PUBLISHED).upcoming(now=now)
    return render(request, "home.html", {"next_events": list(upcoming[:NEXT_EVENTS]), "now": now})


@never_cache
@require_safe
def healthz(request):
    checks = {"database": health.database_answers(), "broker": health.broker_answers()}
    healthy = all(ok for ok, _ in checks.values())
    body = {"status": "ok" if healthy else "unavailable"}
    body.update({name: detail for name, (_, detail) in checks.items()})
    return JsonResponse(body, status=200 if healthy else 503)


@role_required(*ALL_ROLES, DOOR_HELPER)
@require_safe
def manage(request):
    """The board's numbers for treasurers, the next events for organisers (both for people
    with both roles), then the cards of every staff page."""
    roles = role_names(request.user)
    if not roles & set(ALL_ROLES):
        return redirect("events:door-lists")  # a door helper's part of /manage/ is their door lists
    context = {"is_organiser": ORGANISER in roles, "is_treasurer": TREASURER in roles}
    if context["is_treasurer"]:
        context["board"] = dashboard.board(today=timezone.localdate())
    if context["is_organiser"]:
        context["my_events"] = events_dashboard.upcoming_for(request.user, now=timezone.now())
    return render(request, "manage/index.html", context)


@require_safe
def brand_css(request):
    """The society's colours as CSS custom properties: a stylesheet from the site itself,
    so the strict Content-Security-Policy needs no inline style. Its address carries the
    accent (`?v=`), so it may be cached for long."""
    response = HttpResponse(brand.colours().css(), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response
