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

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F, QuerySet
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from accordo.access import accordi_visibili
from accordo.models import Ente
from accordo.periodi import errore_periodo_chiuso
from budget import rules, services
from budget.access import prestazioni_visibili, tranche_visibili
from budget.filters import FiltroPrestazioni
from budget.forms import PrestazioneForm, aggiungi_errori
from budget.models import Prestazione, TipoPrestazione, Tranche
from budget.selectors import saldo, somma_importi, stati_budget, tranche_con_saldi
from core.formati import data_it, euro, percentuale
from core.models import Ruolo
from core.validators import tipo_allegato
from laboratori.models import Laboratorio

CONTENT_TYPES = {"PDF": "application/pdf", "JPEG": "image/jpeg", "PNG": "image/png"}
PRESTAZIONI_PER_PAGINA = 25
RUOLI_CON_SPESA = (Ruolo.COMUNE, Ruolo.CONSORZIO, Ruolo.AMMINISTRATORE)


# Authorisation


def _richiedi_accesso(utente) -> None:
    """Cooperatives (and users without a role) see no spending: for them
    these pages do not exist."""
    if utente.ruolo not in RUOLI_CON_SPESA:
        raise Http404


def _puo_scrivere(utente) -> bool:
    return utente.is_superuser or utente.ruolo == Ruolo.CONSORZIO


def _richiedi_scrittura(utente) -> None:
    _richiedi_accesso(utente)
    if not _puo_scrivere(utente):
        raise PermissionDenied


def _prestazione_visibile(utente, pk: int) -> Prestazione:
    _richiedi_accesso(utente)
    return get_object_or_404(
        prestazioni_visibili(utente).select_related(
            "tranche__accordo", "fornitore", "laboratorio", "creata_da"
        ),
        pk=pk,
    )


def _prestazione_modificabile(utente, pk: int) -> Prestazione:
    prestazione = _prestazione_visibile(utente, pk)
    if not _puo_scrivere(utente):
        raise PermissionDenied
    return prestazione


def _briciole(*altre) -> list[tuple[str, str]]:
    return [(_("Prestazioni"), reverse("budget:prestazioni")), *altre]


# The preview of a charge


@dataclass(frozen=True)
class Anteprima:
    """What a prestazione would charge, and what its tranche (and, for
    design work, the design cap) would have left: the rules' figures."""

    tranche: str
    progettazione: bool
    aliquota: Decimal
    quota: Decimal
    totale: Decimal
    disponibile_prima: Decimal
    disponibile_dopo: Decimal
    progettazione_disponibile_dopo: Decimal | None
    violazioni: tuple[str, ...]

    @property
    def testo(self) -> str:
        if self.progettazione:
            parti = [_("Quota progettazione, senza quota amministrativa")]
        else:
            parti = [
                _("Quota amministrativa %(aliquota)s: %(quota)s")
                % {"aliquota": percentuale(self.aliquota), "quota": euro(self.quota)}
            ]
        parti.append(_("addebito totale %(totale)s") % {"totale": euro(self.totale)})
        parti.append(
            _("alla tranche «%(tranche)s» resteranno %(resto)s")
            % {"tranche": self.tranche, "resto": euro(self.disponibile_dopo)}
        )
        if self.progettazione_disponibile_dopo is not None:
            parti.append(
                _("del tetto della quota progettazione resteranno %(resto)s")
                % {"resto": euro(self.progettazione_disponibile_dopo)}
            )
        return " — ".join(parti)

    def as_json(self) -> dict:
        dati = {
            "tranche": self.tranche,
            "progettazione": self.progettazione,
            "aliquota": f"{self.aliquota:.2f}",
            "aliquota_testo": percentuale(self.aliquota),
            "violazioni": list(self.violazioni),
            "testo": self.testo,
        }
        for nome in ("quota", "totale", "disponibile_prima", "disponibile_dopo"):
            dati[nome] = f"{getattr(self, nome):.2f}"
            dati[f"{nome}_euro"] = euro(getattr(self, nome))
        resto = self.progettazione_disponibile_dopo
        dati["progettazione_disponibile_dopo"] = None if resto is None else f"{resto:.2f}"
        dati["progettazione_disponibile_dopo_euro"] = None if resto is None else euro(resto)
        return dati


def _anteprima(
    *, tranche: Tranche, tipo: str, importo: Decimal, prestazione: Prestazione | None
) -> Anteprima:
    """The figures budget.services would check on save, without the lock:
    a new prestazione takes the agreement's current rate, an edited one
    keeps its own (rule 5), and design work carries no fee."""
    accordo = tranche.accordo
    tutte = list(tranche_con_saldi(Tranche.objects.filter(accordo_id=accordo.pk)))
    indice = {t.pk: i for i, t in enumerate(tutte)}
    saldi = [saldo(t) for t in tutte]
    precedente = None
    if prestazione is not None and prestazione.tranche_id in indice:
        precedente = services.addebito_registrato(prestazione, indice[prestazione.tranche_id])
    progettazione = tipo == TipoPrestazione.PROGETTAZIONE
    nuovo = rules.addebito(
        tranche=indice[tranche.pk],
        valore=importo,
        aliquota=rules.aliquota_da_applicare(
            progettazione=progettazione,
            aliquota_accordo=accordo.aliquota_quota_amministrativa,
            registrata=precedente.aliquota
            if precedente is not None and not precedente.progettazione
            else None,
        ),
        progettazione=progettazione,
    )
    violazioni = rules.verifica_addebito(
        saldi,
        nuovo,
        tetto_progettazione=accordo.tetto_progettazione,
        riporto_residui=accordo.riporto_residui,
        precedente=precedente,
    )
    senza_precedente = rules.applica(saldi, precedente, -1) if precedente else saldi
    dopo = rules.applica(senza_precedente, nuovo)
    progettazione_dopo = None
    if nuovo.progettazione:
        # rules has no function for the design cap's residual; this is the
        # same subtraction as budget.selectors' RigaProgettazione.
        progettazione_dopo = accordo.tetto_progettazione - rules.progettazione_utilizzata(dopo)
    return Anteprima(
        tranche=tranche.etichetta,
        progettazione=nuovo.progettazione,
        aliquota=nuovo.aliquota,
        quota=nuovo.quota,
        totale=nuovo.totale,
        disponibile_prima=rules.disponibili(saldi, accordo.riporto_residui)[nuovo.tranche],
        disponibile_dopo=rules.disponibili(dopo, accordo.riporto_residui)[nuovo.tranche],
        progettazione_disponibile_dopo=progettazione_dopo,
        violazioni=tuple(v.messaggio for v in violazioni),
    )


def _anteprima_richiesta(
    dati, utente, prestazione: Prestazione | None
) -> tuple[Anteprima | None, list[str]]:
    """Read tranche, tipo and importo as typed (a query string or a posted
    form) and preview them; or say in Italian what is missing or wrong."""
    errori = []
    tranche = None
    testo_tranche = str(dati.get("tranche") or "")
    if testo_tranche.isdigit():
        tranche = tranche_visibili(utente).select_related("accordo").filter(pk=testo_tranche)
        tranche = tranche.first()
    if tranche is None:
        errori.append(_("Scegliere la tranche."))
    tipo = dati.get("tipo")
    if tipo not in TipoPrestazione.values:
        errori.append(_("Scegliere il tipo di prestazione."))
    importo = None
    try:
        # Read as the form reads it: Italian notation, at most 12 digits (a
        # longer number would overflow the rules' Decimal context).
        importo = PrestazioneForm.base_fields["importo"].clean(dati.get("importo"))
    except ValidationError as exc:
        errori.extend(exc.messages)
    else:
        errori.extend(rules.errori_importo(importo))
    if errori:
        return None, errori
    return _anteprima(tranche=tranche, tipo=tipo, importo=importo, prestazione=prestazione), []


# The list and the detail


def _totali(prestazioni: QuerySet[Prestazione]) -> dict:
    """Count, value, fees and total charged of the filtered rows, in one query."""

    return prestazioni.order_by().aggregate(
        numero=Count("pk"),
        valore=somma_importi("importo"),
        quote=somma_importi("quota_amministrativa"),
        totale=somma_importi(F("importo") + F("quota_amministrativa")),
    )


@require_safe
@login_required
def prestazioni(request):
    utente = request.user
    _richiedi_accesso(utente)
    righe = (
        prestazioni_visibili(utente)
        .select_related("tranche", "fornitore", "laboratorio")
        .order_by("-data", "-pk")
    )
    filtro = FiltroPrestazioni(request.GET or None, queryset=righe, utente=utente)
    pagina = Paginator(filtro.qs, PRESTAZIONI_PER_PAGINA).get_page(request.GET.get("pagina"))
    accordi = accordi_visibili(utente).order_by("-data_inizio", "titolo")
    return render(
        request,
        "budget/prestazioni.html",
        {
            "filtro": filtro,
            "pagina": pagina,
            "totali": _totali(filtro.qs),
            "stati": stati_budget(accordi),
            "puo_scrivere": _puo_scrivere(utente),
        },
    )


@dataclass(frozen=True)
class Differenza:
    voce: str
    prima: str
    dopo: str


@dataclass(frozen=True)
class Modifica:
    quando: datetime
    chi: str
    azione: str
    differenze: tuple[Differenza, ...]


# The fields whose changes the history shows, in the form's order.
CAMPI_STORIA = (
    "tranche",
    "tipo",
    "fornitore",
    "laboratorio",
    "descrizione",
    "data",
    "importo",
    "aliquota_quota_amministrativa",
    "quota_amministrativa",
    "numero_documento",
    "data_documento",
    "documento",
)
CALCOLATI = ("aliquota_quota_amministrativa", "quota_amministrativa")
MODIFICABILI = tuple(campo for campo in CAMPI_STORIA if campo not in CALCOLATI)


def _azione(tipo: str) -> str:
    return {"+": _("Registrata"), "~": _("Modificata"), "-": _("Eliminata")}.get(tipo, tipo)


def _testo_storico(campo: str, valore, nomi: dict[str, dict]) -> str:
    if valore in (None, ""):
        return ""
    if campo in nomi:
        return nomi[campo].get(valore, f"#{valore}")
    if campo in ("importo", "quota_amministrativa"):
        return euro(valore)
    if campo == "aliquota_quota_amministrativa":
        return percentuale(valore)
    if campo in ("data", "data_documento"):
        return data_it(valore)
    if campo == "tipo":
        return TipoPrestazione(valore).label
    if campo == "documento":
        return str(getattr(valore, "name", valore)).rsplit("/", 1)[-1]
    return str(valore)


def _storia(prestazione: Prestazione) -> list[Modifica]:
    """Who changed what and when, newest first, from django-simple-history:
    four queries whatever the number of versions."""
    versioni = list(
        prestazione.history.select_related("history_user").order_by("history_date", "history_id")
    )

    def usati(attributo: str) -> set[int]:
        return {getattr(v, attributo) for v in versioni if getattr(v, attributo)}

    nomi = {
        "tranche": dict(
            Tranche.objects.filter(pk__in=usati("tranche_id")).values_list("pk", "etichetta")
        ),
        "fornitore": dict(
            Ente.objects.filter(pk__in=usati("fornitore_id")).values_list("pk", "nome")
        ),
        "laboratorio": dict(
            Laboratorio.objects.filter(pk__in=usati("laboratorio_id")).values_list("pk", "titolo")
        ),
    }
    etichette = {
        campo: Prestazione._meta.get_field(campo).verbose_name.capitalize()
        for campo in CAMPI_STORIA
    }
    modifiche = []
    precedente = None
    for versione in versioni:
        cambiati = {}
        if precedente is not None:
            delta = versione.diff_against(precedente, included_fields=MODIFICABILI)
            cambiati = {c.field: (c.old, c.new) for c in delta.changes}
            # diff_against reads fields through model_to_dict, which skips
            # non-editable ones: the rate and the fee are compared here.
            for campo in CALCOLATI:
                prima, dopo = getattr(precedente, campo), getattr(versione, campo)
                if prima != dopo:
                    cambiati[campo] = (prima, dopo)
        differenze = tuple(
            Differenza(
                voce=etichette[campo],
                prima=_testo_storico(campo, cambiati[campo][0], nomi),
                dopo=_testo_storico(campo, cambiati[campo][1], nomi),
            )
            for campo in CAMPI_STORIA
            if campo in cambiati
        )
        utente = versione.history_user
        modifiche.append(
            Modifica(
                quando=timezone.localtime(versione.history_date),
                chi=(utente.get_full_name() or utente.username) if utente else "",
                azione=_azione(versione.history_type),
                differenze=differenze,
            )
        )
        precedente = versione
    return modifiche[::-1]


@require_safe
@login_required
def prestazione(request, pk: int):
    utente = request.user
    prestazione = _prestazione_visibile(utente, pk)
    puo_scrivere = _puo_scrivere(utente)
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
            "modifiche": _storia(prestazione),
            "puo_scrivere": puo_scrivere and chiuso is None,
            "periodo_chiuso": chiuso,
            "briciole": _briciole((prestazione.descrizione, "")),
        },
    )


# Registering, editing and deleting


def _salva(form: PrestazioneForm, utente) -> bool:
    """Validate and save in one transaction: the rule check takes the
    agreement's lock and holds it until the service writes, so what was
    checked is what is saved. A refusal lands on the form's fields."""
    try:
        with transaction.atomic():
            if not form.is_valid():
                return False
            errori = services.errori_prestazione(form.instance)
            if errori:
                aggiungi_errori(form, errori)
                return False
            services.prestazione_salva(prestazione=form.instance, utente=utente)
    except ValidationError as exc:  # refused on the second look, under the same lock
        aggiungi_errori(
            form, exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        )
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
        anteprima, _errori = _anteprima_richiesta(dati, request.user, prestazione)
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
    _richiedi_scrittura(utente)
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
    prestazione = _prestazione_modificabile(utente, pk)
    titolo = _("Modifica prestazione")
    if request.method == "POST":
        form = PrestazioneForm(request.POST, request.FILES, instance=prestazione, utente=utente)
        if _salva(form, utente):
            messages.success(request, _messaggio_salvata(form.instance, nuova=False))
            return redirect("budget:prestazione", pk=prestazione.pk)
        # The instance now holds what was typed: preview against the saved one.
        salvata = _prestazione_modificabile(utente, pk)
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
    prestazione = _prestazione_modificabile(utente, pk)
    if request.method == "POST":
        try:
            services.prestazione_delete(prestazione=prestazione, utente=utente)
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
    _richiedi_scrittura(utente)
    prestazione = None
    pk = request.GET.get("pk")
    if pk:
        if not pk.isdigit():
            raise Http404
        prestazione = _prestazione_modificabile(utente, int(pk))
    risultato, errori = _anteprima_richiesta(request.GET, utente, prestazione)
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
    prestazione = get_object_or_404(prestazioni_visibili(request.user), pk=pk)
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
