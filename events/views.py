from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def event_list(request):
    return render(request, "events/event_list.html", {"upcoming": [], "past": []})
