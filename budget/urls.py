from django.urls import path

from budget import views

app_name = "budget"

urlpatterns = [
    path(
        "prestazioni/<int:pk>/documento/",
        views.documento_prestazione,
        name="documento_prestazione",
    ),
]
