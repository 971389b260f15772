from django.urls import path

import members.application_views as application_views
import members.household_views as household_views
from members import (
    audit_views,
    dashboard_views,
    directory_views,
    import_views,
    manage_views,
    privacy_views,
    reference_views,
    reminder_views,
    role_views,
    roster_views,
    views,
)

app_name = "members"

urlpatterns = [
    path("join/", views.join, name="join"),
    path("join/test-checkout/<uuid:public_id>/", views.local_test_checkout, name="local-checkout"),
    path("join/done/<uuid:public_id>/", views.checkout_done, name="checkout-done"),
    path("join/done/<uuid:public_id>/status.json", views.checkout_status, name="checkout-status"),
    path("renew/confirm/<str:token>/", views.confirm_promise, name="confirm-promise"),
    path("renew/<str:token>/", views.renew, name="renew"),
    path("membership/", views.membership, name="membership"),
    path("membership/receipts/<str:receipt_number>/", views.receipt, name="receipt"),
    path("membership/billing/", views.billing_portal, name="billing-portal"),
    path("membership/billing/test/", views.local_test_portal, name="local-portal"),
    path("membership/card/<str:token>/", views.card_settings, name="card"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe-webhook"),
    path("manage/audit/", audit_views.audit_log, name="manage-audit"),
    path("manage/roles/", role_views.role_list, name="manage-roles"),
    path("manage/reminders/", reminder_views.reminder_settings, name="manage-reminders"),
    path("manage/roles/grant/", role_views.role_grant, name="manage-role-grant"),
    path("manage/roles/<int:pk>/remove/", role_views.role_remove, name="manage-role-remove"),
    path("manage/plans/", manage_views.plan_list, name="manage-plans"),
    path("manage/plans/new/", manage_views.plan_edit, name="manage-plan-new"),
    path("manage/plans/<int:pk>/", manage_views.plan_edit, name="manage-plan"),
    path("manage/members/", manage_views.member_list, name="manage-members"),
    path("manage/members/<int:pk>/", manage_views.member_detail, name="manage-member"),
    path("manage/members/<int:pk>/notes/", manage_views.member_note, name="manage-member-note"),
    path("manage/members/<int:pk>/payments/new/", manage_views.record_offline_payment, name="manage-record-payment"),
    path("manage/payments/", manage_views.payment_list, name="manage-payments"),
    path("manage/payments/by-reference/", reference_views.record_by_reference, name="manage-record-by-reference"),
    path("manage/payments/<int:pk>/", manage_views.payment_detail, name="manage-payment"),
    path("manage/payments/<int:pk>/receipt/", manage_views.payment_receipt, name="manage-payment-receipt"),
    path("manage/payments/<int:pk>/refund/", manage_views.payment_change, {"action": "refund"}, name="manage-refund"),
    path("manage/payments/<int:pk>/void/", manage_views.payment_change, {"action": "void"}, name="manage-void"),
    path("manage/terms/<int:pk>/reinstate/", manage_views.term_reinstate, name="manage-term-reinstate"),
    path("manage/dues/", manage_views.arrears_queues, name="manage-arrears"),
    path("manage/dues/unapplied/", manage_views.unapplied_money, name="manage-unapplied"),
    path(
        "manage/dues/unapplied/<int:pk>/apply/",
        manage_views.unapplied_settle,
        {"action": "apply"},
        name="manage-unapplied-apply",
    ),
    path(
        "manage/dues/unapplied/<int:pk>/refund/",
        manage_views.unapplied_settle,
        {"action": "refund"},
        name="manage-unapplied-refund",
    ),
    path("manage/dues/failed/<int:pk>/resolve/", manage_views.failed_resolve, name="manage-failed-resolve"),
    path("manage/dues/promises/<int:pk>/withdraw/", manage_views.promise_withdraw, name="manage-promise-withdraw"),
    path("manage/board/members.svg", dashboard_views.standing_chart, name="board-standing-chart"),
    path("manage/board/members.csv", dashboard_views.standing_csv, name="board-standing-csv"),
    path("manage/board/money.svg", dashboard_views.money_chart, name="board-money-chart"),
    path("manage/board/money.csv", dashboard_views.money_csv, name="board-money-csv"),
]

# Each member's own data (members/privacy_views.py).
urlpatterns += [
    path("privacy/", privacy_views.privacy_page, name="privacy"),
    path("membership/data/", privacy_views.request_export, name="data-export-request"),
    path("membership/data/<uuid:public_id>/", privacy_views.download_export, name="data-export"),
    path("membership/close/", privacy_views.request_closure, name="close-account"),
    path("membership/close/<str:token>/", privacy_views.confirm_closure, name="close-account-confirm"),
    path("manage/members/<int:pk>/erase/", privacy_views.staff_erase, name="manage-member-erase"),
]

# Plans that need approval (members/application_views.py).
urlpatterns += [
    path("join/apply/<slug:slug>/", application_views.apply, name="apply"),
    path("manage/dues/applications/", application_views.application_queue, name="manage-applications"),
    path(
        "manage/dues/applications/<int:pk>/approve/",
        application_views.application_decide,
        {"action": "approve"},
        name="manage-application-approve",
    ),
    path(
        "manage/dues/applications/<int:pk>/decline/",
        application_views.application_decide,
        {"action": "decline"},
        name="manage-application-decline",
    ),
]

# Household and institutional memberships (members/household_views.py).
urlpatterns += [
    path("membership/household/add/", household_views.add_person, name="household-add"),
    path("membership/household/<int:pk>/remove/", household_views.remove_person, name="household-remove"),
]

# The roster kept by hand (members/roster_views.py) and the members' directory.
urlpatterns += [
    path("manage/members/new/", roster_views.member_add, name="manage-member-add"),
    path("manage/members/<int:pk>/edit/", roster_views.member_edit, name="manage-member-edit"),
    path("manage/members/<int:pk>/close/", roster_views.membership_close, name="manage-member-close"),
    path("manage/members/<int:pk>/merge/", roster_views.member_merge, name="manage-member-merge"),
    path("directory/", directory_views.directory_page, name="directory"),
    path("membership/directory/", directory_views.listing_update, name="directory-listing"),
]

# Importing a member list (members/import_views.py).
urlpatterns += [
    path("manage/members/import/", import_views.import_start, name="manage-import-start"),
    path("manage/members/import/<int:pk>/", import_views.import_job, name="manage-import"),
    path("manage/members/import/<int:pk>/check/", import_views.import_check, name="manage-import-check"),
    path("manage/members/import/<int:pk>/apply/", import_views.import_apply, name="manage-import-apply"),
    path("manage/members/import/<int:pk>/invite/", import_views.import_invite, name="manage-import-invite"),
]
