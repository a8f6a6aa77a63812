"""Who sees and changes the budget: prestazioni and tranches (row level).

Only the roles that see money (core.ruoli.vede_importi) see a prestazione;
only the Consorzio (or an administrator) registers them.
"""

from django.db.models import QuerySet

from accordo.access import accordi_visibili
from budget.models import Prestazione, Tranche
from core.models import Ruolo
from core.ruoli import ha_ruolo, vede_importi

__all__ = ["prestazioni_visibili", "registra_prestazioni", "tranche_visibili", "vede_importi"]


def tranche_visibili(utente) -> QuerySet[Tranche]:
    return Tranche.objects.filter(accordo__in=accordi_visibili(utente))


def prestazioni_visibili(utente) -> QuerySet[Prestazione]:
    # Cooperatives log their laboratories' sessions and see no spending.
    if not vede_importi(utente):
        return Prestazione.objects.none()
    return Prestazione.objects.filter(tranche__accordo__in=accordi_visibili(utente))


def registra_prestazioni(utente) -> bool:
    """Creates, edits and deletes prestazioni: the Consorzio."""
    return ha_ruolo(utente, Ruolo.CONSORZIO)
