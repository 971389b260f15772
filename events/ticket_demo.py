"""The demo congress's tickets, once: Member, Non-member, Student (members on the student plan)
and a hidden Speaker ticket unlocked by a code, a discount code, and an order in each state
an order can be in (paid, held, expired, cancelled, refunded), with named attendees and their
answers to the congress's questions.

Orders go through events/ticket_orders.py and the checkout's own webhook handling, as they
would from the pages; only Stripe's side (the money arriving, a refund done) is played here.
"""

import time

from django.db import transaction
from django.utils import timezone

from events import questions, ticket_checkout, ticket_holds, ticket_pay_later, ticket_types
from events.demo_spanish import TICKET_TYPES
from events.models import Event
from events.ticket_orders import REFUND, Attendee, confirm_paid, place_order
from events.ticket_pay_later_records import PayLaterTerms
from events.ticket_records import DiscountCode, Order, TicketType
from members import stripe as card
from members.models import Plan, User

SPEAKER_CODE = "SPEAKER2026"
DISCOUNT_CODE = "EARLYBIRD"
STUDENT_PLAN = "pay-what-you-can"
# Seats the orders below keep (paid, free speaker, held, reserved for a bank transfer): the
# congress grows by these, so the people already coming and the waitlist stay as they were.
SEATS_FOR_ORDERS = 5
# And by these, still on sale: a visitor trying the demo can buy a ticket.
SEATS_ON_SALE = 40


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _types(event: Event, by) -> dict[str, TicketType]:
    student = Plan.objects.filter(slug=STUDENT_PLAN)
    specs = [
        ("Member", 9000, TicketType.Audience.GOOD_STANDING, [], {}),
        ("Non-member", 18000, TicketType.Audience.ANYONE, [], {}),
        ("Student", 4500, TicketType.Audience.PLANS, list(student), {}),
        ("Speaker", 0, TicketType.Audience.ANYONE, [], {"hidden": True, "unlock_code": SPEAKER_CODE, "quantity": 12}),
    ]
    made = {}
    for order, (name, cents, audience, plans, more) in enumerate(specs):
        details = {"name": name, "name_second": TICKET_TYPES[name], "price_cents": cents, "audience": audience}
        details.update(display_order=order, **more)
        made[name] = ticket_types.create_ticket_type(event=event, details=details, plans=plans, by=by)
    ticket_types.create_discount_code(
        event=event,
        details={"code": DISCOUNT_CODE, "kind": DiscountCode.Kind.PERCENT, "value": 20, "max_uses": 50},
        ticket_types=[made["Member"], made["Non-member"]],
        by=by,
    )
    return made


def _answers(event: Event, diet: str, affiliation: str = "") -> dict:
    asked = {question.text: question.pk for question in questions.asked(event)}
    given = {"Dietary needs": diet, "Affiliation": affiliation}
    return {pk: given.get(text, "") for text, pk in asked.items()}


def _order(event, kind, people, *, user=None, code="", unlock="") -> Order:
    attendees = [Attendee(kind.pk, name, email, answers=_answers(event, diet)) for name, email, diet in people]
    return place_order(
        event=event, user=user, buyer_name=people[0][0], buyer_email=people[0][1], attendees=attendees,
        discount_code=code, unlock_code=unlock,
    )  # fmt: skip


def _pay(order: Order) -> None:
    """The money arrives as the local test checkout's webhook would bring it."""
    order.stripe_checkout_session_id = card.local_id("cs")
    order.save(update_fields=["stripe_checkout_session_id"])
    ticket_checkout.session_completed({"created": int(time.time())}, ticket_checkout.local_session(order, paid=True))


def _late_payment_refunded(order: Order) -> None:
    """A payment arriving after the hold ended, for a congress full again: refunded in full
    (Stripe's refund played here, with nobody to ask)."""
    if confirm_paid(order_id=order.pk, amount_cents=order.charged_cents, currency=order.currency) == REFUND:
        Order.objects.filter(pk=order.pk).update(refund_cents=order.charged_cents, refunded_at=timezone.now())


def _cancel_unpaid(order: Order) -> None:
    with transaction.atomic():
        ticket_holds.lock_event(order.event_id)
        held = Order.objects.select_for_update().get(pk=order.pk)
        ticket_holds.end_hold(held, status=Order.Status.CANCELLED, now=timezone.now(), reason="cancelled by the buyer")


def seed(log) -> None:
    """The congress's tickets and orders; nothing if the congress sells tickets already."""
    event = Event.objects.filter(slug="annual-congress").first()
    if event is None or event.ticket_types.exists():
        return
    by = _user("organiser@example.org")
    Event.objects.filter(pk=event.pk).update(capacity=event.capacity + SEATS_FOR_ORDERS)
    event.refresh_from_db()
    kinds = _types(event, by)
    paid = _order(event, kinds["Non-member"], [("Nina Novak", "nina.novak@example.org", "Vegan"),
                                               ("Gustav Gast", "gustav.gast@example.org", "No special needs")],
                  code=DISCOUNT_CODE)  # fmt: skip
    _pay(paid)
    _order(event, kinds["Speaker"], [("Rhea Fluss", "rhea.fluss@example.org", "Vegetarian")], unlock=SPEAKER_CODE)
    late = _order(event, kinds["Non-member"], [("Lena Late", "lena.late@example.org", "No special needs")])
    ticket_holds.expire(order_id=late.pk, reason="hold ended")
    expired = _order(event, kinds["Non-member"], [("Erik Ende", "erik.ende@example.org", "Other")])
    ticket_holds.expire(order_id=expired.pk, reason="hold ended")
    cancelled = _order(event, kinds["Non-member"], [("Carla Storno", "carla.storno@example.org", "Vegan")])
    _cancel_unpaid(cancelled)
    student = _user("student@example.org")
    name = student.get_full_name() if student else "Sam Student"
    _order(event, kinds["Student"], [(name, "student@example.org", "Vegetarian")], user=student)  # held
    PayLaterTerms.objects.update_or_create(event=event, defaults={"allowed": True, "days": 10})
    by_transfer = _order(event, kinds["Non-member"], [("Bruno Banco", "bruno.banco@example.org", "No special needs")])
    ticket_pay_later.reserve(order_id=by_transfer.pk)
    _late_payment_refunded(late)
    Event.objects.filter(pk=event.pk).update(capacity=event.capacity + SEATS_ON_SALE)  # then more seats go on sale
    log(
        f"Congress tickets: {', '.join(kinds)} (the Speaker ticket with the code {SPEAKER_CODE}), "
        f"the code {DISCOUNT_CODE}, pay later on, and orders in every state."
    )
