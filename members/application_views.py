"""Applying for a plan that needs approval (/join/apply/<plan>/), and the treasurers'
queue of applications (/manage/dues/applications/)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from members import applications
from members.accounts import ensure_member
from members.models import Application, Plan
from members.plan_forms import ApplicationForm, DeclineForm
from members.roles import TREASURER, role_required

RECENT_DECISIONS = 50


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def apply(request, slug):
    plan = get_object_or_404(Plan, slug=slug, is_open=True, needs_approval=True)
    member = ensure_member(request.user)
    form = ApplicationForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            applications.apply(member=member, plan=plan, statement=form.cleaned_data["statement"])
        except applications.ApplicationRefused as error:
            form.add_error("statement", str(error))
        else:
            messages.success(request, _("Thank you: your application is with the treasurer. We will email you."))
            return redirect("members:membership")
    context = {"plan": plan, "form": form, "application": applications.latest_by_plan(member).get(plan.pk)}
    return render(request, "members/apply.html", context)


def attach_applications(forms, member) -> None:
    """On the join page, mark each plan that needs approval with where the member stands:
    `form.application` (their latest) and `form.needs_application` (apply before paying)."""
    if member is None:
        return
    latest = None
    for form in forms:
        if not form.plan.needs_approval:
            continue
        latest = applications.latest_by_plan(member) if latest is None else latest
        form.application = latest.get(form.plan.pk)
        form.needs_application = not applications.may_pay(member, form.plan)


@role_required(TREASURER)
@require_safe
def application_queue(request):
    waiting = Application.objects.filter(status=Application.Status.PENDING).select_related("member__user", "plan")
    decided = (
        Application.objects.exclude(status=Application.Status.PENDING)
        .select_related("member__user", "plan", "decided_by__member")
        .order_by("-decided_at", "-pk")[:RECENT_DECISIONS]
    )
    context = {"waiting": waiting, "decided": decided, "decline_form": DeclineForm()}
    return render(request, "members/manage/applications.html", context)


@role_required(TREASURER)
@require_POST
def application_decide(request, pk, action):
    application = get_object_or_404(Application, pk=pk)
    form = DeclineForm(request.POST) if action == "decline" else None
    try:
        if form is None:
            applications.approve(application=application, by=request.user)
            messages.success(request, _("Approved: the applicant is emailed a link to pay."))
        elif form.is_valid():
            applications.decline(application=application, reason=form.cleaned_data["reason"], by=request.user)
            messages.success(request, _("Declined: the applicant is emailed your reason."))
        else:
            messages.error(request, _("Say why the application is declined; the applicant is told."))
    except applications.ApplicationRefused as error:
        messages.error(request, str(error))
    return redirect("members:manage-applications")
