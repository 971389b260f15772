"""What the treasurer's card on /manage/ counts: money held for review, open disputes,
and webhook events refused for a configuration problem."""

from django import template

from members.models import Dispute, RefusedWebhook, UnappliedMoney

register = template.Library()


@register.simple_tag
def treasury_alerts() -> dict:
    return {
        "unapplied": UnappliedMoney.objects.filter(status=UnappliedMoney.Status.OPEN).count(),
        "disputes": Dispute.objects.filter(closed_at__isnull=True).count(),
        "refused": RefusedWebhook.objects.order_by("-received_at").first(),
    }
