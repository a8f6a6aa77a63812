"""What the base layout shows: the heading and the role's navigation."""

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from accordo.access import accordi_visibili
from accordo.models import Accordo
from core.models import Ruolo

# The heading names the first agreement the user sees in this order, the
# dashboard's: the most recent first.
ORDINE_ACCORDI = ("-data_inizio", "pk")


def _menu(utente) -> list[tuple[str, str]]:
    if not utente.is_authenticated:
        return []
    ruolo = utente.ruolo
    voci = []
    if ruolo == Ruolo.COOPERATIVA:
        voci.append((_("I miei laboratori"), reverse("laboratori:elenco")))
    elif ruolo in (Ruolo.COMUNE, Ruolo.CONSORZIO, Ruolo.AMMINISTRATORE):
        voci.append((_("Laboratori"), reverse("laboratori:elenco")))
        voci.append((_("Prestazioni"), reverse("budget:prestazioni")))
        voci.append((_("Rendiconti"), reverse("rendicontazione:elenco")))
    if utente.is_staff:
        voci.append((_("Amministrazione"), reverse("admin:index")))
    return voci


def intestazione(accordo: Accordo | None) -> dict[str, str]:
    """The heading for `accordo` (its public body loaded with it)."""
    if accordo is None:
        return {}
    return {
        "ente": accordo.ente_pubblico.nome,
        "ufficio": accordo.ufficio,
        "accordo": accordo.titolo,
    }


def navigazione(request) -> dict:
    utente = getattr(request, "user", None)
    if utente is None:
        return {}
    intestazione_pagina = {}
    if utente.is_authenticated:
        # Read only if the page shows it and its view has not passed its own
        # (the dashboard, which reads the agreements anyway).
        intestazione_pagina = SimpleLazyObject(
            lambda: intestazione(
                accordi_visibili(utente)
                .select_related("ente_pubblico")
                .order_by(*ORDINE_ACCORDI)
                .first()
            )
        )
    menu = [
        {"etichetta": etichetta, "url": url, "attiva": request.path.startswith(url)}
        for etichetta, url in _menu(utente)
    ]
    return {"intestazione": intestazione_pagina, "menu": menu}
