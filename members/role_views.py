"""/manage/roles/: who holds Organiser and Treasurer; give a role to an existing account
or take one away. Superusers only: a role opens the society's money and its members'
details, so only the people who already hold every key hand out more."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from members import roles
from members.forms import RoleGrantForm


@roles.superuser_required
@require_safe
def role_list(request):
    context = {
        "holders": roles.holders(),
        "superusers": get_user_model().objects.filter(is_superuser=True).order_by("email"),
        "form": RoleGrantForm(),
        "all_roles": roles.ALL_ROLES,
    }
    return render(request, "members/manage/roles.html", context)


@roles.superuser_required
@require_POST
def role_grant(request):
    form = RoleGrantForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the email address of an account and choose a role."))
        return redirect("members:manage-roles")
    try:
        user = roles.grant_role(email=form.cleaned_data["email"], role=form.cleaned_data["role"], by=request.user)
    except roles.RoleError as error:
        messages.error(request, str(error))
    else:
        role = form.cleaned_data["role"]
        messages.success(request, _("%(email)s is now %(role)s.") % {"email": user.email, "role": role})
    return redirect("members:manage-roles")


@roles.superuser_required
@require_POST
def role_remove(request, pk):
    user = get_object_or_404(get_user_model(), pk=pk)
    role = request.POST.get("role", "")
    try:
        roles.remove_role(user=user, role=role, by=request.user)
    except roles.RoleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(email)s is no longer %(role)s.") % {"email": user.email, "role": role})
    return redirect("members:manage-roles")
