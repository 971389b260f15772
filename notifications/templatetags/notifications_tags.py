from django import template
from django.db.models import Count

from notifications.models import Delivery

register = template.Library()


@register.simple_tag
def outbox_attention() -> dict[str, int]:
    """How many deliveries need a person: failed, and uncertain (a worker died mid-message)."""
    wanted = (Delivery.Status.FAILED, Delivery.Status.UNCERTAIN)
    counts = dict(
        Delivery.objects.filter(status__in=wanted)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in wanted}
