"""The demo congress asks two registration questions, with some answers."""

import pytest
from django.core.management import call_command

from events import question_lists
from events.models import Event

pytestmark = pytest.mark.django_db


def test_the_demo_congress_asks_dietary_needs_and_affiliation_once():
    call_command("seed_demo")
    call_command("seed_demo")
    congress = Event.objects.get(slug="annual-congress")
    diet, affiliation = congress.questions.asked()
    assert (diet.text, diet.kind, diet.required, diet.on_door_list) == ("Dietary needs", "one_choice", True, True)
    assert "Other" in diet.choices
    assert (affiliation.text, affiliation.kind, affiliation.required) == ("Affiliation", "short_text", False)
    answers = question_lists.answers_at(congress, [diet, affiliation])
    given = {congress.rsvps.get(pk=pk).email: theirs for pk, theirs in answers.items()}
    assert given["member@example.org"] == {diet.pk: "Vegetarian", affiliation.pk: "University of Springfield"}
    assert given["visitor.one@example.org"][diet.pk] == "Other"
    assert affiliation.pk not in given["renewing@example.org"]
