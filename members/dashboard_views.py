"""The board's charts as SVG images and their figures as CSV, for treasurers and superusers.

The SVG responses allow the styles pygal writes into the image and nothing else: an
image never runs a script, and the page that shows it keeps the site's strict policy.
"""

from csp.decorators import csp_replace
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from members import charts, dashboard, roster
from members.money import plain_amount
from members.roles import TREASURER, role_required

treasurer_only = role_required(TREASURER)
IMAGE_POLICY = csp_replace({"default-src": ["'none'"], "style-src": ["'unsafe-inline'"], "script-src": ["'none'"]})


def _size(request) -> str:
    return "narrow" if request.GET.get("size") == "narrow" else "wide"


def _svg(body: str) -> HttpResponse:
    response = HttpResponse(body, content_type="image/svg+xml; charset=utf-8")
    response["Cache-Control"] = "private, max-age=60"
    return response


def _csv(name: str, header: list[str], rows) -> StreamingHttpResponse:
    stamp = timezone.localdate().isoformat()
    response = StreamingHttpResponse(roster.csv_rows(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response


@treasurer_only
@require_safe
@IMAGE_POLICY
def standing_chart(request):
    series = dashboard.standing_series(timezone.localdate())
    return _svg(charts.standing_svg(series, size=_size(request)))


@treasurer_only
@require_safe
def standing_csv(request):
    series = dashboard.standing_series(timezone.localdate())
    rows = ([day.isoformat(), count] for day, count in series)
    return _csv("members-in-good-standing", [_("On"), _("Members in good standing")], rows)


@treasurer_only
@require_safe
@IMAGE_POLICY
def money_chart(request):
    series = dashboard.money_series(timezone.localdate())
    return _svg(charts.money_svg(series, size=_size(request)))


@treasurer_only
@require_safe
def money_csv(request):
    series = dashboard.money_series(timezone.localdate())
    rows = (
        [month.strftime("%Y-%m"), label, currency, plain_amount(cents[n], currency)]
        for n, month in enumerate(series.months)
        for (label, currency), cents in series.lines.items()
    )
    return _csv("money-received", [_("Month"), _("Kind"), _("Currency"), _("Received, net of refunds")], rows)
