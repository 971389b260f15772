from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from config import views

# The admin signs in through allauth, with its rate limits and two-factor, not with a
# password form of its own.
admin.site.login = secure_admin_login(admin.site.login)

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
