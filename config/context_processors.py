from django.conf import settings

from members.roles import can_manage


def society(request):
    """The society's name and address, and whether to show the Manage link."""
    user = getattr(request, "user", None)
    return {
        "org_name": settings.ORG_NAME,
        "org_address": settings.ORG_ADDRESS,
        "show_manage": bool(user is not None and can_manage(user)),
        "local_run": settings.DEBUG,
    }
