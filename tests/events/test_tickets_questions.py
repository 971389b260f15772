"""The ticket order form asks each named attendee the event's questions; answers reach their RSVP when paid."""

import pytest
from django.urls import reverse

from events import question_setup, questions
from events.models import RSVP
from events.question_records import Answer
from events.ticket_records import Order, TicketType
from tests.events.test_tickets_payment import completed
from tests.factories import EventFactory
from tests.members import stripe_payloads as sp

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _webhook_only(settings):
    """Stripe's webhook signed as in production; no Stripe keys, so ordering asks no one on the network."""
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_WEBHOOK_SECRET = sp.SECRET
    settings.CURRENCY = "USD"


@pytest.fixture
def congress(organiser):
    event = EventFactory(kind="congress", capacity=10, organisers=[organiser])
    diet = question_setup.add_question(
        event=event, details={"text": "Dietary needs", "kind": "one_choice", "choices": ["None", "Vegetarian"],
                              "required": True}, by=organiser,
    )  # fmt: skip
    club = question_setup.add_question(event=event, details={"text": "Affiliation", "kind": "short_text"}, by=organiser)
    kind = TicketType.objects.create(event=event, name="Non-member", price_cents=9000)
    return event, kind, diet, club


def _order_data(kind, diet, club, *, second_diet="Vegetarian"):
    name = questions.field_name
    return {
        f"q-{kind.pk}": "2",
        "a0-ticket_type": kind.pk, "a0-name": "Ann", "a0-email": "ann@example.org",
        f"a0-{name(diet)}": "None", f"a0-{name(club)}": "Leeds",
        "a1-ticket_type": kind.pk, "a1-name": "Bob", "a1-email": "bob@example.org",
        f"a1-{name(diet)}": second_diet, f"a1-{name(club)}": "",
    }  # fmt: skip


def _register(client, event, data):
    return client.post(f"/events/{event.slug}/register/", data)


def test_each_attendee_is_asked_the_questions(client, congress):
    event, kind, diet, club = congress
    page = _register(client, event, {f"q-{kind.pk}": "2"}).content.decode()
    assert f'name="a0-{questions.field_name(diet)}"' in page
    assert f'name="a1-{questions.field_name(club)}"' in page
    assert "Dietary needs" in page


def test_a_missing_required_answer_is_refused_and_nothing_is_held(client, congress):
    event, kind, diet, club = congress
    response = _register(client, event, _order_data(kind, diet, club, second_diet=""))
    assert response.status_code == 400
    assert "Please answer “Dietary needs”." in response.content.decode()
    assert not Order.objects.exists()


def test_a_choice_not_offered_is_refused_and_nothing_is_held(client, congress):
    event, kind, diet, club = congress
    response = _register(client, event, _order_data(kind, diet, club, second_diet="Steak"))
    assert response.status_code == 400
    assert "Steak is not one of the available choices" in response.content.decode()
    assert not Order.objects.exists()


def test_answers_wait_on_the_order_and_reach_each_rsvp_when_paid(client, congress):
    event, kind, diet, club = congress
    response = _register(client, event, _order_data(kind, diet, club))
    order = Order.objects.get()
    assert response.status_code == 302 and order.is_held
    assert not Answer.objects.exists(), "nothing is saved on an RSVP before the money arrives"
    page = client.get(order.capability_url).content.decode()
    assert "Vegetarian" in page and "Leeds" in page
    order.stripe_checkout_session_id = "cs_test_T1ckets"
    order.save(update_fields=["stripe_checkout_session_id"])
    sp.post(client, completed(order))
    order.refresh_from_db()
    assert order.is_paid
    ann = RSVP.objects.get(event=event, email="ann@example.org")
    bob = RSVP.objects.get(event=event, email="bob@example.org")
    assert questions.answers_for(ann) == {diet.pk: "None", club.pk: "Leeds"}
    assert questions.answers_for(bob) == {diet.pk: "Vegetarian"}


def test_the_order_page_shows_answers_changed_on_the_attendees_own_page(client, congress):
    event, kind, diet, club = congress
    _register(client, event, _order_data(kind, diet, club))
    order = Order.objects.get()
    sp.post(client, completed(order))
    bob = RSVP.objects.get(event=event, email="bob@example.org")
    link = client.get(reverse("events:rsvp-link", args=[bob.token])).content.decode()
    assert "Your answers to the questions" in link and "<dd>Vegetarian</dd>" in link
    name = questions.field_name
    changed = client.post(reverse("events:rsvp-answers", args=[bob.token]), {name(diet): "None", name(club): "York"})
    assert changed.status_code == 302
    page = client.get(order.capability_url).content.decode()
    assert "York" in page


def test_a_question_added_while_paying_does_not_turn_the_payment_away(client, congress, organiser):
    event, kind, diet, club = congress
    _register(client, event, _order_data(kind, diet, club))
    order = Order.objects.get()
    question_setup.add_question(
        event=event, details={"text": "T-shirt size", "kind": "short_text", "required": True}, by=organiser
    )
    sp.post(client, completed(order))
    order.refresh_from_db()
    assert order.is_paid
    assert RSVP.objects.filter(event=event, status="yes").count() == 2


def test_place_order_refuses_bad_answers_and_holds_nothing(congress):
    from events.ticket_orders import Attendee, OrderRefused, place_order

    event, kind, diet, _club = congress
    attendees = [Attendee(kind.pk, "Ann", "ann@example.org", answers={diet.pk: "Steak"})]
    with pytest.raises(OrderRefused) as refused:
        place_order(event=event, user=None, buyer_name="Ann", buyer_email="ann@example.org", attendees=attendees)
    assert refused.value.code == "answers" and "Ann" in refused.value.message
    assert not Order.objects.exists()


def test_the_order_page_shows_answers_in_a_fixed_number_of_queries(client, congress):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from events.ticket_orders import Attendee, place_order

    event, kind, diet, club = congress

    def order_of(count, start):
        people = [Attendee(kind.pk, f"P{n}", f"p{n}@example.org", answers={diet.pk: "None", club.pk: f"Club {n}"})
                  for n in range(start, start + count)]  # fmt: skip
        return place_order(event=event, user=None, buyer_name="P", buyer_email=people[0].email, attendees=people)

    small, large = order_of(1, 0), order_of(5, 10)
    with CaptureQueriesContext(connection) as one:
        client.get(small.capability_url)
    with CaptureQueriesContext(connection) as five:
        page = client.get(large.capability_url).content.decode()
    assert "Club 14" in page
    assert len(five) == len(one)
