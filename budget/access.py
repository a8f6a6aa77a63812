"""Who sees and changes the budget: prestazioni and tranches (row level).

Only the roles that see money (core.ruoli.vede_importi) see a prestazione;
only the Consorzio (or an administrator) registers them.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accordo.access import accordi_visibili
from budget.models import Prestazione, Tranche
from core.models import Ruolo
from core.ruoli import ha_ruolo, vede_importi

__all__ = [
    "prestazione_modificabile",
    "prestazione_visibile",
    "prestazioni_visibili",
    "registra_prestazioni",
    "richiedi_importi",
    "richiedi_registrazione",
    "tranche_visibili",
    "vede_importi",
]


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


# What the pages, downloads and (later) the API call: 404 for whoever may
# not see the budget at all, 403 for who sees it but may not change it.


def richiedi_importi(utente) -> None:
    """Cooperatives (and users without a role) see no spending: for them the
    budget's pages do not exist."""
    if not vede_importi(utente):
        raise Http404


def richiedi_registrazione(utente) -> None:
    richiedi_importi(utente)
    if not registra_prestazioni(utente):
        raise PermissionDenied


def prestazione_visibile(utente, pk: int) -> Prestazione:
    richiedi_importi(utente)
    return get_object_or_404(
        prestazioni_visibili(utente).select_related(
            "tranche__accordo", "fornitore", "laboratorio", "creata_da"
        ),
        pk=pk,
    )


def prestazione_modificabile(utente, pk: int) -> Prestazione:
    prestazione = prestazione_visibile(utente, pk)
    if not registra_prestazioni(utente):
        raise PermissionDenied
    return prestazione
