from django.conf import settings

from config.brand import colours
from members.directory import may_browse, nav_facts
from members.roles import can_manage


def society(request):
    """The society's name, address and brand, and whether to show the Manage and Directory links."""
    user = getattr(request, "user", None)
    return {
        "org_name": settings.ORG_NAME,
        "org_address": settings.ORG_ADDRESS,
        "site_url": settings.SITE_URL,
        "org_logo_url": settings.ORG_LOGO.url(),
        "org_logo_type": settings.ORG_LOGO.mimetype,
        # Changes with the accent, so a browser never keeps an old brand.css.
        "brand_version": colours().accent.lstrip("#"),
        "show_manage": bool(user is not None and can_manage(user)),
        # Asked only when the menu shows it (signed-in pages): one query, then cached on the user.
        "show_directory": lambda: bool(user is not None and may_browse(user)),
        # The same query: members (lapsed ones too) see "Membership" in the menu, others "Join".
        "is_member": lambda: bool(user is not None and nav_facts(user)["member"]),
        "local_run": settings.DEBUG,
    }
