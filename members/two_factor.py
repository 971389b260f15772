"""Two-factor for staff: with STAFF_REQUIRE_TWO_FACTOR on, a staff account without an
authenticator is sent to set one up before any staff page opens."""

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from members.roles import can_manage

STAFF_PATHS = ("/manage/", "/admin/")


def must_enrol(user) -> bool:
    """A staff account (any role, superuser or admin access) with no second factor yet."""
    return user.is_authenticated and can_manage(user) and not is_mfa_enabled(user)


class StaffTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.STAFF_REQUIRE_TWO_FACTOR and request.path_info.startswith(STAFF_PATHS) and must_enrol(request.user):
            messages.warning(
                request,
                _(
                    "Staff pages show members' personal details and the society's money, so every staff "
                    "account needs two-factor sign-in. Set up an authenticator app (you may be asked for "
                    "your password first), then open the staff pages again."
                ),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
