"""The product's URLs plus the baselines the benchmarks divide by: a bare view doing one query."""

from django.http import HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from config.urls import urlpatterns as product_urlpatterns
from members.models import User


def _one_query() -> bool:
    return User.objects.filter(pk=1).exists()


@require_safe
def bare_get(request):
    return HttpResponse(f"one query: {_one_query()}", content_type="text/plain")


@csrf_exempt
@require_POST
def bare_post(request):
    """Reads the body like a webhook would, does one query, answers 200."""
    return JsonResponse({"received": len(request.body), "found": _one_query()})


urlpatterns = [
    path("bench/one-query/", bare_get),
    path("bench/post/", bare_post),
    *product_urlpatterns,
]
