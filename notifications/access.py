"""Who may see the outbox and send announcements, and which part of it each one sees.

Superusers and the people in the Organiser or Treasurer groups may open the outbox.
notifications may not import members or events, so the group names are repeated
here (they are the ones members.roles creates), and each app tells us, from its
AppConfig.ready(), which mail a role looks after (`register_scope`):

- `deliveries(user) -> Q` over Delivery: the emails of that app the user may read
  (a treasurer: members' mail; an organiser: the mail of the events they organise);
- `segments(user) -> iterable of "source:key"`: the announcement audiences the user
  may write to. The announcements sent to those audiences are in the user's scope too.

A superuser sees everything. Someone in both groups sees both scopes.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from notifications.kinds import MESSAGE_KINDS
from notifications.models import Announcement, Delivery

STAFF_GROUPS = ("Organiser", "Treasurer")


@dataclass(frozen=True)
class Scope:
    deliveries: Callable[..., Q]
    segments: Callable[..., Iterable[str]] = lambda user: ()


scopes: dict[str, Scope] = {}


def register_scope(role: str, *, deliveries: Callable[..., Q], segments: Callable[..., Iterable[str]] | None = None):
    """What the people holding `role` (a group name) may see and send."""
    scopes[role] = Scope(deliveries=deliveries, segments=segments or Scope.segments)


def mail_roles(user) -> frozenset[str]:
    """The outbox roles this person holds (cached on the user: a page asks several times)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if not hasattr(user, "_societas_mail_roles"):
        names = user.groups.filter(name__in=STAFF_GROUPS).values_list("name", flat=True)
        user._societas_mail_roles = frozenset(names)
    return user._societas_mail_roles


def is_mail_staff(user) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(mail_roles(user))


def allowed_segments(user) -> frozenset[str] | None:
    """The audiences this person may write to; None for a superuser (every audience)."""
    if user is not None and user.is_authenticated and user.is_superuser:
        return None
    if user is None or not user.is_authenticated:
        return frozenset()
    if not hasattr(user, "_societas_mail_segments"):
        found = set()
        for role in sorted(mail_roles(user)):
            if role in scopes:
                found.update(scopes[role].segments(user))
        user._societas_mail_segments = frozenset(found)
    return user._societas_mail_segments


def may_use_segment(user, segment: str) -> bool:
    allowed = allowed_segments(user)
    return allowed is None or segment in allowed


def visible_deliveries(user) -> QuerySet[Delivery]:
    """The deliveries this person may see: their roles' mail and their audiences' announcements."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return Delivery.objects.all()
    if not is_mail_staff(user):
        return Delivery.objects.none()
    wanted = Q(pk__in=[])
    for role in sorted(mail_roles(user)):
        if role in scopes:
            wanted |= scopes[role].deliveries(user)
    segments = allowed_segments(user)
    if segments:
        wanted |= Q(kind__in=MESSAGE_KINDS, announcement__segment__in=sorted(segments))
    return Delivery.objects.filter(wanted)


def visible_announcements(user) -> QuerySet[Announcement]:
    """The announcements this person may read, change and send: those to their audiences."""
    segments = allowed_segments(user)
    if segments is None:
        return Announcement.objects.all()
    return Announcement.objects.filter(segment__in=sorted(segments))


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
