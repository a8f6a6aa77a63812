from django.urls import path

from laboratori import views

app_name = "laboratori"

urlpatterns = [
    path("", views.elenco, name="elenco"),
    path("<int:pk>/", views.dettaglio, name="dettaglio"),
    path("<int:pk>/sessioni/nuova/", views.sessione_nuova, name="sessione_nuova"),
    path("sessioni/<int:pk>/modifica/", views.sessione_modifica, name="sessione_modifica"),
    path("sessioni/<int:pk>/elimina/", views.sessione_elimina, name="sessione_elimina"),
]
