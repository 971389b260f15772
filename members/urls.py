from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("join/", views.join, name="join"),
    path("membership/", views.membership, name="membership"),
]
