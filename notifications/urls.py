from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("dev/mailbox/", views.mailbox_list, name="mailbox"),
    path("dev/mailbox/empty/", views.mailbox_empty, name="mailbox-empty"),
    path("dev/mailbox/<str:message_id>/", views.mailbox_detail, name="mailbox-detail"),
    path("dev/mailbox/<str:message_id>/attachments/<int:index>/", views.mailbox_attachment, name="mailbox-attachment"),
]
