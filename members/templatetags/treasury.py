"""What the treasurer's card on /manage/ counts: money held for review, open disputes,
and webhook events refused for a configuration problem."""

import datetime

from django import template
from django.utils import timezone

from members.models import Dispute, RefusedWebhook, UnappliedMoney

register = template.Library()

# Stripe retries a refused event for three days: a refusal older than a week is an old
# problem already fixed (the review queue page still lists it).
RECENT_REFUSALS = datetime.timedelta(days=7)


@register.simple_tag
def treasury_alerts() -> dict:
    return {
        "unapplied": UnappliedMoney.objects.filter(status=UnappliedMoney.Status.OPEN).count(),
        "disputes": Dispute.objects.filter(closed_at__isnull=True).count(),
        "refused": RefusedWebhook.objects.filter(received_at__gte=timezone.now() - RECENT_REFUSALS)
        .order_by("-received_at")
        .first(),
    }
