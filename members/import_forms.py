"""The forms of importing a member list: the upload, and the mapping of columns and plans."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from members.import_mapping import FIELDS, IGNORE, why_not_needed
from members.import_reading import MAX_BYTES, MAX_ROWS
from members.import_records import MemberImport
from members.models import Plan

NO_TERM = "0"


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Member list (CSV)"),
        help_text=gettext_lazy(
            "A CSV file in UTF-8 or Windows-1252, with commas or semicolons, a header row, and at most "
            "%(rows)s rows and %(mb)s MB."
        )
        % {"rows": f"{MAX_ROWS:,}", "mb": MAX_BYTES // (1024 * 1024)},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB. Split it into smaller files and import each.")
                % {"mb": MAX_BYTES // (1024 * 1024)}
            )
        return upload


class MappingForm(forms.Form):
    """One choice per column of the file, one per value of its plan column, and the date order."""

    day_first = forms.TypedChoiceField(
        label=gettext_lazy("Dates such as 03/04/2025 mean"),
        choices=[("1", gettext_lazy("3 April 2025 (day first)")), ("0", gettext_lazy("March 4, 2025 (month first)"))],
        coerce=lambda value: value == "1",
    )

    def __init__(self, *args, job: MemberImport, samples: list[list[str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        by_index = {int(index): name for name, index in job.columns.items()}
        choices = [(IGNORE, _("Not imported")), *((name, label) for name, label in FIELDS.items())]
        self.column_fields = []
        for index, header in enumerate(job.headers):
            name = f"column_{index}"
            examples = ", ".join(value for value in samples[index] if value) if index < len(samples) else ""
            help_text = _("For example: %(values)s") % {"values": examples} if examples else ""
            help_text = " ".join([help_text, why_not_needed(header)]).strip()
            self.fields[name] = forms.ChoiceField(
                label=header or _("Column %(n)s") % {"n": index + 1},
                choices=choices,
                required=False,
                initial=by_index.get(index, IGNORE),
                help_text=help_text,
            )
            self.column_fields.append(self[name])
        plan_choices = [("", _("Choose a plan…")), (NO_TERM, _("Import without a term"))]
        plan_choices += [(str(plan.pk), plan.name) for plan in Plan.objects.all()]
        self.plan_values = list(job.plans)
        self.plan_fields = []
        for position, value in enumerate(self.plan_values):
            name = f"plan_{position}"
            chosen = job.plans[value]
            self.fields[name] = forms.ChoiceField(
                label=value or _("(no plan given)"),
                choices=plan_choices,
                required=False,
                initial="" if chosen is None else str(chosen),
            )
            self.plan_fields.append(self[name])
        self.fields["day_first"].initial = "1" if job.day_first else "0"

    def clean(self):
        cleaned = super().clean()
        columns: dict[str, int] = {}
        for index in range(len(self.job.headers)):
            name = cleaned.get(f"column_{index}") or IGNORE
            if name == IGNORE:
                continue
            if name in columns:
                raise forms.ValidationError(
                    _("“%(field)s” is chosen for two columns; choose it for one.") % {"field": FIELDS[name]}
                )
            columns[name] = index
        cleaned["columns"] = columns
        cleaned["plans"] = {
            value: (None if cleaned.get(f"plan_{n}") in ("", None) else int(cleaned[f"plan_{n}"]))
            for n, value in enumerate(self.plan_values)
        }
        return cleaned


class ApplyForm(forms.Form):
    skip_problems = forms.BooleanField(
        label=gettext_lazy("Skip the rows with problems and import the others"), required=False
    )
