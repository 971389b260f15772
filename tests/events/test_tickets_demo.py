"""seed_demo gives the Annual Congress its tickets, a discount code and an order in every state."""

import pytest
from django.core.management import call_command

from events import questions
from events.models import Event
from events.ticket_records import DiscountCode, Order, TicketType

pytestmark = pytest.mark.django_db


@pytest.fixture
def congress():
    call_command("seed_demo")
    call_command("seed_demo")  # safe twice
    return Event.objects.get(slug="annual-congress")


def test_the_congress_sells_member_non_member_student_and_a_hidden_speaker_ticket(congress):
    kinds = {t.name: t for t in congress.ticket_types.prefetch_related("plans")}
    assert list(kinds) == ["Member", "Non-member", "Student", "Speaker"]
    assert kinds["Member"].audience == TicketType.Audience.GOOD_STANDING
    assert kinds["Member"].price_cents < kinds["Non-member"].price_cents
    assert [plan.slug for plan in kinds["Student"].plans.all()] == ["pay-what-you-can"]
    speaker = kinds["Speaker"]
    assert speaker.hidden and speaker.price_cents == 0 and speaker.unlock_code
    assert DiscountCode.objects.filter(event=congress).count() == 1


def test_the_congress_has_an_order_in_every_state_once(congress):
    assert set(congress.orders.values_list("status", flat=True)) == set(Order.Status.values)
    assert congress.orders.count() == 7
    refunded = congress.orders.get(status=Order.Status.REFUNDED)
    assert refunded.refund_cents == refunded.charged_cents and refunded.refunded_at
    assert congress.orders.get(status=Order.Status.HELD).user.email == "student@example.org"


def test_paid_attendees_are_coming_with_their_answers(congress):
    paid = congress.orders.filter(status=Order.Status.PAID)
    lines = [line for order in paid for line in order.lines.select_related("rsvp")]
    assert {line.attendee_name for line in lines} == {"Nina Novak", "Gustav Gast", "Rhea Fluss"}
    assert all(line.rsvp and line.rsvp.is_yes for line in lines)
    nina = next(line.rsvp for line in lines if line.attendee_name == "Nina Novak")
    assert "Vegan" in questions.answers_for(nina).values()
    assert congress.orders.get(discount_code__isnull=False).discount_cents > 0
