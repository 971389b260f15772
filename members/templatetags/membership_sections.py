from django import template

from members.membership_sections import sections_for

register = template.Library()


@register.simple_tag
def other_sections(user):
    """{% other_sections request.user %}: what other apps show on /membership/ (ticket orders)."""
    return sections_for(user)
