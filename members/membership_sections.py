"""A seam for other apps' parts of /membership/: an app (events, for ticket orders) registers
a function that renders its section for the signed-in person, so members never imports it."""

from collections.abc import Callable

from django.utils.html import format_html_join
from django.utils.safestring import SafeString

_sections: dict[str, Callable[[object], str]] = {}


def register_section(name: str, render: Callable[[object], str]) -> None:
    """Called at app ready: `render(user)` gives the section's HTML, or "" when it has nothing to show."""
    _sections[name] = render


def sections_for(user) -> SafeString:
    """Every registered section for this person, in the order they were registered."""
    parts = [(html,) for html in (render(user) for render in _sections.values()) if html]
    return format_html_join("\n", "{}", parts)
