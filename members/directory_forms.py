"""The directory's search, and each member's choice of whether and how they are listed."""

from django import forms
from django.utils.translation import gettext_lazy

from members import directory
from members.models import Member


class SearchForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), required=False, max_length=100)
    place = forms.CharField(
        label=gettext_lazy("City or country"),
        required=False,
        max_length=100,
    )


class ListingForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = list(directory.LISTING_FIELDS)
        labels = {
            "directory_consent": gettext_lazy("List me in the members' directory"),
            "directory_shows_place": gettext_lazy("Show my city and country"),
            "affiliation": gettext_lazy("Affiliation"),
            "interests": gettext_lazy("Interests"),
        }
        help_texts = {
            "directory_consent": gettext_lazy(
                "Members in good standing see your name there. Untick to be taken out at once."
            ),
            "affiliation": gettext_lazy("Where you work or study, if you want it shown."),
            "interests": gettext_lazy("A few words other members can find you by."),
        }
