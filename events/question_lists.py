"""The answers to an event's questions where organisers read them: the answers list (and
its filter), the CSV, the door list. Each reads every answer of the event in one query,
however many people answered."""

from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils.translation import gettext as _

from events.models import Event
from events.question_records import Answer, Question
from events.questions import grouped, shown


def columns(event: Event) -> list[Question]:
    """The questions whose answers organisers read: those asked, in order, then archived ones."""
    return list(event.questions.all().order_by(F("archived_at").asc(nulls_first=True), "position", "pk"))


def answers_at(event: Event, questions: list[Question]) -> dict[int, dict[int, str | list[str]]]:
    """{rsvp id: {question id: value}} of every answer to these questions of the event, in one query."""
    kinds = {question.pk: question.kind for question in questions}
    if not kinds:
        return {}
    rows = Answer.objects.filter(rsvp__event_id=event.pk, question_id__in=list(kinds)).order_by("pk")
    return grouped(rows.values_list("rsvp_id", "question_id", "value"), kinds)


def attach(rsvps, questions: list[Question], answers: dict) -> None:
    """Give each RSVP `answers_shown`: its answers as read, one per question, "" for none."""
    for rsvp in rsvps:
        theirs = answers.get(rsvp.pk, {})
        rsvp.answers_shown = [shown(question, theirs.get(question.pk)) for question in questions]


def door_questions(event: Event) -> list[Question]:
    return list(event.questions.asked().filter(on_door_list=True))


@dataclass(frozen=True)
class AnswerFilter:
    """The answers list narrowed to the people who gave one answer to one question."""

    question: Question | None = None
    value: str = ""
    problem: str = ""

    @property
    def key(self) -> str:
        """The `answer=` value that asks for this filter ("" for a text search or none)."""
        return f"{self.question.pk}:{self.value}" if self.question and self.question.filter_values else ""

    @property
    def label(self) -> str:
        if self.question is None:
            return ""
        if self.question.filter_values:
            return f"{self.question.text}: {shown(self.question, self.value)}"
        return _("%(question)s contains “%(text)s”") % {"question": self.question.text, "text": self.value}

    def apply(self, rsvps: QuerySet) -> QuerySet:
        if self.question is None:
            return rsvps
        given = Answer.objects.filter(rsvp=OuterRef("pk"), question=self.question)
        given = (
            given.filter(value=self.value) if self.question.filter_values else given.filter(value__icontains=self.value)
        )
        return rsvps.filter(Exists(given))


def parse_filter(questions: list[Question], params) -> AnswerFilter:
    """The filter a GET asks for: `answer=<question id>:<choice>`, or `question=<id>` with
    `contains=<text>` for a text question. A filter that names nothing known is refused
    with a message, and everyone is shown."""
    by_id = {str(question.pk): question for question in questions}
    chosen, contains = params.get("answer", ""), params.get("contains", "").strip()[:200]
    if chosen:
        question_id, _colon, value = chosen.partition(":")
        question = by_id.get(question_id)
        if question is None or value not in question.filter_values:
            return AnswerFilter(problem=_("That answer is not one of this event's: everyone is shown."))
        return AnswerFilter(question=question, value=value)
    if contains:
        question = by_id.get(params.get("question", ""))
        if question is None or question.filter_values:
            return AnswerFilter(problem=_("Choose a question with a written answer to search in."))
        return AnswerFilter(question=question, value=contains)
    return AnswerFilter()


def filter_options(questions: list[Question]) -> tuple[list, list[Question]]:
    """[(question, [("<id>:<value>", label)])] for the choice and yes/no questions, and the text ones."""
    chosen = [
        (question, [(f"{question.pk}:{value}", shown(question, value)) for value in question.filter_values])
        for question in questions
        if question.filter_values
    ]
    return chosen, [question for question in questions if not question.filter_values]
