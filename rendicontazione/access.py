"""Who sees which reports: the Comune and the Consorzio of the agreement;
cooperatives see none. The Consorzio writes and submits them, the Comune
reviews them (approves or sends them back)."""

from django.db.models import QuerySet

from accordo.access import accordi_visibili
from core.models import Ruolo
from core.ruoli import ha_ruolo, vede_importi
from rendicontazione.models import Rendiconto


def vede_rendiconti(utente) -> bool:
    """Reports are about money: whoever sees money sees them."""
    return vede_importi(utente)


def scrive_rendiconti(utente) -> bool:
    return ha_ruolo(utente, Ruolo.CONSORZIO)


def rivede_rendiconti(utente) -> bool:
    return ha_ruolo(utente, Ruolo.COMUNE)


def rendiconti_visibili(utente) -> QuerySet[Rendiconto]:
    if not vede_rendiconti(utente):
        return Rendiconto.objects.none()
    return Rendiconto.objects.filter(accordo__in=accordi_visibili(utente))
