"""The days a payment made now would buy, shown before paying: on the join page's plan
cards and on the local test checkout."""

from django import template
from django.utils import timezone

from members import term_dates

register = template.Library()


@register.simple_tag(takes_context=True)
def paying_now_covers(context, plan, member=None, *, anyone: bool = False):
    """(first day, last day or None for life) of the term a payment on `plan` today buys.

    For `member` only when the person looking is that member, or `anyone` may see it (the
    checkout page, which answers only the browser that started it): a renewal link's page
    shows nothing of the member's standing to whoever holds the link. For a newcomer (no
    member, no one signed in), the term that starts today."""
    today, user = timezone.localdate(), context.get("user")
    signed_in = user is not None and user.is_authenticated
    if member is None:
        return None if signed_in else (today, term_dates.term_end(plan, today))
    if not anyone and not (signed_in and user.pk == member.user_id):
        return None
    return term_dates.next_term_dates(member=member, plan=plan, as_of=today)
