"""The organiser's form for one registration question; the functions in question_setup.py act."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.event_languages import ask_in_second_language, check_second_language
from events.question_records import Question

MOST_CHOICES = 30
SECOND_FIELDS = ("text_second", "help_text_second", "choices_second")


class QuestionForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Question"), max_length=300)
    kind = forms.ChoiceField(label=gettext_lazy("Kind of answer"), choices=Question.Kind.choices)
    choices = forms.CharField(
        label=gettext_lazy("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "One choice a line, for “one choice” and “several choices”. "
            "Answers already given keep the words they were given with."
        ),
    )
    help_text = forms.CharField(label=gettext_lazy("Hint under the question"), max_length=300, required=False)
    text_second = forms.CharField(label=gettext_lazy("Question in the second language"), max_length=300, required=False)
    help_text_second = forms.CharField(
        label=gettext_lazy("Hint in the second language"), max_length=300, required=False
    )
    choices_second = forms.CharField(
        label=gettext_lazy("Choices in the second language"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    required = forms.BooleanField(label=gettext_lazy("An answer is required"), required=False)
    on_door_list = forms.BooleanField(label=gettext_lazy("Show the answers on the door list"), required=False)

    def __init__(self, *args, event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        ask_in_second_language(self, language=event.second_language, names=SECOND_FIELDS)

    @classmethod
    def for_question(cls, question: Question, data=None) -> "QuestionForm":
        initial = {
            "text": question.text,
            "kind": question.kind,
            "choices": "\n".join(question.choices),
            "help_text": question.help_text,
            "required": question.required,
            "on_door_list": question.on_door_list,
            "text_second": question.text_second,
            "help_text_second": question.help_text_second,
            "choices_second": "\n".join(question.choices_second),
        }
        return cls(data, initial=initial, prefix=f"q{question.pk}", event=question.event)

    def clean(self):
        data = super().clean()
        check_second_language(self, data, language=self.event.second_language, names=SECOND_FIELDS)
        kind = data.get("kind")
        lines = _lines(data.get("choices"))
        data["choices_second"] = self._second_choices(data, kind, len(lines))
        if kind in (Question.Kind.ONE_CHOICE, Question.Kind.CHOICES):
            if len(lines) < 2:
                self.add_error("choices", _("Give at least two choices, one a line."))
            elif len({line.casefold() for line in lines}) != len(lines):
                self.add_error("choices", _("Each choice may appear only once."))
            elif len(lines) > MOST_CHOICES:
                self.add_error("choices", _("Give at most %(most)d choices.") % {"most": MOST_CHOICES})
            elif any(len(line) > 200 for line in lines):
                self.add_error("choices", _("Each choice may be at most 200 characters long."))
            data["choices"] = lines
        else:
            data["choices"] = []
        return data

    def _second_choices(self, data: dict, kind: str, count: int) -> list[str]:
        """The choices in the second language, one for each choice and in the same order (each
        answer is kept in the first language's words), or [] for none."""
        second = _lines(data.get("choices_second"))
        if not second or kind not in (Question.Kind.ONE_CHOICE, Question.Kind.CHOICES):
            return []
        if len(second) != count:
            message = _("Give one choice in the second language for each choice above, in the same order.")
            self.add_error("choices_second", message)
        elif any(len(line) > 200 for line in second):
            self.add_error("choices_second", _("Each choice may be at most 200 characters long."))
        return second


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
