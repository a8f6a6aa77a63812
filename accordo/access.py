"""Which agreements and organisations a user may see.

Every view, admin page and command that lists agreement data starts from
these helpers, so the row-level rules live in one place.
"""

from django.db.models import Q, QuerySet

from accordo.models import Accordo, TipoEnte
from core.models import Ruolo


def accordi_visibili(utente) -> QuerySet[Accordo]:
    if not utente.is_authenticated or not utente.is_active:
        return Accordo.objects.none()
    if utente.is_superuser:
        return Accordo.objects.all()
    ruolo = utente.ruolo
    if ruolo in (Ruolo.COMUNE, Ruolo.CONSORZIO):
        return Accordo.objects.filter(
            Q(ente_pubblico_id=utente.ente_id) | Q(ente_partner_id=utente.ente_id)
        )
    if ruolo == Ruolo.COOPERATIVA and utente.ente.tipo == TipoEnte.COOPERATIVA:
        return Accordo.objects.filter(ente_partner_id=utente.ente.consorzio_id)
    return Accordo.objects.none()
