"""What a person chose before paying, kept until they pay: the plan (and amount) a
visitor picked on /join/ before signing up, and the page of this site to go back to
afterwards (the members-only event a lapsed member renewed from)."""

from django.utils.http import url_has_allowed_host_and_scheme

from members.models import Plan

JOIN_CHOICE = "members.join-choice"
CHOICE_KEYS = ("plan", "amount", "auto_renew", "return_path")


def safe_return_path(request, value: str | None) -> str:
    """`value` if it is a path on this site (never another host, scheme or `//host`), else ""."""
    value = (value or "").strip()
    if not value.startswith("/") or value.startswith("//") or len(value) > 500:
        return ""
    if not url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()}, require_https=False):
        return ""
    return value


def keep_choice(request, query: dict) -> None:
    """Remember a signed-out visitor's choice in their session (it survives signing up or in)."""
    request.session[JOIN_CHOICE] = {key: str(query.get(key) or "") for key in CHOICE_KEYS}


def kept_choice(request) -> dict:
    """The choice to show on /join/: the link's own (`?plan=`), else the one kept in the session."""
    if request.GET.get("plan"):
        return {key: request.GET.get(key, "") for key in CHOICE_KEYS}
    kept = request.session.get(JOIN_CHOICE)
    return dict(kept) if isinstance(kept, dict) else {}


def forget_choice(request) -> None:
    request.session.pop(JOIN_CHOICE, None)


def chosen_plan(plans: list[Plan], choice: dict) -> Plan | None:
    """The chosen plan if it is still one of those offered (checked again on every request)."""
    return next((plan for plan in plans if plan.slug == choice.get("plan")), None)
