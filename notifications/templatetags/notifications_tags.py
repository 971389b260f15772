from django import template
from django.db.models import Count

from notifications import kinds
from notifications.access import visible_deliveries
from notifications.models import Delivery

register = template.Library()


@register.simple_tag
def outbox_attention(user) -> dict[str, int]:
    """How many of the deliveries this person looks after need a person: failed, and
    uncertain (a worker died mid-message)."""
    wanted = (Delivery.Status.FAILED, Delivery.Status.UNCERTAIN)
    counts = dict(
        visible_deliveries(user)
        .filter(status__in=wanted)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in wanted}


@register.filter
def kind_label(kind: str) -> str:
    """A kind of email in words ("event-yes" reads "RSVP confirmation: yes")."""
    return kinds.kind_label(kind)
