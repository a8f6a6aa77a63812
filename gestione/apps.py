from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GestioneConfig(AppConfig):
    """Operations that read or write every app (backup and restore, the
    Cremona agreement, demo data, a participant's records on request): on
    the top floor, so that no app below needs to import another above it."""

    name = "gestione"
    verbose_name = _("Gestione")
