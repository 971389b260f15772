"""/manage/audit/: the log of staff actions, newest first, for treasurers and superusers."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from members import audit_listing
from members.roles import TREASURER, role_required

PAGE_SIZE = 50


@role_required(TREASURER)
@require_safe
def audit_log(request):
    form = audit_listing.AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(audit_listing.filtered(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "rows": audit_listing.rows(page), "query": query.urlencode()}
    return render(request, "members/manage/audit_log.html", context)
