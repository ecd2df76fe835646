from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.urls import include
from django.urls import path


@login_not_required
def bare(request):
    """The ceiling: Django's request/response cycle and middleware, no database, no DRF."""
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/bare/", bare), path("", include("cxops.urls"))]
