"""The forms of plans that need approval and of household memberships."""

from django import forms
from django.utils.translation import gettext_lazy as _

from members.applications import STATEMENT_MOST


class ApplicationForm(forms.Form):
    """The applicant's answer to the plan's question."""

    statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), max_length=STATEMENT_MOST)

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["statement"].label = plan.approval_question or _("Why should you be on this plan?")


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it declined?"),
        max_length=2000,
        help_text=_("The applicant is emailed this reason."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CoveredPersonForm(forms.Form):
    """Someone the payer adds to their household or institutional membership."""

    first_name = forms.CharField(label=_("Given name"), max_length=100)
    last_name = forms.CharField(label=_("Family name"), max_length=100, required=False)
    email = forms.EmailField(
        label=_("Their email address"), help_text=_("They sign in with it, by a code we email them.")
    )
