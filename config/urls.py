from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from cruscotto import views as cruscotto_views

admin.site.site_header = "Accordi di collaborazione con il Terzo Settore"
admin.site.site_title = "Accordi Terzo Settore"
admin.site.index_title = "Gestione degli accordi"

urlpatterns = [
    path("", cruscotto_views.home, name="home"),
    path("accesso/", auth_views.LoginView.as_view(), name="login"),
    path("esci/", auth_views.LogoutView.as_view(), name="logout"),
    # The language switch (Django's set_language: a POST that sets the cookie).
    path("lingua/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("budget/", include("budget.urls")),
    path("laboratori/", include("laboratori.urls")),
    path("rendiconti/", include("rendicontazione.urls")),
]
