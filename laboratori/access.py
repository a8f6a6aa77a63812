"""Who sees and changes which laboratories, sessions and participants.

Cooperative users: only their own cooperative's laboratories and the
participants enrolled in them. Consorzio: every laboratory of its
agreements. Comune: reads its agreements' laboratories, changes nothing.
"""

from django.db.models import QuerySet

from accordo.access import accordi_visibili
from core.models import Ruolo
from laboratori.models import Laboratorio, Partecipante, Sessione


def laboratori_visibili(utente) -> QuerySet[Laboratorio]:
    if not utente.is_authenticated:
        return Laboratorio.objects.none()
    laboratori = Laboratorio.objects.filter(accordo__in=accordi_visibili(utente))
    if utente.ruolo == Ruolo.COOPERATIVA:
        laboratori = laboratori.filter(cooperativa_id=utente.ente_id)
    return laboratori


def laboratori_modificabili(utente) -> QuerySet[Laboratorio]:
    """Laboratories whose sessions and participants the user may change."""
    if not utente.is_authenticated or utente.ruolo not in (
        Ruolo.COOPERATIVA,
        Ruolo.CONSORZIO,
        Ruolo.AMMINISTRATORE,
    ):
        return Laboratorio.objects.none()
    return laboratori_visibili(utente)


def puo_gestire_laboratori(utente) -> bool:
    """Create and edit laboratories themselves: the consortium (and admins)."""
    return utente.is_authenticated and utente.ruolo in (Ruolo.CONSORZIO, Ruolo.AMMINISTRATORE)


def sessioni_visibili(utente) -> QuerySet[Sessione]:
    return Sessione.objects.filter(laboratorio__in=laboratori_visibili(utente))


def sessioni_modificabili(utente) -> QuerySet[Sessione]:
    return Sessione.objects.filter(laboratorio__in=laboratori_modificabili(utente))


def partecipanti_visibili(utente) -> QuerySet[Partecipante]:
    if not utente.is_authenticated:
        return Partecipante.objects.none()
    if utente.ruolo == Ruolo.COOPERATIVA:
        return Partecipante.objects.filter(laboratori__in=laboratori_visibili(utente)).distinct()
    return Partecipante.objects.filter(accordo__in=accordi_visibili(utente))
