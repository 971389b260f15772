"""A seam for other apps' parts of members' pages: an app (events, for ticket orders) registers
a function that renders its section for the signed-in person, on /membership/ or on the
treasurer's payments page, so members never imports it."""

from collections.abc import Callable

from django.utils.html import format_html_join
from django.utils.safestring import SafeString

MEMBERSHIP = "membership"  # the member's own /membership/
PAYMENTS = "payments"  # the treasurer's /manage/payments/

_sections: dict[str, dict[str, Callable[[object], str]]] = {MEMBERSHIP: {}, PAYMENTS: {}}


def register_section(name: str, render: Callable[[object], str], *, place: str = MEMBERSHIP) -> None:
    """Called at app ready: `render(user)` gives the section's HTML, or "" when it has nothing to show."""
    _sections[place][name] = render


def sections_for(user, *, place: str = MEMBERSHIP) -> SafeString:
    """Every section registered for this place, for this person, in the order they were registered."""
    parts = [(html,) for html in (render(user) for render in _sections[place].values()) if html]
    return format_html_join("\n", "{}", parts)
