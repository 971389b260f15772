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

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.models import RSVP, Event
from events.question_records import LONG_TEXT_MAX, NO, SHORT_TEXT_MAX, YES, Answer, Question
from events.rsvp import Outcome, RSVPRefused, respond

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
        # An unsaved event (the unknown link's stand-in) costs the same query as a real one.
        cached = list(Question.objects.filter(event_id=event.pk or 0).asked())
        for question in cached:
            question.event = event  # each question's words in the reader's language read the event's second language
        event._asked_questions = cached
    return cached


def field_name(question: Question, prefix: str = "") -> str:
    return f"{prefix}question_{question.pk}"


def _field(question: Question) -> forms.Field:
    common = {"label": question.shown_text, "help_text": question.shown_help_text, "required": question.required}
    if question.kind == Kind.SHORT_TEXT:
        return forms.CharField(max_length=SHORT_TEXT_MAX, **common)
    if question.kind == Kind.LONG_TEXT:
        return forms.CharField(max_length=LONG_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}), **common)
    if question.kind == Kind.YES_NO:
        choices = [(YES, gettext_lazy("Yes")), (NO, gettext_lazy("No"))]
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    choices = question.shown_choices
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
            _("Answer “%(question)s” with one answer.") % {"question": question.shown_text}, question=question
        )
    return [value.strip()] if value.strip() else []


def _check_one(question: Question, values: list[str]) -> None:
    words = {"question": question.shown_text}
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


def _keyed(answers: dict) -> dict:
    """Question ids as numbers: answers kept as JSON (an order waiting for its payment) come back with text keys."""
    return {int(key) if isinstance(key, str) and key.isdigit() else key: value for key, value in answers.items()}


def problems(event: Event, answers: dict) -> list[AnswersRefused]:
    """Every reason the answers cannot be taken, one per question (a form shows them all)."""
    answers = _keyed(answers)
    questions = {question.pk: question for question in asked(event)}
    if set(answers) - set(questions):
        return [AnswersRefused(_("Some answers are to questions this event no longer asks: reload the page."))]
    found = []
    for question in questions.values():
        try:
            _check_one(question, _values(question, answers.get(question.pk)))
        except AnswersRefused as refusal:
            found.append(refusal)
    return found


def check_answers(event: Event, answers: dict) -> None:
    """Raise AnswersRefused, saying which question and why, unless every answer can be taken:
    each required question answered, each choice one of the question's, each text short enough,
    and no answer to a question this event does not ask."""
    found = problems(event, answers)
    if found:
        raise found[0]


def save_answers(*, rsvp: RSVP, answers: dict) -> None:
    """Keep one attendee's answers (checked first), replacing the ones they gave before to the
    questions asked now; answers to archived questions stay. Runs in the caller's transaction
    when there is one, so a registration and its answers commit or roll back together."""
    event = rsvp.event
    vars(event).pop("_asked_questions", None)  # the questions as they are now, not as a page saw them
    answers = _keyed(answers)
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


def respond_with_answers(
    *, rsvp_id: int, answer: str, guests: int = 0, answers: dict, unlocked: RSVP | None = None
) -> Outcome:
    """Record an answer (events.rsvp.respond) and, for a yes, the person's answers to the
    questions, in one transaction. Answers that cannot be taken are refused (AnswersRefused)
    before any seat is taken or place in line held, so a refusal changes nothing."""
    if unlocked is None or unlocked.pk != rsvp_id:
        unlocked = RSVP.objects.select_related("event").get(pk=rsvp_id)
    asks = answer == RSVP.Status.YES and bool(asked(unlocked.event))
    if asks:
        check_answers(unlocked.event, answers)
    with transaction.atomic():
        outcome = respond(rsvp_id=rsvp_id, answer=answer, guests=guests, unlocked=unlocked)
        if asks:
            save_answers(rsvp=outcome.rsvp, answers=answers)
    return outcome


def may_change_answers(rsvp: RSVP, *, now: datetime.datetime | None = None) -> str:
    """Why this person cannot change their answers to the questions now, or "" if they can."""
    if not asked(rsvp.event):
        return _("This event asks no questions.")
    if rsvp.status not in (RSVP.Status.YES, RSVP.Status.WAITLISTED):
        return _("Answers to the questions are asked of people who say yes.")
    return rsvp.event.rsvp_closed_reason(now or timezone.now())


def change_answers(*, rsvp: RSVP, answers: dict, now: datetime.datetime | None = None) -> None:
    """A person who said yes (or waits in line) changes their answers, while answers are taken."""
    reason = may_change_answers(rsvp, now=now)
    if reason:
        raise AnswersRefused(reason, code="closed")
    save_answers(rsvp=rsvp, answers=answers)


def answers_for(rsvp: RSVP) -> dict[int, str | list[str]]:
    """{question id: value} of one attendee to the questions asked now, in the shape
    `question_fields(initial=...)` takes."""
    return answers_of([rsvp.pk or 0], questions=asked(rsvp.event)).get(rsvp.pk, {})


def answers_of(rsvp_ids: Iterable[int], *, questions: list[Question]) -> dict[int, dict[int, str | list[str]]]:
    """{rsvp id: {question id: value}} for many attendees, in one query."""
    kinds = {question.pk: question.kind for question in questions}
    rows = Answer.objects.filter(rsvp_id__in=list(rsvp_ids), question_id__in=list(kinds)).order_by("pk")
    return grouped(rows.values_list("rsvp_id", "question_id", "value"), kinds)


def grouped(rows: Iterable[tuple[int, int, str]], kinds: dict[int, str]) -> dict[int, dict[int, str | list[str]]]:
    """(rsvp id, question id, value) rows as {rsvp id: {question id: value}}: a list for several choices."""
    found: dict[int, dict] = defaultdict(dict)
    for rsvp_id, question_id, value in rows:
        if kinds[question_id] == Kind.CHOICES:
            found[rsvp_id].setdefault(question_id, []).append(value)
        else:
            found[rsvp_id][question_id] = value
    return dict(found)


def shown(question: Question, value, *, for_reader: bool = False) -> str:
    """An answer as a person reads it: "Yes", "Vegetarian, Halal", or "" for none. The
    organiser's lists keep the choices in the words they wrote; `for_reader` shows the person
    who answered the choices in their own language, as the form offered them."""
    if not value:
        return ""
    if question.kind == Kind.YES_NO:
        return _("Yes") if value == YES else _("No")
    values = value if isinstance(value, list) else [value]
    if for_reader and question.has_choices:
        words = dict(question.shown_choices)
        values = [words.get(choice, choice) for choice in values]
    return ", ".join(values)
