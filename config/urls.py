from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

admin.site.site_header = "Accordi di collaborazione con il Terzo Settore"
admin.site.site_title = "Accordi Terzo Settore"
admin.site.index_title = "Gestione degli accordi"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    path("budget/", include("budget.urls")),
]
