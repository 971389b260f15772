"""Ticket types and registration questions in the event's second language: a person who
reads it sees the ticket's name on the register page, the order page and in the ticket
email a worker composes for them, and the questions (text, hint, choices) in the forms;
the answers are kept, and listed for the organiser, in the words the organiser wrote."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from events import question_setup, questions
from events.question_forms import QuestionForm
from events.ticket_forms import AttendeeForm, TicketTypeForm
from events.ticket_orders import Attendee, place_order
from events.ticket_records import TicketType
from tests.factories import EventFactory, RSVPFactory
from tests.mail import mails

pytestmark = pytest.mark.django_db

DIETS = ["No special needs", "Vegetarian", "Other"]
DIETAS = ["Ninguna en especial", "Vegetariana", "Otra"]


@pytest.fixture(autouse=True)
def _english_after():
    """A Spanish request leaves Spanish active in the thread; the tests after read English."""
    yield
    translation.deactivate()


@pytest.fixture
def congress(organiser):
    return EventFactory(
        organisers=[organiser], kind="congress", capacity=20, second_language="es", title_second="Congreso"
    )


@pytest.fixture
def member_ticket(congress):
    return TicketType.objects.create(event=congress, name="Non-member", name_second="No socio", price_cents=0)


@pytest.fixture
def diet(congress, organiser):
    details = {
        "text": "Dietary needs",
        "kind": "one_choice",
        "choices": DIETS,
        "help_text": "Lunch is served.",
        "text_second": "Necesidades alimentarias",
        "help_text_second": "Se sirve el almuerzo.",
        "choices_second": DIETAS,
    }
    return question_setup.add_question(event=congress, details=details, by=organiser)


def _in_spanish(client):
    client.post("/language/", {"language": "es", "next": "/"})


def _type_form(**overrides) -> dict:
    data = {"name": "Member", "price_cents": "4500", "audience": "anyone", "max_per_order": "4"}
    data.update(overrides)
    return data


def _question_form(**overrides) -> dict:
    data = {"text": "Dietary needs", "kind": "one_choice", "choices": "\n".join(DIETS)}
    data.update(overrides)
    return data


def test_a_spanish_reader_sees_the_tickets_spanish_name_on_the_register_page(client, congress, member_ticket):
    _in_spanish(client)
    page = client.get(f"/events/{congress.slug}/register/").content.decode()
    assert "No socio" in page and "Non-member" not in page


def test_an_english_reader_sees_the_ticket_as_the_organiser_named_it(client, congress, member_ticket):
    page = client.get(f"/events/{congress.slug}/register/").content.decode()
    assert "Non-member" in page and "No socio" not in page


def test_a_ticket_of_an_event_without_a_second_language_keeps_its_name(client, organiser):
    event = EventFactory(organisers=[organiser])
    TicketType.objects.create(event=event, name="General", name_second="General ES", price_cents=0)
    _in_spanish(client)
    page = client.get(f"/events/{event.slug}/register/").content.decode()
    assert "General" in page and "General ES" not in page


def test_the_ticket_email_names_the_ticket_in_the_recipients_language(congress, member_ticket):
    for language, email in (("es", "ana@example.org"), ("en", "bob@example.org")):
        with translation.override(language):  # a visitor without an account, reading the site in it
            place_order(event=congress, user=None, buyer_name="Buyer", buyer_email=email,
                        attendees=[Attendee(member_ticket.pk, "Buyer", email)])  # fmt: skip
    [ana] = mails(kind="event-ticket", to="ana@example.org")
    [bob] = mails(kind="event-ticket", to="bob@example.org")
    assert ana.language == "es"
    assert "No socio" in ana.body_text and "No socio" in ana.body_html and "Congreso" in ana.body_text
    assert "Non-member" not in ana.body_text
    assert "Non-member" in bob.body_text and "No socio" not in bob.body_text


def test_the_order_page_names_the_ticket_in_spanish_in_as_many_queries(client, congress, member_ticket):
    order = place_order(event=congress, user=None, buyer_name="Ana", buyer_email="ana@example.org",
                        attendees=[Attendee(member_ticket.pk, "Ana", "ana@example.org")])  # fmt: skip
    client.get(order.capability_url)
    with CaptureQueriesContext(connection) as one:
        client.get(order.capability_url)
    more = TicketType.objects.create(event=congress, name="Student", name_second="Estudiante", price_cents=0)
    two = place_order(event=congress, user=None, buyer_name="Rosa", buyer_email="rosa@example.org",
                      attendees=[Attendee(member_ticket.pk, "Rosa", "rosa@example.org"),
                                 Attendee(more.pk, "Eva", "eva@example.org")])  # fmt: skip
    _in_spanish(client)
    with CaptureQueriesContext(connection) as both:
        page = client.get(two.capability_url).content.decode()
    assert "No socio" in page and "Estudiante" in page and "Non-member" not in page
    assert len(both) == len(one), "each line's ticket name costs no query of its own"


def test_the_order_form_asks_the_questions_in_spanish_and_keeps_the_answer_as_asked(congress, diet):
    with translation.override("es"):
        form = AttendeeForm(event=congress)
        field = form.fields[questions.field_name(diet)]
        assert field.label == "Necesidades alimentarias" and field.help_text == "Se sirve el almuerzo."
        assert list(field.choices) == list(zip(DIETS, DIETAS, strict=True))
    with translation.override("en"):
        field = AttendeeForm(event=congress).fields[questions.field_name(diet)]
        assert field.label == "Dietary needs" and list(field.choices) == list(zip(DIETS, DIETS, strict=True))


def test_the_rsvp_form_asks_in_spanish_and_the_organiser_reads_the_answer_as_written(client, organiser, diet):
    person = RSVPFactory(event=diet.event)
    url = reverse("events:rsvp-link", args=[person.token])
    _in_spanish(client)
    page = client.get(url, {"answer": "yes"}).content.decode()
    assert "Necesidades alimentarias" in page and "Vegetariana" in page and "Se sirve el almuerzo." in page
    assert "Dietary needs" not in page
    client.post(url + "?answer=yes", {"answer": "yes", questions.field_name(diet): "Vegetarian"})
    person.refresh_from_db()
    assert person.is_yes and questions.answers_for(person) == {diet.pk: "Vegetarian"}
    client.post("/language/", {"language": "en", "next": "/"})
    client.force_login(organiser)
    listing = client.get(reverse("events:manage-rsvps", args=[diet.event.slug])).content.decode()
    assert "Dietary needs" in listing and "Vegetarian" in listing and "Necesidades alimentarias" not in listing


def test_a_refusal_names_the_question_in_the_readers_language(congress, diet):
    with translation.override("es"):
        [refusal] = questions.problems(congress, {diet.pk: "Steak"})
        assert "Necesidades alimentarias" in refusal.message


def test_the_organiser_gives_a_ticket_type_its_spanish_name(congress):
    form = TicketTypeForm(_type_form(name_second="Socio"), event=congress)
    assert form.is_valid(), form.errors
    assert form.details()["name_second"] == "Socio"


def test_a_ticket_name_in_a_second_language_the_event_lacks_is_refused(organiser):
    event = EventFactory(organisers=[organiser])
    form = TicketTypeForm(_type_form(name_second="Socio"), event=event)
    assert not form.is_valid()
    assert form.errors["name_second"] == [
        "This event has no second language: choose one on the event's page first, or leave this empty."
    ]


def test_the_organiser_gives_a_question_its_spanish_words(client, organiser, congress):
    client.force_login(organiser)
    data = _question_form(text_second="Necesidades alimentarias", choices_second="\n".join(DIETAS))
    assert client.post(reverse("events:manage-questions", args=[congress.slug]), data).status_code == 302
    question = congress.questions.get()
    assert (question.text_second, question.choices_second) == ("Necesidades alimentarias", DIETAS)
    edit = QuestionForm.for_question(question)
    assert edit.initial["choices_second"] == "\n".join(DIETAS)


def test_second_language_choices_must_match_the_choices_one_for_one(congress):
    form = QuestionForm(_question_form(choices_second="Vegetariana\nOtra"), event=congress)
    assert not form.is_valid()
    assert form.errors["choices_second"] == [
        "Give one choice in the second language for each choice above, in the same order."
    ]


def test_question_words_in_a_second_language_the_event_lacks_are_refused(organiser):
    event = EventFactory(organisers=[organiser])
    form = QuestionForm(_question_form(text_second="Necesidades alimentarias"), event=event)
    assert not form.is_valid() and "text_second" in form.errors


def test_the_attendee_reads_their_own_answer_in_the_words_they_chose_it_in(client, diet):
    person = RSVPFactory(event=diet.event)
    url = reverse("events:rsvp-link", args=[person.token])
    _in_spanish(client)
    client.post(url + "?answer=yes", {"answer": "yes", questions.field_name(diet): "Vegetarian"})
    page = client.get(url).content.decode()
    summary = page[page.index("Necesidades alimentarias</dt>") :]
    summary = summary[: summary.index("</dl>")]
    assert "Necesidades alimentarias" in summary and "Vegetariana" in summary and "Vegetarian<" not in summary
    assert questions.shown(diet, "Vegetarian") == "Vegetarian", "the organiser's lists keep the words written"
