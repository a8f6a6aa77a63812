from django.urls import path

from rendicontazione import views

app_name = "rendicontazione"

urlpatterns = [
    path("", views.elenco, name="elenco"),
    path("nuovo/", views.nuovo, name="nuovo"),
    path("<int:pk>/", views.dettaglio, name="dettaglio"),
    path("<int:pk>/modifica/", views.modifica, name="modifica"),
    path("<int:pk>/invia/", views.invia, name="invia"),
    path("<int:pk>/approva/", views.approva, name="approva"),
    path("<int:pk>/rimanda/", views.rimanda, name="rimanda"),
    path("<int:pk>/pdf/", views.pdf, name="pdf"),
    path("<int:pk>/xlsx/", views.xlsx, name="xlsx"),
]
