from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from members.accounts import ensure_member
from members.models import Member, MembershipTerm, Payment, Plan, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "is_staff", "is_active", "date_joined"]
    search_fields = ["email"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        ensure_member(obj)


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["__str__", "member_number", "city", "created_at"]
    search_fields = ["first_name", "last_name", "user__email", "member_number"]
    list_select_related = ["user"]
    readonly_fields = ["member_number", "created_at"]


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "pricing", "amount_cents", "minimum_cents", "period", "is_open", "display_order"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(MembershipTerm)
class MembershipTermAdmin(admin.ModelAdmin):
    list_display = ["member", "plan", "start", "end"]
    list_select_related = ["member__user", "plan"]
    search_fields = ["member__user__email", "member__last_name"]
    raw_id_fields = ["member", "payment"]


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["receipt_number", "member", "amount_cents", "currency", "method", "status", "received_on"]
    list_select_related = ["member__user"]
    list_filter = ["method", "status"]
    search_fields = ["receipt_number", "member__user__email", "reference"]
    raw_id_fields = ["member", "recorded_by"]
