"""Which prestazioni and tranches a user may see (row level)."""

from django.db.models import QuerySet

from accordo.access import accordi_visibili
from budget.models import Prestazione, Tranche
from core.models import Ruolo


def tranche_visibili(utente) -> QuerySet[Tranche]:
    return Tranche.objects.filter(accordo__in=accordi_visibili(utente))


def prestazioni_visibili(utente) -> QuerySet[Prestazione]:
    # Cooperatives log their laboratories' sessions and see no spending.
    if not utente.is_authenticated or utente.ruolo not in (
        Ruolo.COMUNE,
        Ruolo.CONSORZIO,
        Ruolo.AMMINISTRATORE,
    ):
        return Prestazione.objects.none()
    return Prestazione.objects.filter(tranche__accordo__in=accordi_visibili(utente))
