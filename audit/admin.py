from django.contrib import admin

from audit.models import Entry


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ("at", "by_label", "action", "target_label", "reason")
    list_filter = ("action",)
    search_fields = ("by_label", "target_label", "reason")
    date_hierarchy = "at"

    # The log is read here, never written or changed.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
