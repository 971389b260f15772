from django.urls import include, path

from notifications import staff_views, views

app_name = "notifications"

urlpatterns = [
    path("dev/mailbox/", views.mailbox_list, name="mailbox"),
    path("dev/mailbox/empty/", views.mailbox_empty, name="mailbox-empty"),
    path("dev/mailbox/<str:message_id>/", views.mailbox_detail, name="mailbox-detail"),
    path("dev/mailbox/<str:message_id>/attachments/<int:index>/", views.mailbox_attachment, name="mailbox-attachment"),
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("u/<str:token>/preferences/", views.preferences_by_link, name="preferences-by-link"),
    path("preferences/", views.my_preferences, name="my-preferences"),
    path("manage/outbox/", staff_views.outbox_list, name="outbox"),
    path("manage/outbox/<int:pk>/", staff_views.delivery_detail, name="delivery"),
    path("manage/outbox/<int:pk>/retry/", staff_views.delivery_retry, name="delivery-retry"),
    path("manage/outbox/<int:pk>/mark-sent/", staff_views.delivery_mark_sent, name="delivery-mark-sent"),
    path("manage/outbox/suppressions/", staff_views.suppression_list, name="suppressions"),
    path("manage/outbox/suppressions/<int:pk>/lift/", staff_views.suppression_lift, name="suppression-lift"),
    path("manage/announcements/", staff_views.announcement_list, name="announcements"),
    path("manage/announcements/new/", staff_views.announcement_edit, name="announcement-new"),
    path("manage/announcements/<int:pk>/", staff_views.announcement_detail, name="announcement"),
    path("manage/announcements/<int:pk>/edit/", staff_views.announcement_edit, name="announcement-edit"),
    path("manage/announcements/<int:pk>/progress/", staff_views.announcement_progress, name="announcement-progress"),
    path("manage/announcements/<int:pk>/send/", staff_views.announcement_send, name="announcement-send"),
]

# The ESP webhooks (tracking: bounces and complaints; inbound: mailto unsubscribes),
# protected by ANYMAIL_WEBHOOK_SECRET (HTTP basic auth) and the ESP's own signatures.
urlpatterns += [path("anymail/", include("anymail.urls"))]
