from django.contrib import admin

from events.models import RSVP, CalendarFeed, Event, Invitation


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "status", "starts_at", "time_zone", "capacity", "visibility"]
    list_filter = ["status", "kind", "visibility"]
    search_fields = ["title", "slug"]
    filter_horizontal = ["organisers"]
    readonly_fields = ["uid", "sequence", "schedule_version", "reminders_planned_at", "reminders_done", "published_at"]


@admin.register(RSVP)
class RSVPAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "event", "status", "guests", "answered_at", "checked_in_at"]
    list_filter = ["status"]
    list_select_related = ["event"]
    search_fields = ["email", "name", "event__title"]
    raw_id_fields = ["event", "user"]
    readonly_fields = ["token", "revision"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["event", "segment", "created_by", "created_at"]
    list_select_related = ["event", "created_by"]
    raw_id_fields = ["event", "past_event", "created_by"]


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    raw_id_fields = ["user"]
    readonly_fields = ["token"]
