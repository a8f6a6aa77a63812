"""Pages of the spending: the prestazioni's list and detail, the form that
registers and edits them with a preview of what they charge, and the
receipt download.

Every lookup starts from budget.access.prestazioni_visibili, so another
agreement's prestazione is a 404 whatever its id, and cooperatives, who see
no spending, get a 404 on every page. The Comune reads and changes nothing
(403 on the write pages); the Consorzio and an administrator write, always
through budget.services. The figures come from budget.rules and
budget.selectors, never from arithmetic here.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from accordo.access import accordi_visibili
from accordo.periodi import errore_periodo_chiuso
from budget import services
from budget.access import (
    prestazione_modificabile,
    prestazione_visibile,
    prestazioni_visibili,
    registra_prestazioni,
    richiedi_importi,
    richiedi_registrazione,
)
from budget.filters import FiltroPrestazioni
from budget.forms import AnteprimaForm, PrestazioneForm
from budget.models import Prestazione
from budget.selectors import (
    Anteprima,
    anteprima_prestazione,
    stati_budget,
    storia_prestazione,
    totali_prestazioni,
)
from core.formati import euro
from core.moduli import aggiungi_errori
from core.paginazione import PaginatoreContato
from core.validators import tipo_allegato

CONTENT_TYPES = {"PDF": "application/pdf", "JPEG": "image/jpeg", "PNG": "image/png"}
PRESTAZIONI_PER_PAGINA = 25


# The preview of a charge


def _briciole(*altre) -> list[tuple[str, str]]:
    return [(_("Prestazioni"), reverse("budget:prestazioni")), *altre]


def _anteprima(dati, utente, prestazione: Prestazione | None) -> tuple[Anteprima | None, list]:
    """The preview of what was typed (a query string or a posted form), or
    the Italian words for what is missing or wrong."""
    form = AnteprimaForm(dati, utente=utente)
    if not form.is_valid():
        return None, form.messaggi()
    return anteprima_prestazione(**form.cleaned_data, prestazione=prestazione), []


# The list and the detail


@require_safe
@login_required
def prestazioni(request):
    utente = request.user
    richiedi_importi(utente)
    righe = (
        prestazioni_visibili(utente)
        .select_related("tranche", "fornitore", "laboratorio")
        .order_by("-data", "-pk")
    )
    filtro = FiltroPrestazioni(request.GET or None, queryset=righe, utente=utente)
    totali = totali_prestazioni(filtro.qs)
    # The totals' query has counted the rows: the page reads its 25 only.
    pagina = PaginatoreContato(
        filtro.qs, PRESTAZIONI_PER_PAGINA, conteggio=totali["numero"]
    ).get_page(request.GET.get("pagina"))
    accordi = accordi_visibili(utente).order_by("-data_inizio", "titolo")
    return render(
        request,
        "budget/prestazioni.html",
        {
            "filtro": filtro,
            "pagina": pagina,
            "totali": totali,
            "stati": stati_budget(accordi),
            "puo_scrivere": registra_prestazioni(utente),
        },
    )


@require_safe
@login_required
def prestazione(request, pk: int):
    utente = request.user
    prestazione = prestazione_visibile(utente, pk)
    puo_scrivere = registra_prestazioni(utente)
    chiuso = (
        errore_periodo_chiuso(prestazione.tranche.accordo_id, prestazione.data)
        if puo_scrivere
        else None
    )
    return render(
        request,
        "budget/prestazione.html",
        {
            "prestazione": prestazione,
            "modifiche": storia_prestazione(prestazione),
            "puo_scrivere": puo_scrivere and chiuso is None,
            "periodo_chiuso": chiuso,
            "briciole": _briciole((prestazione.descrizione, "")),
        },
    )


# Registering, editing and deleting


def _salva(form: PrestazioneForm, utente) -> bool:
    """Save through the service, which checks every rule once under the
    agreement's lock; a refusal lands on the form's fields."""
    if not form.is_valid():
        return False
    try:
        services.prestazione_salva(prestazione=form.instance, utente=utente)
    except ValidationError as exc:
        aggiungi_errori(form, exc)
        return False
    return True


def _messaggio_salvata(prestazione: Prestazione, nuova: bool) -> str:
    dati = {
        "quota": euro(prestazione.quota_amministrativa),
        "totale": euro(prestazione.totale_addebitato),
        "tranche": prestazione.tranche.etichetta,
    }
    if prestazione.progettazione:
        if nuova:
            testo = _(
                "Quota progettazione registrata: addebitati %(totale)s alla tranche %(tranche)s."
            )
        else:
            testo = _(
                "Quota progettazione modificata: addebitati %(totale)s alla tranche %(tranche)s."
            )
    elif nuova:
        testo = _(
            "Prestazione registrata: quota amministrativa %(quota)s, "
            "addebitati %(totale)s alla tranche %(tranche)s."
        )
    else:
        testo = _(
            "Prestazione modificata: quota amministrativa %(quota)s, "
            "addebitati %(totale)s alla tranche %(tranche)s."
        )
    return testo % dati


def _pagina_modulo(request, form: PrestazioneForm, titolo: str, prestazione=None, dati=None):
    """The form page, with the preview of the charge for what was typed
    (or, when editing, for what is saved) rendered by the server too."""
    anteprima = None
    if dati is not None:
        anteprima, _errori = _anteprima(dati, request.user, prestazione)
    violazioni = list(anteprima.violazioni) if anteprima else []
    if form.is_bound:
        # A rule broken on save is already written under its field.
        gia_mostrati = {m for messaggi in form.errors.values() for m in messaggi}
        violazioni = [v for v in violazioni if v not in gia_mostrati]
    briciole = [(titolo, "")]
    if prestazione is not None:
        briciole.insert(
            0,
            (prestazione.descrizione, reverse("budget:prestazione", args=[prestazione.pk])),
        )
    return render(
        request,
        "budget/prestazione_form.html",
        {
            "form": form,
            "titolo": titolo,
            "prestazione": prestazione,
            "anteprima": anteprima,
            "violazioni_da_mostrare": violazioni,
            "briciole": _briciole(*briciole),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def prestazione_nuova(request):
    utente = request.user
    richiedi_registrazione(utente)
    if request.method == "POST":
        form = PrestazioneForm(request.POST, request.FILES, utente=utente)
        if _salva(form, utente):
            messages.success(request, _messaggio_salvata(form.instance, nuova=True))
            return redirect("budget:prestazione", pk=form.instance.pk)
        return _pagina_modulo(request, form, _("Nuova prestazione"), dati=request.POST)
    form = PrestazioneForm(utente=utente)
    return _pagina_modulo(request, form, _("Nuova prestazione"))


@require_http_methods(["GET", "POST"])
@login_required
def prestazione_modifica(request, pk: int):
    utente = request.user
    prestazione = prestazione_modificabile(utente, pk)
    titolo = _("Modifica prestazione")
    if request.method == "POST":
        form = PrestazioneForm(request.POST, request.FILES, instance=prestazione, utente=utente)
        if _salva(form, utente):
            messages.success(request, _messaggio_salvata(form.instance, nuova=False))
            return redirect("budget:prestazione", pk=prestazione.pk)
        # The instance now holds what was typed: preview against the saved one.
        salvata = prestazione_modificabile(utente, pk)
        return _pagina_modulo(request, form, titolo, salvata, dati=request.POST)
    form = PrestazioneForm(instance=prestazione, utente=utente)
    salvati = {
        "tranche": str(prestazione.tranche_id),
        "tipo": prestazione.tipo,
        "importo": str(prestazione.importo),
    }
    return _pagina_modulo(request, form, titolo, prestazione, dati=salvati)


@require_http_methods(["GET", "POST"])
@login_required
def prestazione_elimina(request, pk: int):
    utente = request.user
    prestazione = prestazione_modificabile(utente, pk)
    if request.method == "POST":
        try:
            services.prestazione_elimina(prestazione=prestazione, utente=utente)
        except ValidationError as exc:
            for messaggio in exc.messages:
                messages.error(request, messaggio)
            return redirect("budget:prestazione", pk=pk)
        messages.success(
            request,
            _("Prestazione eliminata: la tranche %(tranche)s riacquista %(totale)s.")
            % {
                "tranche": prestazione.tranche.etichetta,
                "totale": euro(prestazione.totale_addebitato),
            },
        )
        return redirect("budget:prestazioni")
    return render(
        request,
        "budget/prestazione_elimina.html",
        {
            "prestazione": prestazione,
            "briciole": _briciole(
                (prestazione.descrizione, reverse("budget:prestazione", args=[pk])),
                (_("Elimina"), ""),
            ),
        },
    )


@require_safe
@login_required
def anteprima(request):
    """The preview of the form, as JSON for static/js/anteprima-prestazione.js:
    fee, total charged, what the tranche (and the design cap) would have
    left, and the rules a save would break. Amounts come both as "1234.56"
    and as "€ 1.234,56"."""
    utente = request.user
    richiedi_registrazione(utente)
    prestazione = None
    pk = request.GET.get("pk")
    if pk:
        if not pk.isdigit():
            raise Http404
        prestazione = prestazione_modificabile(utente, int(pk))
    risultato, errori = _anteprima(request.GET, utente, prestazione)
    if risultato is None:
        risposta = JsonResponse({"pronta": False, "errori": errori})
    else:
        risposta = JsonResponse({"pronta": True, "errori": [], **risultato.as_json()})
    risposta["Cache-Control"] = "private, no-store"
    return risposta


# The receipt


@require_GET
@login_required
def documento_prestazione(request, pk: int):
    """Stream a prestazione's receipt to a user allowed to see the prestazione."""
    prestazione = prestazione_visibile(request.user, pk)
    if not prestazione.documento:
        raise Http404
    try:
        file = prestazione.documento.open("rb")
    except OSError as exc:  # the record survived, its file did not (e.g. a partial restore)
        raise Http404 from exc
    tipo = tipo_allegato(file.read(16))
    file.seek(0)
    if tipo is None:
        file.close()
        raise Http404
    risposta = FileResponse(
        file,
        content_type=CONTENT_TYPES[tipo],
        as_attachment=False,
        filename=prestazione.documento.name.rsplit("/", 1)[-1],
    )
    risposta["X-Content-Type-Options"] = "nosniff"
    risposta["Cache-Control"] = "private, no-store"
    return risposta
