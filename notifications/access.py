"""Who may see the outbox and send announcements: superusers and the people in the
Organiser or Treasurer groups. notifications may not import members, so the group
names are repeated here; they are the ones members.roles creates."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

STAFF_GROUPS = ("Organiser", "Treasurer")


def is_mail_staff(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not hasattr(user, "_societas_mail_staff"):
        user._societas_mail_staff = user.groups.filter(name__in=STAFF_GROUPS).exists()
    return user._societas_mail_staff


def mail_staff_required(view):
    """Sign-in for anonymous visitors; 403 for people who hold neither role."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_mail_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
