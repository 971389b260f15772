"""The organiser's form for one registration question; the functions in question_setup.py act."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events.question_records import Question

MOST_CHOICES = 30


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
    required = forms.BooleanField(label=gettext_lazy("An answer is required"), required=False)
    on_door_list = forms.BooleanField(label=gettext_lazy("Show the answers on the door list"), required=False)

    @classmethod
    def for_question(cls, question: Question, data=None) -> "QuestionForm":
        initial = {
            "text": question.text,
            "kind": question.kind,
            "choices": "\n".join(question.choices),
            "help_text": question.help_text,
            "required": question.required,
            "on_door_list": question.on_door_list,
        }
        return cls(data, initial=initial, prefix=f"q{question.pk}")

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        lines = [line.strip() for line in (data.get("choices") or "").splitlines() if line.strip()]
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
