"""Pages of the laboratories: the list, one laboratory, and its sessions.

Cooperative staff see and change only their cooperative's laboratories, the
consortium every laboratory of its agreements, the Comune reads everything
and changes nothing. Every object comes from a lookup of laboratori.access
(404 for another cooperative's object whatever its id, 403 for a role that
may read but not write); the figures come from laboratori.selectors. No
page of this app shows an amount in euro: the roles that see money follow
a link from a laboratorio to its prestazioni.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from core.formati import data_it
from core.ruoli import vede_importi
from laboratori import access, selectors, services
from laboratori.filters import FiltroLaboratori
from laboratori.forms import SessioneForm, aggiungi_errori
from laboratori.models import Laboratorio, Sessione

LABORATORI_PER_PAGINA = 25
SESSIONI_PER_PAGINA = 20


def _titolo_elenco(utente) -> str:
    return _("I miei laboratori") if access.lavora_per_cooperativa(utente) else _("Laboratori")


def _briciole(utente, laboratorio: Laboratorio | None = None, *altre) -> list[tuple[str, str]]:
    briciole = [(_titolo_elenco(utente), reverse("laboratori:elenco"))]
    if laboratorio is not None:
        briciole.append(
            (laboratorio.titolo, reverse("laboratori:dettaglio", args=[laboratorio.pk]))
        )
    return [*briciole, *altre]


def _fuori_termini(request, sessione: Sessione):
    giorni = sessione.laboratorio.accordo.giorni_modifica_sessioni
    messages.error(
        request,
        _(
            "La sessione del %(data)s non è più modificabile: le cooperative possono "
            "correggere una sessione entro %(giorni)s giorni. Chiedere al Consorzio."
        )
        % {"data": data_it(sessione.data), "giorni": giorni},
    )
    return redirect("laboratori:dettaglio", pk=sessione.laboratorio_id)


@require_safe
@login_required
def elenco(request):
    utente = request.user
    filtro = FiltroLaboratori(
        request.GET or None, queryset=selectors.laboratori_elenco(utente), utente=utente
    )
    pagina = Paginator(filtro.qs, LABORATORI_PER_PAGINA).get_page(request.GET.get("pagina"))
    return render(
        request,
        "laboratori/elenco.html",
        {
            "titolo": _titolo_elenco(utente),
            "filtro": filtro,
            "pagina": pagina,
            "righe": selectors.righe_elenco(utente, list(pagina.object_list)),
            "mostra_cooperativa": not access.lavora_per_cooperativa(utente),
        },
    )


@require_safe
@login_required
def dettaglio(request, pk: int):
    utente = request.user
    laboratorio = access.laboratorio_visibile(utente, pk)
    modificabile = access.registra_sessioni(utente, laboratorio)
    pagina = Paginator(
        selectors.sessioni_del_laboratorio(laboratorio), SESSIONI_PER_PAGINA
    ).get_page(request.GET.get("pagina"))
    oggi = services.oggi()
    righe_sessioni = [
        (sessione, modificabile and access.nei_termini(utente, sessione, oggi))
        for sessione in pagina
    ]
    scheda = selectors.scheda_laboratorio(laboratorio)
    return render(
        request,
        "laboratori/dettaglio.html",
        {
            "laboratorio": laboratorio,
            "misure": scheda.misure,
            "obiettivi": scheda.obiettivi,
            "partner": scheda.partner,
            "iscritti": scheda.iscritti,
            "modificabile": modificabile,
            "giorni_modifica": laboratorio.accordo.giorni_modifica_sessioni
            if access.corregge_entro_termini(utente)
            else None,
            # The money of a laboratorio is on its prestazioni, for who sees it.
            "link_prestazioni": vede_importi(utente),
            "pagina": pagina,
            "righe_sessioni": righe_sessioni,
            "briciole": _briciole(utente, None, (laboratorio.titolo, "")),
        },
    )


def _salva(form: SessioneForm) -> bool:
    """Save through the service; a refusal found only now (someone saved the
    same session a moment ago) lands on the form like any other error."""
    try:
        form.salva()
    except ValidationError as exc:
        aggiungi_errori(
            form, exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        )
        return False
    return True


def _pagina_sessione(request, form: SessioneForm, titolo: str):
    laboratorio = form.laboratorio
    return render(
        request,
        "laboratori/sessione_form.html",
        {
            "form": form,
            "laboratorio": laboratorio,
            "titolo": titolo,
            "briciole": _briciole(request.user, laboratorio, (titolo, "")),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def sessione_nuova(request, pk: int):
    laboratorio = access.laboratorio_modificabile(request.user, pk)
    if request.method == "POST":
        form = SessioneForm(request.POST, laboratorio=laboratorio, utente=request.user)
        if form.is_valid() and _salva(form):
            messages.success(request, form.messaggio_salvata())
            return redirect("laboratori:dettaglio", pk=laboratorio.pk)
    else:
        form = SessioneForm(
            laboratorio=laboratorio,
            utente=request.user,
            initial=selectors.valori_iniziali(laboratorio, services.oggi()),
        )
    return _pagina_sessione(request, form, _("Registra sessione"))


@require_http_methods(["GET", "POST"])
@login_required
def sessione_modifica(request, pk: int):
    sessione = access.sessione_modificabile(request.user, pk)
    if not access.nei_termini(request.user, sessione, services.oggi()):
        return _fuori_termini(request, sessione)
    laboratorio = sessione.laboratorio
    form = SessioneForm(
        request.POST if request.method == "POST" else None,
        instance=sessione,
        laboratorio=laboratorio,
        utente=request.user,
    )
    if request.method == "POST" and form.is_valid() and _salva(form):
        messages.success(request, form.messaggio_salvata())
        return redirect("laboratori:dettaglio", pk=laboratorio.pk)
    return _pagina_sessione(
        request, form, _("Sessione del %(data)s") % {"data": data_it(sessione.data)}
    )


@require_http_methods(["GET", "POST"])
@login_required
def sessione_elimina(request, pk: int):
    sessione = access.sessione_modificabile(request.user, pk)
    if not access.nei_termini(request.user, sessione, services.oggi()):
        return _fuori_termini(request, sessione)
    laboratorio = sessione.laboratorio
    if request.method == "POST":
        try:
            services.sessione_elimina(sessione=sessione, utente=request.user)
        except ValidationError as exc:
            for messaggio in exc.messages:
                messages.error(request, messaggio)
        else:
            messages.success(
                request,
                _("Sessione del %(data)s eliminata.") % {"data": data_it(sessione.data)},
            )
        return redirect("laboratori:dettaglio", pk=laboratorio.pk)
    return render(
        request,
        "laboratori/sessione_elimina.html",
        {
            "sessione": sessione,
            "laboratorio": laboratorio,
            "presenti": sessione.righe_presenza.count(),
            "briciole": _briciole(request.user, laboratorio, (_("Elimina sessione"), "")),
        },
    )
