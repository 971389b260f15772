"""`{% load event_calendars %}{% calendar_feed %}`: a signed-in person's private calendar
address, for pages of other apps (such as /membership/) that must not import events."""

from django import template

from events.calendars import feed_context

register = template.Library()


@register.inclusion_tag("events/_calendar_feed.html", takes_context=True)
def calendar_feed(context):
    request = context["request"]
    return {
        "request": request,
        "next": request.path,
        "csrf_token": context.get("csrf_token"),
        **feed_context(request.user),
    }
