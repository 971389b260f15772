"""The payer's pages for a household or institutional membership: add a person, take one off.
The list itself is on /membership/ (members/templatetags/plan_memberships.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from members import households
from members.accounts import ensure_member
from members.models import CoveredPerson
from members.plan_forms import CoveredPersonForm


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def add_person(request):
    payer = ensure_member(request.user)
    form = CoveredPersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            covered = households.add_person(payer=payer, by=request.user, **form.cleaned_data)
        except households.HouseholdRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(name)s is covered by your membership; we have emailed them how to sign in.")
                % {"name": covered.person.name or covered.person.email},
            )
            return redirect("members:membership")
    term = households.household_term(payer)
    return render(request, "members/household_add.html", {"form": form, "term": term})


@login_required
@require_POST
def remove_person(request, pk):
    covered = get_object_or_404(CoveredPerson, pk=pk, payer__user=request.user, removed_at__isnull=True)
    try:
        households.remove_person(covered=covered, by=request.user)
    except households.HouseholdRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("They are no longer covered by your membership; we have told them."))
    return redirect("members:membership")
