from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from config import language_views, views

# The admin signs in through allauth, with its rate limits and two-factor, not with a
# password form of its own.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("brand.css", views.brand_css, name="brand-css"),
    path("manage/", views.manage, name="manage"),
    path("language/", language_views.set_language, name="set_language"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("members.urls")),
    path("", include("events.urls")),
    path("", include("notifications.urls")),
]

# Uploaded files (event covers, an uploaded logo). A proxy in front may serve MEDIA_ROOT at
# /media/ itself and set SERVE_MEDIA=false; otherwise the app serves them, as it does static files.
if settings.SERVE_MEDIA:
    urlpatterns.append(
        re_path(r"^media/(?P<path>.+)$", serve, {"document_root": settings.MEDIA_ROOT}, name="media"),
    )
