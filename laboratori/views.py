"""Pages of the laboratories: the list, one laboratory, and its sessions.

Cooperative staff see and change only their cooperative's laboratories, the
consortium every laboratory of its agreements, the Comune reads everything
and changes nothing. Lookups start from the scoped querysets of
laboratori.access, so another cooperative's object is a 404 whatever its id,
and a role that may read but not write gets a 403.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from core.formati import data_it
from core.models import Ruolo
from laboratori import rules, services
from laboratori.access import (
    laboratori_modificabili,
    laboratori_visibili,
    sessioni_modificabili,
    sessioni_visibili,
)
from laboratori.filters import FiltroLaboratori
from laboratori.forms import SessioneForm, aggiungi_errori
from laboratori.models import Laboratorio, Sessione
from laboratori.selectors import Misure, indicatori

LABORATORI_PER_PAGINA = 25
SESSIONI_PER_PAGINA = 20


def _titolo_elenco(utente) -> str:
    return _("I miei laboratori") if utente.ruolo == Ruolo.COOPERATIVA else _("Laboratori")


def _laboratorio_visibile(utente, pk: int) -> Laboratorio:
    return get_object_or_404(
        laboratori_visibili(utente).select_related("accordo", "cooperativa"), pk=pk
    )


def _laboratorio_modificabile(utente, pk: int) -> Laboratorio:
    laboratorio = _laboratorio_visibile(utente, pk)
    if not laboratori_modificabili(utente).filter(pk=pk).exists():
        raise PermissionDenied
    return laboratorio


def _sessione_modificabile(utente, pk: int) -> Sessione:
    sessione = get_object_or_404(
        sessioni_visibili(utente).select_related(
            "laboratorio__accordo", "laboratorio__cooperativa"
        ),
        pk=pk,
    )
    if not sessioni_modificabili(utente).filter(pk=pk).exists():
        raise PermissionDenied
    return sessione


def _nei_termini(utente, sessione: Sessione) -> bool:
    """A cooperative corrects a session only within the agreement's days;
    the consortium (and an administrator) at any time."""
    if utente.ruolo != Ruolo.COOPERATIVA:
        return True
    return rules.modificabile_da_cooperativa(
        sessione.data, services.oggi(), sessione.laboratorio.accordo.giorni_modifica_sessioni
    )


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


def _briciole(utente, laboratorio: Laboratorio | None = None, *altre) -> list[tuple[str, str]]:
    briciole = [(_titolo_elenco(utente), reverse("laboratori:elenco"))]
    if laboratorio is not None:
        briciole.append(
            (laboratorio.titolo, reverse("laboratori:dettaglio", args=[laboratorio.pk]))
        )
    return [*briciole, *altre]


@dataclass(frozen=True)
class RigaElenco:
    laboratorio: Laboratorio
    misure: Misure
    modificabile: bool


def _righe_elenco(laboratori: list[Laboratorio], utente) -> list[RigaElenco]:
    """The page's laboratories with their indicators: one `indicatori()` for
    the whole page, whatever the number of agreements and sessions."""
    risultato = indicatori(
        None, laboratori=Laboratorio.objects.filter(pk__in=[x.pk for x in laboratori])
    )
    misure = {riga.laboratorio.id: riga.misure for riga in risultato.laboratori}
    modificabili = set(
        laboratori_modificabili(utente)
        .filter(pk__in=[x.pk for x in laboratori])
        .values_list("pk", flat=True)
    )
    return [
        RigaElenco(
            laboratorio=laboratorio,
            misure=misure[laboratorio.pk],
            modificabile=laboratorio.pk in modificabili,
        )
        for laboratorio in laboratori
    ]


@require_safe
@login_required
def elenco(request):
    utente = request.user
    laboratori = (
        laboratori_visibili(utente)
        .select_related("accordo", "cooperativa")
        .annotate(ultima_sessione=Max("sessioni__data"))
        .order_by("titolo", "pk")
    )
    filtro = FiltroLaboratori(request.GET or None, queryset=laboratori, utente=utente)
    pagina = Paginator(filtro.qs, LABORATORI_PER_PAGINA).get_page(request.GET.get("pagina"))
    return render(
        request,
        "laboratori/elenco.html",
        {
            "titolo": _titolo_elenco(utente),
            "filtro": filtro,
            "pagina": pagina,
            "righe": _righe_elenco(list(pagina.object_list), utente),
            "mostra_cooperativa": utente.ruolo != Ruolo.COOPERATIVA,
        },
    )


@require_safe
@login_required
def dettaglio(request, pk: int):
    utente = request.user
    laboratorio = _laboratorio_visibile(utente, pk)
    misure = (
        indicatori(laboratorio.accordo, laboratori=Laboratorio.objects.filter(pk=pk))
        .laboratori[0]
        .misure
    )
    modificabile = laboratori_modificabili(utente).filter(pk=pk).exists()
    sessioni = laboratorio.sessioni.annotate(numero_presenti=Count("righe_presenza")).order_by(
        "-data", "-ora_inizio"
    )
    pagina = Paginator(sessioni, SESSIONI_PER_PAGINA).get_page(request.GET.get("pagina"))
    righe_sessioni = [
        (sessione, modificabile and _nei_termini(utente, sessione)) for sessione in pagina
    ]
    return render(
        request,
        "laboratori/dettaglio.html",
        {
            "laboratorio": laboratorio,
            "misure": misure,
            "modificabile": modificabile,
            "giorni_modifica": laboratorio.accordo.giorni_modifica_sessioni
            if utente.ruolo == Ruolo.COOPERATIVA
            else None,
            "obiettivi": laboratorio.obiettivi.order_by("numero"),
            "partner": laboratorio.partner.select_related("ente").order_by("ente__nome"),
            "iscritti": laboratorio.iscritti.order_by("codice"),
            "pagina": pagina,
            "righe_sessioni": righe_sessioni,
            "briciole": _briciole(utente, None, (laboratorio.titolo, "")),
        },
    )


def _valori_iniziali(laboratorio: Laboratorio) -> dict:
    """Today, and the times and team of the last session: a laboratory
    usually meets at the same hours with the same educators."""
    iniziali = {"data": services.oggi()}
    ultima = laboratorio.sessioni.order_by("-data", "-ora_inizio").first()
    if ultima is not None:
        iniziali.update(
            ora_inizio=ultima.ora_inizio,
            ora_fine=ultima.ora_fine,
            educatori=ultima.educatori,
            numero_educatori=ultima.numero_educatori,
            ore_educatori=ultima.ore_educatori,
        )
    return iniziali


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


def _messaggio_salvata(form: SessioneForm) -> str:
    sessione = form.instance
    presenti = sessione.righe_presenza.count()
    messaggio = ngettext(
        "Sessione del %(data)s salvata con %(n)s presente.",
        "Sessione del %(data)s salvata con %(n)s presenti.",
        presenti,
    ) % {"data": data_it(sessione.data), "n": presenti}
    if form.nuovi:
        # The codes stand out: the educator copies them into the paper register.
        codici = format_html_join(
            ", ", '<strong class="codice">{}</strong>', ((p.codice,) for p in form.nuovi)
        )
        messaggio = format_html(
            "{} {}",
            messaggio,
            format_html(
                ngettext(
                    "Nuovo partecipante: {codici}. Riportare il codice sul registro cartaceo.",
                    "Nuovi partecipanti: {codici}. Riportare i codici sul registro cartaceo.",
                    len(form.nuovi),
                ),
                codici=codici,
            ),
        )
    return messaggio


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
    laboratorio = _laboratorio_modificabile(request.user, pk)
    if request.method == "POST":
        form = SessioneForm(request.POST, laboratorio=laboratorio, utente=request.user)
        if form.is_valid() and _salva(form):
            messages.success(request, _messaggio_salvata(form))
            return redirect("laboratori:dettaglio", pk=laboratorio.pk)
    else:
        form = SessioneForm(
            laboratorio=laboratorio, utente=request.user, initial=_valori_iniziali(laboratorio)
        )
    return _pagina_sessione(request, form, _("Registra sessione"))


@require_http_methods(["GET", "POST"])
@login_required
def sessione_modifica(request, pk: int):
    sessione = _sessione_modificabile(request.user, pk)
    if not _nei_termini(request.user, sessione):
        return _fuori_termini(request, sessione)
    laboratorio = sessione.laboratorio
    form = SessioneForm(
        request.POST if request.method == "POST" else None,
        instance=sessione,
        laboratorio=laboratorio,
        utente=request.user,
    )
    if request.method == "POST" and form.is_valid() and _salva(form):
        messages.success(request, _messaggio_salvata(form))
        return redirect("laboratori:dettaglio", pk=laboratorio.pk)
    return _pagina_sessione(
        request, form, _("Sessione del %(data)s") % {"data": data_it(sessione.data)}
    )


@require_http_methods(["GET", "POST"])
@login_required
def sessione_elimina(request, pk: int):
    sessione = _sessione_modificabile(request.user, pk)
    if not _nei_termini(request.user, sessione):
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
