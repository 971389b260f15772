"""The members' directory (/directory/) and each member's choice to be listed in it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from members import directory
from members.accounts import ensure_member
from members.directory_forms import ListingForm, SearchForm

PAGE_SIZE = 30


@require_safe
def directory_page(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not directory.may_browse(request.user):
        return render(request, "members/directory_closed.html", status=403)
    form = SearchForm(request.GET or None)
    terms = form.cleaned_data if form.is_valid() else {}
    members = directory.search(name=terms.get("name", ""), place=terms.get("place", ""))
    page = Paginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "searching": bool(terms and any(terms.values()))}
    return render(request, "members/directory.html", context)


@login_required
@require_POST
def listing_update(request):
    member = ensure_member(request.user)
    form = ListingForm(request.POST, instance=member)
    if form.is_valid():
        saved = directory.set_listing(member=member, values=form.cleaned_data)
        if saved.directory_consent:
            messages.success(request, _("Your directory listing is saved."))
        else:
            messages.success(request, _("You are not listed in the members' directory."))
    else:
        messages.error(
            request, _("Your directory listing was not saved: %(errors)s") % {"errors": form.errors.as_text()}
        )
    return redirect("members:membership")
