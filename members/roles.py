"""Staff roles are Django groups. Superusers hold every role.

Giving or taking a role is a staff action with its audit row (`grant_role`, `remove_role`).
"""

from functools import wraps

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import audit.log

ORGANISER = "Organiser"
TREASURER = "Treasurer"
ALL_ROLES = (ORGANISER, TREASURER)
# Someone an event's organisers named to check people in at its door: they open that
# event's door list and nothing else (events/door_helpers.py keeps the group in step).
DOOR_HELPER = "Door helper"

audit.log.describe("role.granted", gettext_lazy("Gave a person a staff role"))
audit.log.describe("role.removed", gettext_lazy("Took a staff role from a person"))


class RoleError(Exception):
    """A change of roles that is refused; the message says why, for a person to read."""


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


def superuser_required(view):
    """Sign-in for anonymous visitors; 403 for everyone but superusers."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_superuser:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def holders():
    """The accounts holding Organiser or Treasurer as a group, with their roles."""
    return (
        get_user_model()
        .objects.filter(groups__name__in=ALL_ROLES)
        .distinct()
        .select_related("member")
        .prefetch_related("groups")
        .order_by("email")
    )


def _held(user) -> list[str]:
    return sorted(user.groups.filter(name__in=ALL_ROLES).values_list("name", flat=True))


def _record(by, action: str, user, before: list[str], after: list[str]) -> None:
    from members.accounts import ensure_member  # accounts reads the models, which load after this module

    audit.log.record(by, action, ensure_member(user), changes={"roles": [before, after]})


def grant_role(*, email: str, role: str, by):
    """Give an existing account a staff role."""
    if role not in ALL_ROLES:
        raise RoleError(_("Choose Organiser or Treasurer."))
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().filter(email__iexact=email.strip()).first()
        if user is None:
            raise RoleError(_("No account uses %(email)s; the person must sign up first.") % {"email": email.strip()})
        before = _held(user)
        if role in before:
            raise RoleError(_("%(email)s is already %(role)s.") % {"email": user.email, "role": role})
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        _record(by, "role.granted", user, before, sorted([*before, role]))
    return user


def remove_role(*, user, role: str, by):
    """Take a staff role from an account. Nobody removes their own last one: the
    society would be left without the person who noticed the mistake."""
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        before = _held(user)
        if role not in before:
            raise RoleError(_("%(email)s is not %(role)s.") % {"email": user.email, "role": role})
        after = [name for name in before if name != role]
        if by is not None and user.pk == by.pk and not after:
            raise RoleError(_("You cannot remove your own last staff role; ask another superuser to do it."))
        user.groups.remove(*Group.objects.filter(name=role))
        _record(by, "role.removed", user, before, after)
    return user
