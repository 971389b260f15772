from django import template
from django.conf import settings

from members.money import format_money

register = template.Library()


@register.filter
def money(cents, currency=None):
    """{{ payment.amount_cents|money:payment.currency }} → $60.00"""
    if cents is None or cents == "":
        return ""
    return format_money(int(cents), currency or settings.CURRENCY)
