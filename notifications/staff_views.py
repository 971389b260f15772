"""Staff pages: the outbox, suppressions and announcements (/manage/outbox/, /manage/announcements/).

Each person sees the part of the outbox their role looks after (`access.visible_deliveries`):
anything outside it is a 404, on every page and action."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from notifications import announcements, sending, suppression
from notifications.access import mail_staff_required, visible_announcements, visible_deliveries
from notifications.forms import AnnouncementForm, OutboxSearchForm, SuppressionForm
from notifications.models import Announcement, Delivery, Suppression

PAGE_SIZE = 50
LIST_FIELDS = [
    "id",
    "to",
    "kind",
    "subject",
    "status",
    "attempts",
    "last_error",
    "created_at",
    "sent_at",
    "confidential",
    "prebuilt",
    "handed_at",
]


@mail_staff_required
@require_safe
def outbox_list(request):
    visible = visible_deliveries(request.user)
    kinds = list(visible.order_by("kind").values_list("kind", flat=True).distinct())
    form = OutboxSearchForm(request.GET or None, kinds=kinds)
    deliveries = visible.only(*LIST_FIELDS).order_by("-created_at", "-pk")
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            deliveries = deliveries.filter(to__icontains=data["q"].strip())
        if data["kind"]:
            deliveries = deliveries.filter(kind=data["kind"])
        if data["status"]:
            deliveries = deliveries.filter(status=data["status"])
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = dict(visible.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    query = request.GET.copy()
    query.pop("page", None)
    status_counts = [(value, label, counts.get(value, 0)) for value, label in Delivery.Status.choices]
    context = {"form": form, "page": page, "counts": counts, "status_counts": status_counts, "query": query.urlencode()}
    return render(request, "notifications/manage/outbox_list.html", context)


@mail_staff_required
@require_safe
def delivery_detail(request, pk):
    delivery = get_object_or_404(visible_deliveries(request.user).select_related("announcement"), pk=pk)
    return render(request, "notifications/manage/delivery_detail.html", {"delivery": delivery})


@mail_staff_required
@require_POST
def delivery_retry(request, pk):
    delivery = get_object_or_404(visible_deliveries(request.user), pk=pk)
    try:
        sending.retry(delivery_id=delivery.pk, by=request.user)
    except sending.OutboxError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The message to %(email)s is queued to be sent again.") % {"email": delivery.to})
    return redirect("notifications:delivery", pk=pk)


@mail_staff_required
@require_POST
def delivery_mark_sent(request, pk):
    delivery = get_object_or_404(visible_deliveries(request.user), pk=pk)
    try:
        sending.mark_sent(delivery_id=delivery.pk, by=request.user)
    except sending.OutboxError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Recorded that the message to %(email)s arrived.") % {"email": delivery.to})
    return redirect("notifications:delivery", pk=pk)


@mail_staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def suppression_list(request):
    form = SuppressionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        row, created = suppression.add_by_staff(
            email=form.cleaned_data["email"], detail=form.cleaned_data["detail"], by=request.user
        )
        if created:
            messages.success(request, _("Nothing more will be sent to %(email)s.") % {"email": row.email})
        else:
            messages.info(
                request,
                _("%(email)s was already suppressed (%(reason)s).")
                % {"email": row.email, "reason": str(row.get_reason_display()).lower()},
            )
        return redirect("notifications:suppressions")
    rows = Suppression.objects.select_related("created_by", "lifted_by")
    context = {
        "form": form,
        "suppressions": rows.filter(lifted_at__isnull=True)[:500],
        "lifted": rows.filter(lifted_at__isnull=False).order_by("-lifted_at", "-pk")[:100],
    }
    return render(request, "notifications/manage/suppressions.html", context)


@mail_staff_required
@require_POST
def suppression_lift(request, pk):
    get_object_or_404(Suppression, pk=pk)
    try:
        lifted = suppression.lift(suppression_id=pk, by=request.user)
    except suppression.SuppressionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(email)s can be sent to again.") % {"email": lifted.email})
    return redirect("notifications:suppressions")


# Announcements ----------------------------------------------------------------------------


@mail_staff_required
@require_safe
def announcement_list(request):
    rows = visible_announcements(request.user).select_related("created_by")[:200]
    return render(request, "notifications/manage/announcement_list.html", {"announcements": rows})


@mail_staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def announcement_edit(request, pk=None):
    """Write or change a draft. "Preview" shows the email without saving anything."""
    drafts = visible_announcements(request.user).filter(status=Announcement.Status.DRAFT)
    announcement = get_object_or_404(drafts, pk=pk) if pk else None
    form = AnnouncementForm(request.POST or None, instance=announcement, user=request.user)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = announcements.render_preview(form.save(commit=False))
        else:
            draft = form.save(commit=False)
            draft.created_by = draft.created_by or request.user
            draft.save()
            messages.success(request, _("The draft is saved. Check the preview, then send it."))
            return redirect("notifications:announcement", pk=draft.pk)
    context = {"form": form, "announcement": announcement, "preview": preview}
    return render(request, "notifications/manage/announcement_form.html", context)


@mail_staff_required
@require_safe
def announcement_detail(request, pk):
    announcement = get_object_or_404(visible_announcements(request.user).select_related("created_by", "sent_by"), pk=pk)
    page = announcements.page_of(announcement.segment)
    if page and announcement.status != Announcement.Status.DRAFT and not request.user.is_superuser:
        # A message to an event's attendees is followed on the event's page, with its others.
        return redirect(page)
    context = {"announcement": announcement, "preview": announcements.render_preview(announcement)}
    if announcement.status == Announcement.Status.DRAFT:
        try:
            context["audience_size"] = announcements.count_recipients(announcement.segment)
        except announcements.AnnouncementError as error:
            context["audience_error"] = str(error)
    else:
        context["progress"] = announcements.progress(announcement)
    return render(request, "notifications/manage/announcement_detail.html", context)


@mail_staff_required
@require_safe
def announcement_progress(request, pk):
    """The progress part of the announcement's page, for its script to poll: changes nothing."""
    announcement = get_object_or_404(visible_announcements(request.user), pk=pk)
    context = {"announcement": announcement, "progress": announcements.progress(announcement)}
    return render(request, "notifications/manage/_announcement_progress_fragment.html", context)


@mail_staff_required
@require_POST
def announcement_send(request, pk):
    announcement = get_object_or_404(visible_announcements(request.user), pk=pk)
    try:
        announcements.start_sending(announcement_id=announcement.pk, by=request.user)
    except announcements.AnnouncementError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Sending has started. This page shows how far it has got."))
    return redirect("notifications:announcement", pk=pk)
