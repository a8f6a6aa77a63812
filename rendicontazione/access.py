"""Who sees which reports: the Comune and the Consorzio of the agreement;
cooperatives see none."""

from django.db.models import QuerySet

from accordo.access import accordi_visibili
from core.models import Ruolo
from rendicontazione.models import Rendiconto


def rendiconti_visibili(utente) -> QuerySet[Rendiconto]:
    if not utente.is_authenticated or utente.ruolo not in (
        Ruolo.COMUNE,
        Ruolo.CONSORZIO,
        Ruolo.AMMINISTRATORE,
    ):
        return Rendiconto.objects.none()
    return Rendiconto.objects.filter(accordo__in=accordi_visibili(utente))
