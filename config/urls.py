from django.contrib import admin
from django.urls import include, path

from config import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("manage/", views.manage, name="manage"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("members.urls")),
    path("", include("events.urls")),
    path("", include("notifications.urls")),
]
