"""Ordering tickets: placing an order holds its seats; money arriving confirms it.

`place_order` checks what needs no lock first (who may buy what), then, with the event
row locked, counts seats left (capacity - confirmed - held), each type's quantity and
the discount code's uses, and writes the held order. `confirm_paid` runs when the money
arrives (the webhook), re-checks standing and seats under the same lock, and either
confirms every attendee's RSVP or says the order must be refunded.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from config.languages import in_society_language
from events import notices, questions
from events.models import RSVP, Event
from events.rsvp import rsvp_for
from events.ticket_holds import end_hold, hold_length, lock_event, room
from events.ticket_offers import as_member_of, buyer_of, may_buy
from events.ticket_records import DiscountCode, Order, OrderLine, TicketType
from events.ticket_waitlist_records import waiting_claims
from members.models import Plan


class OrderRefused(Exception):
    """An order that cannot be placed or confirmed; `message` says why, and nothing changed."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Attendee:
    ticket_type_id: int
    name: str
    email: str
    answers: dict = field(default_factory=dict)  # {question id: value}, as questions.answers_from gives


# What confirm_paid found: the order confirmed, a repeat of a confirmation, or money to give back.
CONFIRMED, REPEAT, REFUND = "confirmed", "repeat", "refund"


def place_order(
    *,
    event: Event,
    user,
    buyer_name: str,
    buyer_email: str,
    attendees: list[Attendee],
    discount_code: str = "",
    unlock_code: str = "",
    dues_plan: Plan | None = None,
    now: datetime.datetime | None = None,
    types: list[TicketType] | None = None,
) -> Order:
    """Hold seats for named attendees while the buyer pays (confirmed at once when nothing is
    owed). Raises OrderRefused, changing nothing, when a ticket may not be bought by this buyer,
    is not on sale, is sold out, the event is full, or the code cannot be used.

    `dues_plan`: a signed-in buyer not in good standing joins or renews it in the same checkout,
    and may then buy member tickets; they are confirmed only if those dues are applied.
    `types`: the event's ticket types with their plans, when the caller has read them already."""
    now = now or timezone.now()
    dues_plan = _check_dues(user, dues_plan, now)
    types = _check_order(
        event, user=user, attendees=attendees, unlock_code=unlock_code, now=now, dues_plan=dues_plan, types=types
    )
    with transaction.atomic():
        event = lock_event(event.pk)
        _check_open(event, now)
        _check_room(event, attendees, types, now)
        code = _use_code(event, discount_code, now) if discount_code.strip() else None
        order = _write_order(event, user, buyer_name, buyer_email, attendees, types, code, now, dues_plan)
        if order.charged_cents == 0:
            _confirm(event, order, now)
    return order


def _check_open(event: Event, now: datetime.datetime) -> None:
    reason = event.rsvp_closed_reason(now)
    if reason:
        raise OrderRefused(reason, code="closed")


def _check_dues(user, plan: Plan | None, now: datetime.datetime) -> Plan | None:
    if plan is None:
        return None
    if not getattr(user, "is_authenticated", False):
        raise OrderRefused(_("Sign in to join or renew with your tickets."), code="sign_in")
    if not plan.is_open:
        raise OrderRefused(_("That plan is not open to new members."), code="plan")
    if buyer_of(user, on=timezone.localdate(now)).in_good_standing:
        return None  # already a member in good standing: no dues owed for member tickets
    return plan


def _check_order(event, *, user, attendees, unlock_code, now, dues_plan=None, types=None) -> dict[int, TicketType]:
    _check_open(event, now)
    if not attendees:
        raise OrderRefused(_("Choose at least one ticket."), code="empty")
    emails = [attendee.email.strip().lower() for attendee in attendees]
    if len(set(emails)) != len(emails):
        raise OrderRefused(_("Each attendee needs their own email address."), code="same_email")
    taken = RSVP.objects.filter(event=event, email__in=emails, status=RSVP.Status.YES).values_list("email", flat=True)
    if taken:
        raise OrderRefused(_("%(email)s is already coming to this event.") % {"email": taken[0]}, code="coming")
    types = {t.pk: t for t in (event.ticket_types.prefetch_related("plans") if types is None else types)}
    buyer = as_member_of(dues_plan) if dues_plan else buyer_of(user, on=timezone.localdate(now))
    if event.is_members_only and not buyer.in_good_standing:
        raise OrderRefused(_("This event is for members in good standing only."), code="members_only")
    _check_answers(event, attendees)
    for type_id, count in Counter(attendee.ticket_type_id for attendee in attendees).items():
        ticket_type = types.get(type_id)
        if ticket_type is None or not ticket_type.unlocked_by(unlock_code):
            raise OrderRefused(_("That ticket is not offered for this event."), code="unknown")
        if not ticket_type.on_sale(now):
            raise OrderRefused(
                _("%(name)s tickets are not on sale now.") % {"name": ticket_type.shown_name}, code="sale"
            )
        if not may_buy(ticket_type, buyer):
            raise OrderRefused(
                _("%(name)s tickets are for members in good standing.") % {"name": ticket_type.shown_name},
                code="members",
            )
        if count > ticket_type.max_per_order:
            message = ngettext(
                "At most %(n)d %(name)s ticket per order.",
                "At most %(n)d %(name)s tickets per order.",
                ticket_type.max_per_order,
            )
            raise OrderRefused(
                message % {"n": ticket_type.max_per_order, "name": ticket_type.shown_name}, code="per_order"
            )
    return types


def _check_answers(event: Event, attendees: list[Attendee]) -> None:
    """Each attendee's answers to the event's questions, before any seat is held."""
    if not questions.asked(event):
        return
    for attendee in attendees:
        try:
            questions.check_answers(event, attendee.answers)
        except questions.AnswersRefused as refusal:
            message = _("%(name)s: %(problem)s") % {"name": attendee.name.strip(), "problem": refusal.message}
            raise OrderRefused(message, code="answers") from refusal


def _check_room(event: Event, attendees: list[Attendee], types: dict[int, TicketType], now) -> None:
    """Under the event lock: seats left for the whole order (less those the waitlist has first
    claim on), and each type's own quantity."""
    left, taken = room(event, now=now)
    if left is not None:
        left = max(left - waiting_claims(event.pk, taken=taken), 0)
    if left is not None and len(attendees) > left:
        if left == 0:
            raise OrderRefused(_("This event is full."), code="full")
        message = ngettext("Only %(n)d seat is left.", "Only %(n)d seats are left.", left)
        raise OrderRefused(message % {"n": left}, code="full")
    for type_id, count in Counter(attendee.ticket_type_id for attendee in attendees).items():
        ticket_type = types[type_id]
        if ticket_type.quantity is not None and taken[type_id] + count > ticket_type.quantity:
            raise OrderRefused(_("%(name)s tickets are sold out.") % {"name": ticket_type.shown_name}, code="sold_out")


def _use_code(event: Event, text: str, now: datetime.datetime) -> DiscountCode:
    """Count one use of the code, under the event lock with the seats."""
    code = DiscountCode.objects.select_for_update().filter(event=event, code__iexact=text.strip()).first()
    if code is None:
        raise OrderRefused(_("There is no discount code %(code)s.") % {"code": text.strip()}, code="no_code")
    if not code.usable_on(timezone.localdate(now, event.zone)):
        raise OrderRefused(_("The code %(code)s can no longer be used.") % {"code": code.code}, code="code_used")
    code.uses += 1
    code.save(update_fields=["uses"])
    return code


def _write_order(event, user, buyer_name, buyer_email, attendees, types, code, now, dues_plan=None) -> Order:
    """The held order and its lines, in two statements."""
    order_user = user if getattr(user, "is_authenticated", False) else None
    applies = set(code.ticket_types.values_list("pk", flat=True)) if code else set()
    lines = []
    for attendee in attendees:
        ticket_type = types[attendee.ticket_type_id]
        off = code.off(ticket_type.price_cents) if code and ticket_type.pk in applies else 0
        lines.append(
            OrderLine(
                ticket_type=ticket_type,
                price_cents=ticket_type.price_cents,
                discount_cents=off,
                attendee_name=attendee.name.strip(),
                attendee_email=attendee.email.strip().lower(),
                answers={str(pk): value for pk, value in attendee.answers.items()},
            )
        )
    order = Order.objects.create(
        event=event,
        user=order_user,
        buyer_name=buyer_name.strip(),
        buyer_email=buyer_email.strip().lower(),
        held_until=now + hold_length(),
        discount_code=code,
        discount_cents=sum(line.discount_cents for line in lines),
        total_cents=sum(line.paid_cents for line in lines),
        currency=next(iter(types.values())).currency,
        dues_plan=dues_plan,
        dues_cents=dues_plan.least_cents if dues_plan is not None else 0,
    )
    for line in lines:
        line.order = order
    OrderLine.objects.bulk_create(lines)
    return order


def _confirm(event: Event, order: Order, now: datetime.datetime) -> None:
    """Mark the order paid and give each attendee a yes, taking their seat on the event's
    counter (the hold gives it up in the same statement's transaction). Event locked."""
    order.status, order.paid_at, order.held_until = Order.Status.PAID, now, None
    order.save(update_fields=["status", "paid_at", "held_until"])
    seats = 0
    for line in order.lines.select_related("ticket_type"):
        same_person = order.user_id and line.attendee_email == order.buyer_email
        rsvp = rsvp_for(
            event=event, email=line.attendee_email, name=line.attendee_name, user=order.user if same_person else None
        )
        rsvp = RSVP.objects.select_for_update().get(pk=rsvp.pk)
        if rsvp.status != RSVP.Status.YES:
            rsvp.status, rsvp.status_changed_at, rsvp.waitlisted_at = RSVP.Status.YES, now, None
            rsvp.answered_at, rsvp.guests, rsvp.revision = now, 0, rsvp.revision + 1
            rsvp.save(
                update_fields=["status", "status_changed_at", "waitlisted_at", "answered_at", "guests", "revision"]
            )
            seats += 1
            notices.ticket_confirmed(rsvp, line_id=line.pk)
        line.rsvp = rsvp
        line.save(update_fields=["rsvp"])
        _keep_answers(rsvp, line)
    if seats:
        event.seats_taken += seats
        Event.objects.filter(pk=event.pk).update(seats_taken=event.seats_taken)


def _keep_answers(rsvp: RSVP, line: OrderLine) -> None:
    """Save the answers given with the order on the attendee's RSVP. Questions the organiser
    changed while the buyer paid must not turn a payment away: answers that no longer fit stay
    on the order line, and the attendee gives them again on their own page."""
    if not line.answers:
        return
    try:
        questions.save_answers(rsvp=rsvp, answers=line.answers)
    except questions.AnswersRefused:
        return


def confirm_paid(
    *,
    order_id: int,
    amount_cents: int,
    currency: str,
    payment_intent: str = "",
    dues_applied: bool = False,
    now: datetime.datetime | None = None,
) -> str:
    """The money for an order arrived: confirm it (CONFIRMED), note a repeat (REPEAT), or find
    it must go back (REFUND: the amount is not what was asked, the buyer may no longer buy a
    member ticket, or the hold ended and the event has no room now). Nobody keeps a charge
    without a seat."""
    now = now or timezone.now()
    event_id = Order.objects.values_list("event_id", flat=True).get(pk=order_id)
    with transaction.atomic():
        event = lock_event(event_id)
        order = Order.objects.select_for_update().get(pk=order_id)
        if payment_intent and not order.stripe_payment_intent_id:
            order.stripe_payment_intent_id = payment_intent
            order.save(update_fields=["stripe_payment_intent_id"])
        if order.status in (Order.Status.PAID, Order.Status.REFUNDED):
            return REPEAT
        problem = _payment_problem(event, order, amount_cents, currency, dues_applied, now)
        if problem:
            if order.is_held:
                end_hold(order, status=Order.Status.REFUNDED, now=now, reason=problem)
            else:
                order.status, order.status_reason = Order.Status.REFUNDED, problem
                order.save(update_fields=["status", "status_reason"])
            return REFUND
        _confirm(event, order, now)
    return CONFIRMED


def _payment_problem(event, order, amount_cents, currency, dues_applied, now) -> str:
    if amount_cents != order.charged_cents or currency.upper() != order.currency.upper():
        return in_society_language(gettext_lazy("paid amount differs from the order's"))
    if order.dues_cents and not dues_applied:
        return in_society_language(gettext_lazy("the dues in the same payment could not be applied"))
    types = {line.ticket_type for line in order.lines.select_related("ticket_type")}
    members_only = [t for t in types if t.for_members]
    if members_only:  # standing now, the dues of this very payment included
        buyer = buyer_of(order.user, on=timezone.localdate(now))
        if not all(may_buy(t, buyer) for t in members_only):
            return in_society_language(gettext_lazy("not a member in good standing when the payment arrived"))
    if not order.holds_seats(now):
        attendees = [
            Attendee(line.ticket_type_id, line.attendee_name, line.attendee_email) for line in order.lines.all()
        ]
        try:
            _check_room(event, attendees, {t.pk: t for t in types}, now)
        except OrderRefused:
            return in_society_language(gettext_lazy("the hold had ended and the event had no room"))
    return ""
