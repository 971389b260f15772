"""The treasurer's pages of the roster kept by hand: add a member, change a member's
details, close a membership, merge two records of one person (members/roster_edit.py)."""

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from members import roster_edit
from members import stripe as card
from members.models import Member
from members.roles import TREASURER, role_required
from members.roster_edit import Dues, RosterRefused
from members.roster_forms import AddMemberForm, EditMemberForm, MergeForm, ReasonForm

treasurer_only = role_required(TREASURER)


def _refused(form, error: RosterRefused) -> None:
    form.add_error(None, str(error))


@treasurer_only
@require_http_methods(["GET", "HEAD", "POST"])
def member_add(request):
    form = AddMemberForm(request.POST or None)
    taken = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        dues_paid = Dues(
            method=data["method"],
            amount_cents=data["amount"],
            received_on=data["received_on"],
            reference=data["reference"],
        )
        try:
            member = roster_edit.add_member(
                email=data["email"],
                full_name=data["full_name"],
                sort_name=data["sort_name"],
                plan=data["plan"],
                start=data["start"],
                end=data["end"],
                dues_paid=dues_paid,
                send_welcome=data["send_welcome"],
                by=request.user,
            )
        except RosterRefused as error:
            _refused(form, error)
            taken = error.member
        else:
            done = _("%(name)s is added, member number %(number)s.") % {
                "name": member.name,
                "number": member.member_number,
            }
            messages.success(request, done + (" " + _("The welcome is emailed.") if data["send_welcome"] else ""))
            return redirect("members:manage-member", pk=member.pk)
    return render(request, "members/manage/member_add.html", {"form": form, "taken": taken})


@treasurer_only
@require_http_methods(["GET", "HEAD", "POST"])
def member_edit(request, pk):
    member = get_object_or_404(Member.objects.select_related("user"), pk=pk)
    form = EditMemberForm(request.POST or None, initial=EditMemberForm.initial_for(member))
    if request.method == "POST" and form.is_valid():
        try:
            roster_edit.edit_details(
                member=member,
                values=form.values(),
                email=form.cleaned_data["email"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except RosterRefused as error:
            _refused(form, error)
        else:
            messages.success(request, _("The member's details are saved."))
            return redirect("members:manage-member", pk=member.pk)
    return render(request, "members/manage/member_edit.html", {"form": form, "member": member})


@treasurer_only
@require_http_methods(["GET", "HEAD", "POST"])
def membership_close(request, pk):
    member = get_object_or_404(Member.objects.select_related("user").prefetch_related("terms__plan"), pk=pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            roster_edit.close_membership(member=member, reason=form.cleaned_data["reason"], by=request.user)
        except (RosterRefused, card.CardPaymentsUnavailable) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The membership is closed: it ends today."))
            return redirect("members:manage-member", pk=member.pk)
    context = {"form": form, "member": member, "term": member.current_term(), "standing": member.standing()}
    return render(request, "members/manage/membership_close.html", context)


def _find_other(text: str, *, besides: int) -> list[Member]:
    """The records a treasurer's search names: by member number, or by email address."""
    text = text.strip().lstrip("#")
    if not text:
        return []
    match = Q(member_number=int(text)) if text.isdigit() else Q(user__email__iexact=text)
    return list(Member.objects.select_related("user").filter(match).exclude(pk=besides)[:5])


@treasurer_only
@require_http_methods(["GET", "HEAD", "POST"])
def member_merge(request, pk):
    """GET finds the other record (by number or email) and shows both; POST merges."""
    member = get_object_or_404(Member.objects.select_related("user"), pk=pk)
    form = MergeForm(request.POST or None)
    other = None
    if request.method == "POST" and form.is_valid():
        other = Member.objects.select_related("user").filter(pk=form.cleaned_data["other"]).first()
        if other is not None:
            keep, away = (member, other) if form.cleaned_data["keep"] == "this" else (other, member)
            try:
                kept = roster_edit.merge_members(
                    keep=keep, other=away, reason=form.cleaned_data["reason"], by=request.user
                )
            except RosterRefused as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The records are merged into %(label)s.") % {"label": kept.audit_label()})
                return redirect("members:manage-member", pk=kept.pk)
    query = request.GET.get("other", "")
    found = _find_other(query, besides=member.pk) if request.method != "POST" else ([other] if other else [])
    context = {"form": form, "member": member, "query": query, "found": found}
    return render(request, "members/manage/member_merge.html", context)
