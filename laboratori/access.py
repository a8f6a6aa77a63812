"""Who sees and changes which laboratories, sessions and participants.

Cooperative users: only their own cooperative's laboratories and the
participants enrolled in them. Consorzio: every laboratory of its
agreements. Comune: reads its agreements' laboratories, changes nothing.

One predicate per question (below), the querysets of what a user reaches,
and one lookup per object: every page, form, admin list, download and API
of the app starts from them, so the rules live here only. A lookup answers
404 when the user does not see the object, whatever its id, and 403 when
the user sees it but may not change it.
"""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accordo.access import accordi_visibili
from core.models import Ruolo
from core.ruoli import attivo, ha_ruolo
from laboratori import rules
from laboratori.models import Laboratorio, Partecipante, Sessione

# The questions


def lavora_per_cooperativa(utente) -> bool:
    """Staff of one member cooperative: they see only their cooperative's
    laboratories and participants, and tick only those participants."""
    # Not tied to is_active: the limit must hold even for a deactivated user.
    return utente.is_authenticated and utente.ruolo == Ruolo.COOPERATIVA


def gestisce_laboratori(utente) -> bool:
    """Creates and edits laboratories themselves: the Consorzio (and
    administrators)."""
    return ha_ruolo(utente, Ruolo.CONSORZIO)


def registra_sessioni(utente, laboratorio: Laboratorio) -> bool:
    """Logs sessions (and their attendance) for this laboratorio: the
    cooperative that runs it, the Consorzio of its agreement, an
    administrator. The Comune reads and never logs.

    Answered from the objects alone, with no query, so a list can ask it of
    every row; for the Consorzio `laboratorio.accordo` is read (select it
    with the laboratorio)."""
    if not attivo(utente):
        return False
    if utente.is_superuser:
        return True
    if utente.ruolo == Ruolo.CONSORZIO:
        return laboratorio.accordo.ente_partner_id == utente.ente_id
    if utente.ruolo == Ruolo.COOPERATIVA:
        return laboratorio.cooperativa_id == utente.ente_id
    return False


def corregge_entro_termini(utente) -> bool:
    """Corrects and deletes a session only within the agreement's days after
    it (Accordo.giorni_modifica_sessioni): the cooperatives. The Consorzio
    and administrators correct at any time."""
    return lavora_per_cooperativa(utente)


def nei_termini(utente, sessione: Sessione, oggi: date) -> bool:
    """May the user still correct or delete this session today? `oggi` is
    laboratori.services.oggi(), which the tests freeze."""
    if not corregge_entro_termini(utente):
        return True
    return rules.modificabile_da_cooperativa(
        sessione.data, oggi, sessione.laboratorio.accordo.giorni_modifica_sessioni
    )


# What a user reaches


def laboratori_visibili(utente) -> QuerySet[Laboratorio]:
    if not utente.is_authenticated:
        return Laboratorio.objects.none()
    laboratori = Laboratorio.objects.filter(accordo__in=accordi_visibili(utente))
    if lavora_per_cooperativa(utente):
        laboratori = laboratori.filter(cooperativa_id=utente.ente_id)
    return laboratori


def laboratori_modificabili(utente) -> QuerySet[Laboratorio]:
    """Laboratories whose sessions and participants the user may change:
    the queryset form of `registra_sessioni`, for the admin's choices."""
    # The same roles as registra_sessioni; the rows are those the user sees
    # (the Consorzio's agreements, the cooperative's own laboratories).
    if attivo(utente) and (
        utente.is_superuser or utente.ruolo in (Ruolo.CONSORZIO, Ruolo.COOPERATIVA)
    ):
        return laboratori_visibili(utente)
    return Laboratorio.objects.none()


def sessioni_visibili(utente) -> QuerySet[Sessione]:
    return Sessione.objects.filter(laboratorio__in=laboratori_visibili(utente))


def sessioni_modificabili(utente) -> QuerySet[Sessione]:
    return Sessione.objects.filter(laboratorio__in=laboratori_modificabili(utente))


def partecipanti_visibili(utente) -> QuerySet[Partecipante]:
    if not utente.is_authenticated:
        return Partecipante.objects.none()
    if lavora_per_cooperativa(utente):
        return Partecipante.objects.filter(laboratori__in=laboratori_visibili(utente)).distinct()
    return Partecipante.objects.filter(accordo__in=accordi_visibili(utente))


# One lookup per object


def laboratorio_visibile(utente, pk: int) -> Laboratorio:
    return get_object_or_404(
        laboratori_visibili(utente).select_related("accordo", "cooperativa"), pk=pk
    )


def laboratorio_modificabile(utente, pk: int) -> Laboratorio:
    """A laboratorio the user logs sessions for."""
    laboratorio = laboratorio_visibile(utente, pk)
    if not registra_sessioni(utente, laboratorio):
        raise PermissionDenied
    return laboratorio


def sessione_modificabile(utente, pk: int) -> Sessione:
    """A session of a laboratorio the user logs sessions for (whether it is
    still within the cooperatives' days is `nei_termini`)."""
    sessione = get_object_or_404(
        sessioni_visibili(utente).select_related(
            "laboratorio__accordo", "laboratorio__cooperativa"
        ),
        pk=pk,
    )
    if not registra_sessioni(utente, sessione.laboratorio):
        raise PermissionDenied
    return sessione
