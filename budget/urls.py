from django.urls import path

from budget import views

app_name = "budget"

urlpatterns = [
    path("prestazioni/", views.prestazioni, name="prestazioni"),
    path("prestazioni/nuova/", views.prestazione_nuova, name="prestazione_nuova"),
    path("prestazioni/anteprima/", views.anteprima, name="anteprima"),
    path("prestazioni/<int:pk>/", views.prestazione, name="prestazione"),
    path("prestazioni/<int:pk>/modifica/", views.prestazione_modifica, name="prestazione_modifica"),
    path("prestazioni/<int:pk>/elimina/", views.prestazione_elimina, name="prestazione_elimina"),
    path(
        "prestazioni/<int:pk>/documento/",
        views.documento_prestazione,
        name="documento_prestazione",
    ),
]
