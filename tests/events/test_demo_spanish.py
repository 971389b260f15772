"""seed_demo writes the demo society in Spanish too: a visitor reading Spanish reads the
plans, the congress, its ticket types and its questions in Spanish, the codes unchanged."""

import pytest
from django.core.management import call_command
from django.utils import translation

from events import questions
from events.models import Event
from events.question_forms import QuestionForm
from events.ticket_forms import TicketTypeForm
from members.forms import PlanForm
from members.models import Plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("seed_demo")


@pytest.fixture(autouse=True)
def _english_after():
    yield
    translation.deactivate()


def _spanish(client):
    client.post("/language/", {"language": "es", "next": "/"})


def test_a_spanish_reader_registers_for_the_congress_in_spanish(client, demo):
    congress = Event.objects.get(slug="annual-congress")
    _spanish(client)
    page = client.get(f"/events/{congress.slug}/register/").content.decode()
    assert "Congreso anual de la Sociedad" in page
    for name in ("Socio", "No socio", "Estudiante"):
        assert f">{name}<" in page
    assert ">Non-member<" not in page and "Ponente" not in page  # the speaker's ticket stays hidden
    with translation.override("es"):
        texts = [question.shown_text for question in questions.asked(congress)]
        [diet] = [question for question in questions.asked(congress) if question.kind == "one_choice"]
        assert texts == ["Necesidades alimentarias", "Institución"]
        assert dict(diet.shown_choices)["Vegetarian"] == "Vegetariana"


def test_a_spanish_reader_reads_the_plans_and_the_free_events_in_spanish(client, demo):
    _spanish(client)
    page = client.get("/join/").content.decode()
    assert "Socio ordinario" in page and "Estudiante o ingresos bajos" in page and "Socio vitalicio" in page
    assert "Regular member" not in page
    listing = client.get("/events/").content.decode()
    assert "Conferencia pública: los ríos ante el calentamiento global" in listing
    assert "Public lecture" not in listing


def test_the_demos_spanish_words_pass_the_organisers_own_forms(demo):
    """What the demo wrote, the forms would have taken: choices line up, lengths fit."""
    for plan in Plan.objects.all():
        values = {name: getattr(plan, name) for name in PlanForm.Meta.fields}
        values.update(amount_cents=f"{plan.amount_cents / 100:.2f}", minimum_cents=f"{plan.minimum_cents / 100:.2f}")
        form = PlanForm({k: v for k, v in values.items() if v is not None}, instance=plan)
        assert not {"second_language", "name_second", "description_second"} & set(form.errors), form.errors
    congress = Event.objects.get(slug="annual-congress")
    for question in questions.asked(congress):
        data = {f"q{question.pk}-{k}": v for k, v in QuestionForm.for_question(question).initial.items()}
        form = QuestionForm(data, prefix=f"q{question.pk}", event=congress)
        assert form.is_valid(), form.errors
    for ticket_type in congress.ticket_types.all():
        form = TicketTypeForm({"name": ticket_type.name, "name_second": ticket_type.name_second}, event=congress)
        form.is_valid()
        assert "name_second" not in form.errors
