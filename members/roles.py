"""Staff roles are Django groups. Superusers hold every role."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

ORGANISER = "Organiser"
TREASURER = "Treasurer"
ALL_ROLES = (ORGANISER, TREASURER)
# Someone an event's organisers named to check people in at its door: they open that
# event's door list and nothing else (events/door_helpers.py keeps the group in step).
DOOR_HELPER = "Door helper"


def role_names(user) -> frozenset[str]:
    if not user.is_authenticated:
        return frozenset()
    if user.is_superuser:
        return frozenset(ALL_ROLES)
    # Cached on the user object: a page asks several times, the database once.
    if not hasattr(user, "_societas_roles"):
        user._societas_roles = frozenset(user.groups.values_list("name", flat=True))
    return user._societas_roles


def is_organiser(user) -> bool:
    return ORGANISER in role_names(user)


def is_treasurer(user) -> bool:
    return TREASURER in role_names(user)


def is_door_helper(user) -> bool:
    return DOOR_HELPER in role_names(user)


def can_manage(user) -> bool:
    return bool(role_names(user)) or (user.is_authenticated and user.is_staff)


def role_required(*roles: str):
    """Sign-in for anonymous visitors; 403 for people who hold none of `roles`."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not role_names(request.user) & set(roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
