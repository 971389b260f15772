"""/manage/members/import/: upload a member list, map its columns, read the dry run,
apply it, and invite the people to claim their accounts. Treasurers only."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from members import importing
from members.import_forms import ApplyForm, MappingForm, UploadForm
from members.import_mapping import samples
from members.import_reading import MAX_BYTES, MAX_ROWS, ImportRefused
from members.import_records import MemberImport
from members.roles import TREASURER, role_required

treasurer_only = role_required(TREASURER)
RECENT = 20


@treasurer_only
@require_http_methods(["GET", "HEAD", "POST"])
def import_start(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = importing.upload(content=upload.read(), file_name=upload.name, by=request.user)
        except ImportRefused as refusal:
            form.add_error("file", str(refusal))
        else:
            messages.success(request, _("The file is read. Check what each column holds, then make the dry run."))
            return redirect("members:manage-import", pk=job.pk)
    recent = MemberImport.objects.select_related("uploaded_by__member").defer("text")[:RECENT]
    context = {"form": form, "recent": recent, "max_rows": MAX_ROWS, "max_mb": MAX_BYTES // (1024 * 1024)}
    return render(request, "members/manage/import/start.html", context, status=400 if form.errors else 200)


def _job_page(request, job: MemberImport, *, form=None, status=200):
    if form is None and not job.is_locked:
        form = MappingForm(job=job, samples=samples(job.text, job.delimiter, len(job.headers)))
    context = {
        "job": job,
        "form": form,
        "apply_form": ApplyForm(),
        "progress": importing.apply_progress(job) if job.is_locked else None,
        "invites": importing.invite_progress(job) if job.invited_at else None,
        "unclaimed": importing.unclaimed_count(job) if job.status == MemberImport.Status.DONE else 0,
    }
    return render(request, "members/manage/import/job.html", context, status=status)


@treasurer_only
@require_safe
def import_job(request, pk):
    return _job_page(request, get_object_or_404(MemberImport, pk=pk))


@treasurer_only
@require_POST
def import_check(request, pk):
    job = get_object_or_404(MemberImport, pk=pk)
    if job.is_locked:
        messages.error(request, _("This file has been imported; upload it again to import it once more."))
        return redirect("members:manage-import", pk=job.pk)
    form = MappingForm(request.POST, job=job, samples=samples(job.text, job.delimiter, len(job.headers)))
    if not form.is_valid():
        return _job_page(request, job, form=form, status=400)
    data = form.cleaned_data
    try:
        importing.check(
            job=job, columns=data["columns"], plans=data["plans"], day_first=data["day_first"], by=request.user
        )
    except ImportRefused as refusal:
        form.add_error(None, str(refusal))
        return _job_page(request, job, form=form, status=400)
    return redirect(reverse("members:manage-import", args=[job.pk]) + "#report")


@treasurer_only
@require_POST
def import_apply(request, pk):
    job = get_object_or_404(MemberImport, pk=pk)
    form = ApplyForm(request.POST)
    form.is_valid()
    try:
        importing.start_apply(job=job, skip_problems=form.cleaned_data.get("skip_problems", False), by=request.user)
    except ImportRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("The import has started; this page shows how far it has got."))
    return redirect("members:manage-import", pk=job.pk)


@treasurer_only
@require_POST
def import_invite(request, pk):
    job = get_object_or_404(MemberImport, pk=pk)
    try:
        people = importing.invite(job=job, by=request.user)
    except ImportRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Invitations are being sent to %(n)s people.") % {"n": people})
    return redirect("members:manage-import", pk=job.pk)
