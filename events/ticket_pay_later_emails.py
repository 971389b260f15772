"""The emails of paying later, composed in a worker from the order as it is then: the bank
details and reference once reserved, and the news that a reservation ended unpaid."""

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.ticket_records import Order
from members.links import absolute
from members.money import format_money
from notifications.outbox import Composed, Notice, Skip, queue_notice, register_composer

RESERVED, ENDED = "ticket-order-reserved", "ticket-order-reservation-ended"


def bank_details() -> dict:
    return {
        "account_name": settings.ORG_BANK_ACCOUNT_NAME,
        "iban": settings.ORG_BANK_IBAN,
        "bic": settings.ORG_BANK_BIC,
        "bank": settings.ORG_BANK_NAME,
    }


def tell_reserved(order: Order) -> None:
    """Queue the buyer's instructions (one small row; the worker writes it)."""
    queue_notice(Notice(key=f"{RESERVED}:{order.pk}", kind=RESERVED, to=order.buyer_email, facts={"order": order.pk}))


def tell_ended(order: Order) -> None:
    queue_notice(Notice(key=f"{ENDED}:{order.pk}", kind=ENDED, to=order.buyer_email, facts={"order": order.pk}))


def _order(row) -> Order:
    order = Order.objects.select_related("event").filter(pk=row.facts["order"]).first()
    if order is None:
        raise Skip(gettext_lazy("the order no longer exists."))
    return order


def _account_lines() -> str:
    bank = bank_details()
    labelled = (
        (_("Account holder"), bank["account_name"]),
        (_("Account number (IBAN)"), bank["iban"]),
        (_("BIC / SWIFT"), bank["bic"]),
        (_("Bank"), bank["bank"]),
    )
    return "\n".join(f"{label}: {value}" for label, value in labelled if value)


def compose_reserved(row) -> Composed:
    order = _order(row)
    if not order.is_reserved:
        raise Skip(gettext_lazy("the reservation was paid or ended before this email went out."))
    local = timezone.localtime(order.held_until, order.event.zone)
    link = absolute(order.capability_url)
    facts = {
        "event": order.event.title,
        "amount": format_money(order.total_cents, order.currency),
        "reference": order.bank_reference,
        "until": f"{formats.date_format(local, 'DATETIME_FORMAT')} ({order.event.time_zone})",
        "account": _account_lines(),
        "link": link,
    }
    subject = _("Your reservation for %(event)s: pay %(amount)s by bank transfer") % facts
    text = (
        _(
            "Your seats for %(event)s are reserved until %(until)s.\n\n"
            "Please transfer %(amount)s to:\n%(account)s\n\n"
            "Quote this reference with your transfer: %(reference)s\n\n"
            "Once the treasurer has recorded your payment, each attendee gets their ticket by email. "
            "If no payment is recorded by then, the reservation ends and its seats are freed.\n\n"
            "Your order: %(link)s"
        )
        % facts
    )
    return Composed(subject=subject, text=text, personal_links=(link,))


def compose_ended(row) -> Composed:
    order = _order(row)
    if order.status != Order.Status.EXPIRED:
        raise Skip(gettext_lazy("the order is no longer an ended reservation."))
    link = absolute(order.capability_url)
    facts = {"event": order.event.title, "reference": order.bank_reference, "link": link}
    subject = _("Your reservation for %(event)s has ended") % facts
    text = (
        _(
            "No bank transfer with the reference %(reference)s was recorded in time, so your reservation for "
            "%(event)s has ended and its seats were freed. If you have sent the money, please contact us so "
            "we can return it; you are welcome to order again while seats are left.\n\nYour order: %(link)s"
        )
        % facts
    )
    return Composed(subject=subject, text=text, personal_links=(link,))


def register() -> None:
    register_composer(RESERVED, compose_reserved)
    register_composer(ENDED, compose_ended)
