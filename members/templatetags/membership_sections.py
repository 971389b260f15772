from django import template

from members.membership_sections import MEMBERSHIP, sections_for

register = template.Library()


@register.simple_tag
def other_sections(user, place=MEMBERSHIP):
    """{% other_sections request.user %}: what other apps show on /membership/ (ticket orders);
    {% other_sections request.user "payments" %}: on the treasurer's payments page."""
    return sections_for(user, place=place)
