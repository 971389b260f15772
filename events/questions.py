"""Asking an event's registration questions: the form fields, checking and saving answers.

A clean function API, so every way of registering asks the same questions the same way
(the free RSVP forms here, and a paid order's form for each named attendee):

    fields = question_fields(event, prefix="a1-")          # add to any form
    answers = answers_from(form.cleaned_data, event, prefix="a1-")
    check_answers(event, answers)                          # raises AnswersRefused
    save_answers(rsvp=rsvp, answers=answers)               # in the registration's transaction

`answers` is {question id: value}: a string for text and one choice, a list of strings
for several choices, "yes"/"no" for yes or no, and "" or [] for no answer.
"""

from collections import defaultdict
from collections.abc import Iterable

from django import forms
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.models import RSVP, Event
from events.question_records import LONG_TEXT_MAX, NO, SHORT_TEXT_MAX, YES, Answer, Question
from events.rsvp import RSVPRefused

Kind = Question.Kind


class AnswersRefused(RSVPRefused):
    """Answers to an event's questions that cannot be taken; nothing is saved or held."""

    def __init__(self, message: str, *, code: str = "answers", question: Question | None = None):
        super().__init__(message, code=code)
        self.question = question


def asked(event: Event) -> list[Question]:
    """The questions this event asks now, in order (cached on the event for one request)."""
    cached = getattr(event, "_asked_questions", None)
    if cached is None:
        cached = list(event.questions.asked()) if event.pk else []
        event._asked_questions = cached
    return cached


def field_name(question: Question, prefix: str = "") -> str:
    return f"{prefix}question_{question.pk}"


def _field(question: Question) -> forms.Field:
    common = {"label": question.text, "help_text": question.help_text, "required": question.required}
    if question.kind == Kind.SHORT_TEXT:
        return forms.CharField(max_length=SHORT_TEXT_MAX, **common)
    if question.kind == Kind.LONG_TEXT:
        return forms.CharField(max_length=LONG_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}), **common)
    if question.kind == Kind.YES_NO:
        choices = [(YES, gettext_lazy("Yes")), (NO, gettext_lazy("No"))]
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    choices = [(choice, choice) for choice in question.choices]
    if question.kind == Kind.ONE_CHOICE:
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)


def question_fields(event: Event, prefix: str = "", *, initial: dict | None = None) -> dict[str, forms.Field]:
    """A form field for each question the event asks, named `<prefix>question_<id>`;
    `initial` ({question id: value}, as `answers_for` gives) fills in answers already given."""
    fields = {}
    for question in asked(event):
        field = _field(question)
        if initial and question.pk in initial:
            field.initial = initial[question.pk]
        fields[field_name(question, prefix)] = field
    return fields


def answers_from(cleaned_data: dict, event: Event, prefix: str = "") -> dict[int, str | list[str]]:
    """The answers in a form's cleaned data, as {question id: value}."""
    return {question.pk: cleaned_data.get(field_name(question, prefix)) or "" for question in asked(event)}


def _values(question: Question, value) -> list[str]:
    """An answer as the rows that keep it (one per chosen choice); [] for no answer."""
    if value is None or value == "" or value == []:
        return []
    if question.kind == Kind.CHOICES:
        if isinstance(value, str):
            value = [value]
        return [str(choice) for choice in value]
    if not isinstance(value, str):
        raise AnswersRefused(
            _("Answer “%(question)s” with one answer.") % {"question": question.text}, question=question
        )
    return [value.strip()] if value.strip() else []


def _check_one(question: Question, values: list[str]) -> None:
    words = {"question": question.text}
    if not values:
        if question.required:
            raise AnswersRefused(_("Please answer “%(question)s”.") % words, code="required", question=question)
        return
    if question.kind == Kind.YES_NO and values[0] not in (YES, NO):
        raise AnswersRefused(_("Answer “%(question)s” with yes or no.") % words, question=question)
    if question.has_choices:
        unknown = [value for value in values if value not in question.choices]
        if unknown or len(set(values)) != len(values):
            message = _("“%(answer)s” is not one of the choices for “%(question)s”.")
            raise AnswersRefused(message % {**words, "answer": (unknown or values)[0]}, question=question)
    longest = LONG_TEXT_MAX if question.kind == Kind.LONG_TEXT else SHORT_TEXT_MAX
    if question.kind in (Kind.SHORT_TEXT, Kind.LONG_TEXT) and len(values[0]) > longest:
        message = _("The answer to “%(question)s” is too long: at most %(longest)d characters.")
        raise AnswersRefused(message % {**words, "longest": longest}, question=question)


def check_answers(event: Event, answers: dict) -> None:
    """Raise AnswersRefused, saying which question and why, unless every answer can be taken:
    each required question answered, each choice one of the question's, each text short enough,
    and no answer to a question this event does not ask."""
    questions = {question.pk: question for question in asked(event)}
    strange = set(answers) - set(questions)
    if strange:
        raise AnswersRefused(_("Some answers are to questions this event no longer asks: reload the page."))
    for question in questions.values():
        _check_one(question, _values(question, answers.get(question.pk)))


def save_answers(*, rsvp: RSVP, answers: dict) -> None:
    """Keep one attendee's answers (checked first), replacing the ones they gave before to the
    questions asked now; answers to archived questions stay. Runs in the caller's transaction
    when there is one, so a registration and its answers commit or roll back together."""
    event = rsvp.event
    check_answers(event, answers)
    questions = {question.pk: question for question in asked(event)}
    with transaction.atomic():
        RSVP.objects.select_for_update().filter(pk=rsvp.pk).first()  # two saves at once cannot mix
        Answer.objects.filter(rsvp=rsvp, question_id__in=questions).delete()
        rows = [
            Answer(rsvp=rsvp, question=question, value=value)
            for pk, question in questions.items()
            for value in _values(question, answers.get(pk))
        ]
        Answer.objects.bulk_create(rows)


def answers_for(rsvp: RSVP) -> dict[int, str | list[str]]:
    """{question id: value} of one attendee, in the shape `question_fields(initial=...)` takes."""
    return answers_of([rsvp.pk], questions=list(rsvp.event.questions.all())).get(rsvp.pk, {})


def answers_of(rsvp_ids: Iterable[int], *, questions: list[Question]) -> dict[int, dict[int, str | list[str]]]:
    """{rsvp id: {question id: value}} for many attendees, in one query."""
    kinds = {question.pk: question.kind for question in questions}
    found: dict[int, dict] = defaultdict(dict)
    rows = Answer.objects.filter(rsvp_id__in=list(rsvp_ids), question_id__in=list(kinds)).order_by("pk")
    for rsvp_id, question_id, value in rows.values_list("rsvp_id", "question_id", "value"):
        if kinds[question_id] == Kind.CHOICES:
            found[rsvp_id].setdefault(question_id, []).append(value)
        else:
            found[rsvp_id][question_id] = value
    return dict(found)


def shown(question: Question, value) -> str:
    """An answer as a person reads it: "Yes", "Vegetarian, Halal", or "" for none."""
    if not value:
        return ""
    if question.kind == Kind.YES_NO:
        return _("Yes") if value == YES else _("No")
    return ", ".join(value) if isinstance(value, list) else value
