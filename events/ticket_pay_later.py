"""Pay later by bank transfer: an order reserved for the event's set number of days, its
seats held as a card checkout's are (events/ticket_holds.py), until the treasurer records
the transfer by its reference or the sweep ends the reservation and tells the buyer.

Everything that changes an order runs with the event's row locked, the lock that counts seats.
"""

import datetime
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

import audit.log
from config.languages import in_society_language
from events import ticket_pay_later_emails as emails
from events.models import Event
from events.ticket_holds import end_hold, lock_event
from events.ticket_orders import OrderRefused, _confirm
from events.ticket_pay_later_records import PayLaterTerms, terms_for
from events.ticket_records import Order
from members import reference_payments
from members.money import format_money

audit.log.describe(
    "ticket_pay_later.set", gettext_lazy("Set whether an event's tickets may be paid later by bank transfer")
)
audit.log.describe(
    "ticket_order.paid_by_transfer", gettext_lazy("Recorded a bank transfer paying a ticket reservation")
)

# No 0/O, 1/I/L: a reference read aloud on the phone or typed from a bank statement survives.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PREFIX = "TK"


def make_reference() -> str:
    """A fresh reference such as TK-7KQM-X3PA (about 40 bits of chance)."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{PREFIX}-{body[:4]}-{body[4:]}"


def normalise_reference(text: str) -> str:
    """What a treasurer typed, as the reference is stored: case, spaces and dashes do not matter."""
    plain = "".join(ch for ch in text.upper() if ch.isalnum())
    if plain.startswith(PREFIX) and len(plain) == len(PREFIX) + 8:
        return f"{PREFIX}-{plain[2:6]}-{plain[6:]}"
    return text.strip().upper()


def set_terms(*, event: Event, allowed: bool, days: int, by) -> PayLaterTerms:
    """The organiser allows (or stops) paying later for this event, reserved for `days`."""
    with transaction.atomic():
        terms, _created = PayLaterTerms.objects.select_for_update().get_or_create(event=event)
        before = audit.log.snapshot(terms, ("allowed", "days"))
        terms.allowed, terms.days = allowed, days
        terms.full_clean()
        terms.save()
        audit.log.record(by, "ticket_pay_later.set", terms, changes=audit.log.diff(before, terms))
    return terms


def reserve(*, order_id: int, now: datetime.datetime | None = None) -> Order:
    """Turn a just-placed order holding its seats into a reservation paid by bank transfer,
    its seats held for the event's set days, and email the buyer the instructions. Raises
    OrderRefused, changing nothing, when the event does not allow it or the order cannot be."""
    now = now or timezone.now()
    order = Order.objects.select_related("event").get(pk=order_id)
    terms = terms_for(order.event)
    if terms is None:
        raise OrderRefused(_("This event's tickets cannot be paid later by bank transfer."), code="pay_later_off")
    if order.dues_cents:
        raise OrderRefused(_("Joining or renewing with your tickets is paid by card."), code="pay_later_dues")
    with transaction.atomic():
        lock_event(order.event_id)
        order = Order.objects.select_for_update().select_related("event").get(pk=order_id)
        if not order.holds_seats(now) or order.stripe_checkout_session_id:
            raise OrderRefused(_("This order is no longer waiting for payment."), code="not_held")
        order.status, order.held_until = Order.Status.RESERVED, now + datetime.timedelta(days=terms.days)
        order.bank_reference = _unused_reference()
        order.save(update_fields=["status", "held_until", "bank_reference"])
        emails.tell_reserved(order)
    return order


def _unused_reference() -> str:
    for _attempt in range(5):
        reference = make_reference()
        if not Order.objects.filter(bank_reference=reference).exists():
            return reference
    raise IntegrityError("no unused bank reference after five tries")


def record_transfer(*, reference: str, amount_cents: int, received_on: datetime.date, by, now=None):
    """The treasurer records a bank transfer for a reservation, by its reference: paid in full,
    the order is confirmed (attendees get their tickets), a tickets payment recorded and audited.
    None when the reference is not a ticket reservation's; raises ReferenceRefused, changing
    nothing, for a wrong amount, a reservation that ended, or one already paid."""
    now = now or timezone.now()
    reference = normalise_reference(reference)
    found = Order.objects.filter(bank_reference=reference).values_list("pk", "event_id").first()
    if found is None:
        return None
    with transaction.atomic():
        event = lock_event(found[1])
        order = Order.objects.select_for_update().select_related("event").get(pk=found[0])
        _check_transfer(order, amount_cents, now)
        _confirm(event, order, now)
        count = order.lines.count()
        description = ngettext(
            "%(event)s: %(n)d ticket (order %(order)d)", "%(event)s: %(n)d tickets (order %(order)d)", count
        ) % {"event": order.event.title, "n": count, "order": order.pk}
        payment = reference_payments.record_ticket_transfer(
            user=order.user, amount_cents=amount_cents, currency=order.currency, received_on=received_on,
            reference=order.bank_reference, description=description, by=by,
        )  # fmt: skip
        changes = {"status": [Order.Status.RESERVED, Order.Status.PAID]}
        audit.log.record(by, "ticket_order.paid_by_transfer", order, changes=changes, reason=reference)
    message = _("Order %(order)d for %(event)s is paid; receipt %(receipt)s. Each attendee gets their ticket by email.")
    facts = {"order": order.pk, "event": order.event.title, "receipt": payment.receipt_number}
    return reference_payments.Settled(message=message % facts, payment=payment)


def _check_transfer(order: Order, amount_cents: int, now: datetime.datetime) -> None:
    refused = reference_payments.ReferenceRefused
    if order.is_paid:
        raise refused(_("Order %(order)d is already paid.") % {"order": order.pk}, code="paid")
    if not order.is_reserved or order.held_until is None or order.held_until <= now:
        raise refused(
            _(
                "The reservation %(ref)s ended unpaid and its seats were freed, so this late payment cannot be "
                "recorded against it. Return the money to the buyer, %(email)s, or ask them to order again."
            )
            % {"ref": order.bank_reference, "email": order.buyer_email},
            code="ended",
        )
    if amount_cents != order.total_cents:
        raise refused(
            _("Order %(order)d owes %(owed)s, not %(given)s. Nothing was recorded.")
            % {
                "order": order.pk,
                "owed": format_money(order.total_cents, order.currency),
                "given": format_money(amount_cents, order.currency),
            },
            code="amount",
        )


def end_reservations(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """End the reservations whose days have passed unpaid (beat, with the holds' sweep): their
    seats are freed and each buyer is told. The number ended; harmless to repeat."""
    now = now or timezone.now()
    due = Order.objects.filter(status=Order.Status.RESERVED, held_until__lte=now)
    ended = 0
    for order_id, event_id in list(due.values_list("pk", "event_id")[:limit]):
        with transaction.atomic():
            lock_event(event_id)
            order = Order.objects.select_for_update().select_related("event").get(pk=order_id)
            if order.is_reserved and end_hold(
                order,
                status=Order.Status.EXPIRED,
                now=now,
                reason=in_society_language(gettext_lazy("reservation ended")),
            ):
                emails.tell_ended(order)
                ended += 1
    return ended


def register() -> None:
    reference_payments.register_settler("ticket-reservations", record_transfer)
    emails.register()
