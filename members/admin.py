from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from members import plans, profiles
from members.accounts import ensure_member
from members.models import (
    Checkout,
    Dispute,
    FailedPayment,
    Member,
    MemberNote,
    MembershipTerm,
    Payment,
    PaymentPromise,
    Plan,
    RefusedWebhook,
    StripeEvent,
    UnappliedMoney,
    User,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the webhook keeps or the treasurer's pages change, each change with its
    audit row: read here, never added or edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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
    list_display = ["__str__", "member_number", "city", "auto_renew", "created_at"]
    list_filter = ["auto_renew", "directory_consent"]
    search_fields = ["first_name", "last_name", "user__email", "member_number", "stripe_customer_id"]
    list_select_related = ["user"]
    readonly_fields = [
        "member_number",
        "created_at",
        "stripe_customer_id",
        "stripe_subscription_id",
        "auto_renew",
        "renews_on",
        "subscription_synced_at",
        "user",
    ]

    # A profile comes with its account (signing up, an import, the user admin).
    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        """Through the same function as every staff edit, so the change has its audit row."""
        profiles.edit_member(member=obj, values={f: getattr(obj, f) for f in profiles.DETAIL_FIELDS}, by=request.user)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "pricing", "amount_cents", "minimum_cents", "period", "is_open", "display_order"]
    list_editable = ["is_open", "display_order"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        """Through `plans.save_plan`, so the change has its audit row."""
        values = {name: getattr(obj, name) for name in plans.PLAN_FIELDS}
        obj.pk = plans.save_plan(plan=obj if change else None, values=values, by=request.user).pk


@admin.register(MembershipTerm)
class MembershipTermAdmin(ReadOnlyAdmin):
    list_display = ["member", "plan", "start", "end", "cancelled_on"]
    list_select_related = ["member__user", "plan"]
    search_fields = ["member__user__email", "member__last_name"]
    raw_id_fields = ["member", "payment"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["receipt_number", "member", "amount_cents", "currency", "method", "status", "received_on"]
    list_select_related = ["member__user"]
    list_filter = ["method", "status"]
    search_fields = ["receipt_number", "member__user__email", "reference", "stripe_invoice_id"]
    raw_id_fields = ["member", "recorded_by", "status_changed_by"]
    date_hierarchy = "received_on"

    def has_delete_permission(self, request, obj=None):
        return False  # payments are refunded or voided, never deleted


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ["event_id", "type", "created", "received_at", "livemode"]
    list_filter = ["type", "livemode"]
    search_fields = ["event_id"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Checkout)
class CheckoutAdmin(admin.ModelAdmin):
    list_display = ["member", "plan", "amount_cents", "auto_renew", "purpose", "created_at", "completed_at"]
    list_select_related = ["member__user", "plan"]
    search_fields = ["member__user__email", "stripe_session_id"]
    raw_id_fields = ["member", "payment"]


@admin.register(FailedPayment)
class FailedPaymentAdmin(ReadOnlyAdmin):
    list_display = ["member", "amount_cents", "attempt_count", "last_failed_at", "resolved_at", "resolution"]
    list_select_related = ["member__user"]
    raw_id_fields = ["member", "resolved_by"]


@admin.register(PaymentPromise)
class PaymentPromiseAdmin(ReadOnlyAdmin):
    list_display = ["member", "plan", "amount_cents", "method", "status", "created_at"]
    list_filter = ["status", "method"]
    list_select_related = ["member__user", "plan"]
    raw_id_fields = ["member", "payment", "resolved_by"]


@admin.register(MemberNote)
class MemberNoteAdmin(ReadOnlyAdmin):
    list_display = ["member", "author", "created_at"]
    list_select_related = ["member__user", "author"]
    raw_id_fields = ["member", "author"]


@admin.register(UnappliedMoney)
class UnappliedMoneyAdmin(ReadOnlyAdmin):
    list_display = ["stripe_object_id", "member", "amount_cents", "currency", "status", "created_at"]
    list_filter = ["status"]
    list_select_related = ["member__user"]
    search_fields = ["stripe_object_id", "stripe_customer_id", "member__user__email"]


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ["stripe_dispute_id", "payment", "amount_cents", "currency", "status", "opened_at", "closed_at"]
    list_select_related = ["payment"]
    search_fields = ["stripe_dispute_id", "stripe_payment_intent_id"]


@admin.register(RefusedWebhook)
class RefusedWebhookAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "api_version", "received_at"]
