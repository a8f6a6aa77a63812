"""What the base layout shows: the heading and the role's navigation."""

from django.urls import reverse
from django.utils.translation import gettext as _

from accordo.access import accordi_visibili
from core.models import Ruolo


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


def navigazione(request) -> dict:
    utente = getattr(request, "user", None)
    if utente is None:
        return {}
    intestazione = {}
    if utente.is_authenticated:
        accordo = accordi_visibili(utente).select_related("ente_pubblico").first()
        if accordo is not None:
            intestazione = {
                "ente": accordo.ente_pubblico.nome,
                "ufficio": accordo.ufficio,
                "accordo": accordo.titolo,
            }
    menu = [
        {"etichetta": etichetta, "url": url, "attiva": request.path.startswith(url)}
        for etichetta, url in _menu(utente)
    ]
    return {"intestazione": intestazione, "menu": menu}
