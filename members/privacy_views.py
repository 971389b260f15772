"""Each person's own data: the privacy page, the download of everything we hold about a
member, closing an account (by the member, confirmed from their email, or by a treasurer
with a reason). Every change is a POST; GETs only show."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from members import data_export, erasure
from members.accounts import ensure_member
from members.links import InvalidLink
from members.models import Member
from members.privacy import PrivacyRefused
from members.roles import TREASURER, role_required

TEMPLATES = "members/privacy/"


@require_safe
def privacy_page(request):
    numbers = {
        "export_days": settings.DATA_EXPORT_LINK_DAYS,
        "closure_hours": settings.ACCOUNT_CLOSURE_LINK_HOURS,
        "payment_years": settings.PAYMENT_RETENTION_YEARS,
        "rsvp_months": settings.RSVP_RETENTION_MONTHS,
        "email_days": settings.OUTBOX_BODY_RETENTION_DAYS,
        "import_days": settings.IMPORT_FILE_RETENTION_DAYS,
        "grace_days": settings.MEMBERSHIP_GRACE_DAYS,
    }
    return render(request, TEMPLATES + "page.html", numbers)


@login_required
@require_POST
def request_export(request):
    try:
        data_export.request_export(member=ensure_member(request.user), by=request.user)
    except PrivacyRefused as refusal:
        messages.info(request, str(refusal))
    else:
        messages.success(request, _("We are putting your data together and will email you a link to download it."))
    return redirect("members:membership")


@never_cache
@login_required
@require_safe
def download_export(request, public_id):
    try:
        export = data_export.export_for(user=request.user, public_id=public_id)
    except LookupError:
        raise Http404("No such download for this account.") from None
    except PrivacyRefused as refusal:
        status = 410 if isinstance(refusal, data_export.DownloadGone) else 409
        return render(request, "members/renew_invalid.html", {"reason": str(refusal)}, status=status)
    response = HttpResponse(bytes(export.archive), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{data_export.filename(export)}"'
    return response


@login_required
@require_POST
def request_closure(request):
    try:
        erasure.request_closure(member=ensure_member(request.user))
    except PrivacyRefused as refusal:
        messages.error(request, str(refusal))
    else:
        sent = _("We have emailed you a link: nothing is closed until you press its button, within %(hours)s hours.")
        messages.success(request, sent % {"hours": settings.ACCOUNT_CLOSURE_LINK_HOURS})
    return redirect("members:membership")


@require_http_methods(["GET", "HEAD", "POST"])
def confirm_closure(request, token):
    """The emailed link: GET shows what closing does, its button (POST) closes the account,
    for the member it was sent to, signed in."""
    try:
        member = erasure.read_closure_token(token)
    except InvalidLink as error:
        return render(request, "members/renew_invalid.html", {"reason": str(error)}, status=400)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.user.pk != member.user_id:
        reason = _("This link was sent to another member. Sign out, then sign in as the member it was sent to.")
        return render(request, "members/renew_invalid.html", {"reason": reason}, status=403)
    if request.method == "POST":
        try:
            erasure.erase_member(member=member, by=request.user)
        except PrivacyRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("members:membership")
        logout(request)
        messages.success(request, _("Your account is closed and your details are erased. Thank you for being with us."))
        return redirect("home")
    return render(request, TEMPLATES + "confirm_closure.html", _closure_context(member))


def _closure_context(member: Member) -> dict:
    return {
        "member": member,
        "payment_years": settings.PAYMENT_RETENTION_YEARS,
        "has_card": bool(member.stripe_customer_id),
    }


class StaffErasureForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why (kept in the audit log)"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm = forms.BooleanField(label=gettext_lazy("I understand this cannot be undone"))


@role_required(TREASURER)
@require_POST
def staff_erase(request, pk):
    member = get_object_or_404(Member.objects.select_related("user"), pk=pk)
    form = StaffErasureForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why, and tick the box to confirm: nothing was changed."))
        return redirect("members:manage-member", pk=member.pk)
    try:
        erasure.erase_member(member=member, by=request.user, reason=form.cleaned_data["reason"])
    except PrivacyRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("The account is closed and the person's details are erased; the payments stay."))
    return redirect("members:manage-member", pk=member.pk)
