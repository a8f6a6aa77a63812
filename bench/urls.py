"""The application's URLs plus the trivial authenticated view that the
latency figures are divided by. Only the benchmark settings use it: the
view is never published by config.urls."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as urlpatterns_applicazione

URL_BANALE = "/bench/banale/"


@login_required
def banale(request):
    """Authenticated, and nothing else: the cost of the stack itself
    (middleware, session, user) that every page pays."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path(URL_BANALE.strip("/") + "/", banale, name="bench_banale")]
urlpatterns += urlpatterns_applicazione
