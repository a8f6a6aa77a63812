"""Pages of the reports (rendiconti): list, create and edit (Consorzio),
detail with the review actions (Comune), and the PDF and Excel downloads.

Every lookup starts from rendicontazione.access.rendiconti_visibili, so a
report of another agreement is a 404 whatever its id, and cooperatives,
who see no reports, get a 404 on every page. A role that sees the report
but may not make a change gets a 403. The figures come from one place:
the live `riepilogo()` for a draft, the summary frozen with the latest
submission otherwise, for the page and both downloads alike. The page shows
the summary's lists of prestazioni and sessions a page at a time, with its
totals over the whole period; the downloads have the lists whole.

The page keeps what it computes from the summary in the cache (core.impronta):
a live summary and the live-vs-frozen comparison under the fingerprint of
every model the summary reads (riepilogo.FONTI_RIEPILOGO), a frozen one under
its submission, and the summary's part of the page, rendered, under the same
and the request's page numbers. While nothing changes a request reads the
fingerprint (one query), the report, its submissions and its history.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accordo.access import accordi_visibili
from accordo.context_processors import ORDINE_ACCORDI, intestazione
from accordo.models import Accordo
from core.formati import data_it
from core.impronta import DURATA, impronta, memorizzato
from core.models import Ruolo, Utente
from rendicontazione import services
from rendicontazione.access import rendiconti_visibili
from rendicontazione.forms import (
    ApprovaForm,
    FiltroRendiconti,
    OsservazioniVociFormSet,
    RendicontoForm,
    RimandaForm,
    aggiungi_errori,
    errori_di,
    scelte_voci,
)
from rendicontazione.models import Invio, Osservazione, Rendiconto, StatoRendiconto, Transizione
from rendicontazione.riepilogo import (
    FONTI_RIEPILOGO,
    Differenza,
    Intestazione,
    Narrativa,
    Riepilogo,
    confronta,
    prestazioni_del_periodo,
    riepilogo,
    voce_prestazione,
)

try:  # the chart is optional: the page is complete without it
    from rendicontazione.grafici import barre_budget
except ImportError:  # pragma: no cover - depends on the installed modules
    barre_budget = None

RENDICONTI_PER_PAGINA = 20
PRESTAZIONI_PER_PAGINA = 25
SESSIONI_PER_PAGINA = 20
CONTENT_TYPE_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RUOLI_CON_RENDICONTI = (Ruolo.COMUNE, Ruolo.CONSORZIO, Ruolo.AMMINISTRATORE)


# Authorisation


def _richiedi_accesso(utente) -> None:
    """Cooperatives (and users without a role) see no reports at all: for
    them the pages do not exist."""
    if utente.ruolo not in RUOLI_CON_RENDICONTI:
        raise Http404


def _puo(utente, ruolo: str) -> bool:
    # The same rule as the services' role check: the role, or a superuser.
    return utente.is_superuser or utente.ruolo == ruolo


def _richiedi_ruolo(utente, ruolo: str) -> None:
    if not _puo(utente, ruolo):
        raise PermissionDenied


def _rendiconto_visibile(
    utente,
    pk: int,
    relazioni: tuple[str, ...] = ("accordo__ente_pubblico", "accordo__ente_partner", "creato_da"),
) -> Rendiconto:
    _richiedi_accesso(utente)
    return get_object_or_404(rendiconti_visibili(utente).select_related(*relazioni), pk=pk)


# What a report shows


@dataclass(frozen=True)
class Contenuto:
    """The summary and narrative a report shows, and where they come from:
    live for a draft, frozen with the latest submission otherwise. The
    summary is read when first asked for: the page, whose summary part is
    usually in the cache, often needs none of it."""

    narrativa: Narrativa
    invio: Invio | None
    leggi: Callable[[], Riepilogo] = field(repr=False, compare=False)

    @cached_property
    def riassunto(self) -> Riepilogo:
        return self.leggi()

    @property
    def congelato(self) -> bool:
        return self.invio is not None


def _chiave_dati(rendiconto: Rendiconto, dati: str) -> tuple:
    """What a live summary of the report depends on: the agreement, the
    period and the fingerprint `dati` of the models it reads."""
    return (rendiconto.accordo_id, rendiconto.dal, rendiconto.al, dati)


def _contenuto(
    rendiconto: Rendiconto,
    invii: list[Invio],
    *,
    con_prestazioni: bool = True,
    dati: str | None = None,
    accordo: Callable[[], Accordo] | None = None,
) -> Contenuto:
    """`con_prestazioni=False` (the page) leaves the live summary's list of
    prestazioni unread: the page reads its page of it (`_elenco_prestazioni`).
    With the fingerprint `dati` of riepilogo.FONTI_RIEPILOGO (the page) the
    live summary is kept in the cache under it; `accordo` gives the report's
    agreement when the report was read without it."""
    if rendiconto.stato == StatoRendiconto.BOZZA or not invii:

        def vivo() -> Riepilogo:
            return riepilogo(
                accordo() if accordo else rendiconto.accordo,
                rendiconto.dal,
                rendiconto.al,
                con_prestazioni=con_prestazioni,
            )

        def leggi() -> Riepilogo:
            if dati is None:
                return vivo()
            chiave = ("rendiconto:riepilogo", con_prestazioni, *_chiave_dati(rendiconto, dati))
            return memorizzato(chiave, vivo)

        return Contenuto(narrativa=Narrativa.del_rendiconto(rendiconto), invio=None, leggi=leggi)
    ultimo = invii[-1]
    return Contenuto(
        narrativa=Narrativa(**ultimo.narrativa),
        invio=ultimo,
        leggi=lambda: Riepilogo.from_json(ultimo.riepilogo),
    )


def _invii(rendiconto: Rendiconto, *, con_utenti: bool = True) -> list[Invio]:
    """The submissions, without their frozen summaries: each is read when
    first used (one query), and the page, which keeps what it shows of them
    in the cache, usually uses none."""
    invii = rendiconto.invii.defer("riepilogo").order_by("numero")
    return list(invii.select_related("inviato_da") if con_utenti else invii)


def _nome_file(rendiconto: Rendiconto, estensione: str, bozza: bool = False) -> str:
    suffisso = "-bozza" if bozza else ""
    return f"rendiconto-{rendiconto.dal:%Y-%m-%d}-{rendiconto.al:%Y-%m-%d}{suffisso}.{estensione}"


def _etichetta_campo(nome: str) -> str:
    return str(Rendiconto._meta.get_field(nome).verbose_name).capitalize()


@dataclass(frozen=True)
class CampoCambiato:
    etichetta: str
    prima: str
    dopo: str


@dataclass(frozen=True)
class Cambiamenti:
    """What changed from one submission to the next."""

    precedente: Invio
    ultimo: Invio
    cifre: list[Differenza]
    narrativa: list[CampoCambiato]


def _cambiamenti(invii: list[Invio]) -> Cambiamenti | None:
    if len(invii) < 2:
        return None
    precedente, ultimo = invii[-2], invii[-1]
    return Cambiamenti(
        precedente=precedente,
        ultimo=ultimo,
        # Both submissions are frozen: their comparison never changes.
        cifre=memorizzato(
            ("rendiconto:cambiamenti", precedente.pk, ultimo.pk),
            lambda: confronta(
                Riepilogo.from_json(precedente.riepilogo), Riepilogo.from_json(ultimo.riepilogo)
            ),
        ),
        narrativa=[
            CampoCambiato(
                _etichetta_campo(campo), precedente.narrativa[campo], ultimo.narrativa[campo]
            )
            for campo in services.CAMPI_NARRATIVA
            if precedente.narrativa.get(campo) != ultimo.narrativa.get(campo)
        ],
    )


@dataclass(frozen=True)
class DatiAttuali:
    """How the live figures differ from the frozen ones: `differenze` may be
    empty when only details outside the comparison changed (a breakdown,
    the agreement's heading)."""

    differenze: list[Differenza]


def _dati_attuali(
    rendiconto: Rendiconto, contenuto: Contenuto, dati: str, accordo: Callable[[], Accordo]
) -> DatiAttuali | None:
    """How the live figures differ from the frozen ones, kept in the cache
    under the submission and the fingerprint `dati` of what the live
    summary reads."""
    if not contenuto.congelato:
        return None

    def calcola() -> tuple[DatiAttuali | None]:
        # In a tuple: the cache tells a result of None from a missing entry.
        attuale = riepilogo(accordo(), rendiconto.dal, rendiconto.al)
        if attuale.cifre() == contenuto.riassunto.cifre():
            return (None,)
        return (DatiAttuali(differenze=confronta(contenuto.riassunto, attuale)),)

    chiave = ("rendiconto:dati-attuali", contenuto.invio.pk, *_chiave_dati(rendiconto, dati))
    return memorizzato(chiave, calcola)[0]


def _storia(rendiconto: Rendiconto, *, con_utenti: bool = True) -> list[Transizione]:
    transizioni = rendiconto.transizioni.all()
    if con_utenti:
        transizioni = transizioni.select_related("utente")
    return list(
        transizioni.prefetch_related(
            Prefetch(
                "osservazioni_voci",
                queryset=Osservazione.objects.select_related(
                    "prestazione", "sessione__laboratorio"
                ).order_by("pk"),
            )
        ).order_by("quando", "pk")
    )


@dataclass(frozen=True)
class OsservazioniAperte:
    """The per-item remarks of the latest send-back, by prestazione and
    session id, to mark the items in the tables until the report is
    approved: the Consorzio sees what to fix, the Comune what it asked."""

    quando: datetime | None = None
    prestazioni: dict[int, list[str]] = field(default_factory=dict)
    sessioni: dict[int, list[str]] = field(default_factory=dict)


def _osservazioni_aperte(rendiconto: Rendiconto, storia: list[Transizione]) -> OsservazioniAperte:
    rimandi = [t for t in storia if t.a_stato == StatoRendiconto.DA_INTEGRARE]
    if not rimandi or rendiconto.stato == StatoRendiconto.APPROVATO:
        return OsservazioniAperte()
    aperte = OsservazioniAperte(quando=rimandi[-1].quando)
    for osservazione in rimandi[-1].osservazioni_voci.all():
        if osservazione.prestazione_id:
            aperte.prestazioni.setdefault(osservazione.prestazione_id, []).append(
                osservazione.testo
            )
        if osservazione.sessione_id:
            aperte.sessioni.setdefault(osservazione.sessione_id, []).append(osservazione.testo)
    return aperte


def _grafico(riassunto: Riepilogo) -> str | None:
    """The same chart as the PDF's: each tranche and the design cap, up to `al`."""
    if barre_budget is None:
        return None
    righe = [
        (_("Tranche %(etichetta)s") % {"etichetta": t.etichetta}, t.utilizzato, t.disponibile)
        for t in riassunto.spesa_cumulata.tranche
    ]
    righe.append(
        (
            _("Tetto quota progettazione"),
            riassunto.progettazione.utilizzato,
            riassunto.progettazione.disponibile,
        )
    )
    titolo = _("Budget utilizzato e disponibile al %(al)s") % {"al": data_it(riassunto.al)}
    # The chart is SVG built by our own code, with every text escaped there.
    return mark_safe(barre_budget(righe, titolo=titolo))  # noqa: S308


class _PaginatoreContato(Paginator):
    """A paginator over rows the summary has already counted: it asks the
    database for its page only."""

    def __init__(self, object_list, per_page: int, *, conteggio: int) -> None:
        super().__init__(object_list, per_page)
        self._conteggio = conteggio

    @cached_property
    def count(self) -> int:
        return self._conteggio


@dataclass(frozen=True)
class Elenco:
    """One page of a list of the summary: its rows with the remarks on each,
    and the links to the pages before and after (query string and anchor,
    the other list's page kept)."""

    pagina: Page
    righe: list[tuple]
    precedente: str
    successiva: str


def _url_pagina(request, rendiconto: Rendiconto, parametro: str, numero: int, ancora: str) -> str:
    # The report's own address: the page is also shown again after a
    # refused POST, whose address takes no GET.
    parametri = request.GET.copy()
    parametri[parametro] = numero
    indirizzo = reverse("rendicontazione:dettaglio", args=[rendiconto.pk])
    return f"{indirizzo}?{parametri.urlencode()}#{ancora}"


def _elenco(
    request, rendiconto: Rendiconto, pagina: Page, voci, note: dict, parametro: str, ancora: str
) -> Elenco:
    def url(numero: int) -> str:
        return _url_pagina(request, rendiconto, parametro, numero, ancora)

    return Elenco(
        pagina=pagina,
        righe=[(voce, note.get(voce.id, [])) for voce in voci],
        precedente=url(pagina.previous_page_number()) if pagina.has_previous() else "",
        successiva=url(pagina.next_page_number()) if pagina.has_next() else "",
    )


def _elenco_prestazioni(
    request, rendiconto: Rendiconto, riassunto: Riepilogo, aperte: OsservazioniAperte
) -> Elenco:
    """A frozen summary has the list in it; for a live one only the page
    shown is read, with the summary's own query and rows."""
    numero = request.GET.get("pagina_prestazioni")
    if riassunto.prestazioni is None:
        pagina = _PaginatoreContato(
            prestazioni_del_periodo(rendiconto.accordo, riassunto.dal, riassunto.al),
            PRESTAZIONI_PER_PAGINA,
            conteggio=riassunto.spesa_periodo.numero_prestazioni,
        ).get_page(numero)
        voci = [voce_prestazione(p) for p in pagina]
    else:
        pagina = Paginator(riassunto.prestazioni, PRESTAZIONI_PER_PAGINA).get_page(numero)
        voci = pagina.object_list
    return _elenco(
        request, rendiconto, pagina, voci, aperte.prestazioni, "pagina_prestazioni", "prestazioni"
    )


def _elenco_sessioni(
    request, rendiconto: Rendiconto, riassunto: Riepilogo, aperte: OsservazioniAperte
) -> Elenco:
    pagina = Paginator(riassunto.sessioni, SESSIONI_PER_PAGINA).get_page(
        request.GET.get("pagina_sessioni")
    )
    return _elenco(
        request,
        rendiconto,
        pagina,
        pagina.object_list,
        aperte.sessioni,
        "pagina_sessioni",
        "sessioni",
    )


def _origine(rendiconto: Rendiconto, contenuto: Contenuto, dati: str) -> tuple:
    """What the summary shown depends on: its submission for a frozen one,
    the fingerprint `dati` of what it reads for a live one."""
    if contenuto.congelato:
        return ("invio", contenuto.invio.pk)
    return ("vivo", *_chiave_dati(rendiconto, dati))


ELENCHI = {  # item: the list's page parameter and rows per page
    "prestazione": ("pagina_prestazioni", PRESTAZIONI_PER_PAGINA),
    "sessione": ("pagina_sessioni", SESSIONI_PER_PAGINA),
}


def _pagine_delle_voci(riassunto: Riepilogo, voci: tuple) -> dict[tuple[str, int], int]:
    """The page of its list each of `voci` (item, id) is on, if it is there."""
    righe = {"prestazione": riassunto.prestazioni or (), "sessione": riassunto.sessioni}
    cercate = set(voci)
    return {
        (voce, riga.id): n // ELENCHI[voce][1] + 1
        for voce, elenco in righe.items()
        for n, riga in enumerate(elenco)
        if (voce, riga.id) in cercate
    }


def _collega_osservazioni(
    rendiconto: Rendiconto, storia: list[Transizione], contenuto: Contenuto, dati: str
) -> None:
    """Point each per-item remark at the row of its item, on the page of the
    list the row is on (`href`). Remarks are made on submitted reports,
    whose frozen summary has the lists whole: the pages of the items are
    kept in the cache under the summary, which is read only to find them."""
    osservazioni = [o for t in storia for o in t.osservazioni_voci.all()]
    if not osservazioni:
        return
    voci = [
        (
            osservazione,
            "prestazione" if osservazione.prestazione_id else "sessione",
            osservazione.prestazione_id or osservazione.sessione_id,
        )
        for osservazione in osservazioni
    ]
    cercate = tuple(sorted({(voce, id_) for _o, voce, id_ in voci if id_ is not None}))
    pagine = memorizzato(
        ("rendiconto:pagine-voci", *_origine(rendiconto, contenuto, dati), cercate),
        lambda: _pagine_delle_voci(contenuto.riassunto, cercate),
    )
    indirizzo = reverse("rendicontazione:dettaglio", args=[rendiconto.pk])
    for osservazione, voce, id_ in voci:
        osservazione.href = f"#{voce}-{id_}"
        if (voce, id_) in pagine:
            parametro = ELENCHI[voce][0]
            osservazione.href = f"{indirizzo}?{parametro}={pagine[voce, id_]}{osservazione.href}"


def _contesto_riepilogo(
    request, rendiconto: Rendiconto, riassunto: Riepilogo, aperte: OsservazioniAperte
) -> dict:
    """Rows of the summary tables, arranged for the template (which pairs
    nothing and computes nothing itself)."""
    return {
        "rendiconto": rendiconto,
        "riassunto": riassunto,
        "righe_tranche": list(
            zip(riassunto.spesa_periodo.tranche, riassunto.spesa_cumulata.tranche, strict=True)
        ),
        "prestazioni": _elenco_prestazioni(request, rendiconto, riassunto, aperte),
        "sessioni": _elenco_sessioni(request, rendiconto, riassunto, aperte),
        "osservazioni_del": aperte.quando,
        # The sessions are folded; open when they bear remarks or one of
        # their pages was asked for.
        "sessioni_aperte": bool(aperte.sessioni) or "pagina_sessioni" in request.GET,
        "grafico": _grafico(riassunto),
    }


@dataclass(frozen=True)
class Sezione:
    """The summary's part of the page, rendered, with the few figures of the
    summary the rest of the page shows."""

    intestazione: Intestazione
    calcolato_il: datetime
    html: str


def _sezione(
    request,
    rendiconto: Rendiconto,
    contenuto: Contenuto,
    aperte: OsservazioniAperte,
    dati: str,
    accordo: Callable[[], Accordo],
) -> Sezione:
    """The summary's part of the page, kept in the cache under what it shows:
    the summary (the submission for a frozen one, the fingerprint `dati`
    for a live one), the pages asked for and the query string the links
    keep, the remarks that mark rows, the language."""

    def calcola() -> Sezione:
        accordo()  # the page of prestazioni of a live summary reads it
        riassunto = contenuto.riassunto
        return Sezione(
            intestazione=riassunto.intestazione,
            calcolato_il=riassunto.calcolato_il,
            html=render_to_string(
                "rendicontazione/_riepilogo.html",
                _contesto_riepilogo(request, rendiconto, riassunto, aperte),
            ),
        )

    chiave = (
        "rendiconto:sezione",
        rendiconto.pk,
        *_origine(rendiconto, contenuto, dati),
        sorted(request.GET.lists()),
        aperte,
        get_language(),
    )
    return memorizzato(chiave, calcola)


class _Accordi:
    """The agreements the user sees, with their organisations, read when
    first needed and at most once (one query): the first names the layout's
    heading, and one is the report's, which the page reads without it (a
    join less on every request; PostgreSQL plans a six-table join slowly)."""

    def __init__(self, utente, rendiconto: Rendiconto) -> None:
        self.utente = utente
        self.rendiconto = rendiconto

    @cached_property
    def tutti(self) -> list[Accordo]:
        return list(
            accordi_visibili(self.utente)
            .select_related("ente_pubblico", "ente_partner")
            .order_by(*ORDINE_ACCORDI)
        )

    def del_rendiconto(self) -> Accordo:
        """The report's agreement, set on the report as well. The report was
        found among those the user sees, so its agreement is one of them."""
        if not Rendiconto.accordo.is_cached(self.rendiconto):
            self.rendiconto.accordo = next(
                (a for a in self.tutti if a.pk == self.rendiconto.accordo_id), None
            ) or Accordo.objects.select_related("ente_pubblico", "ente_partner").get(
                pk=self.rendiconto.accordo_id
            )
        return self.rendiconto.accordo


def _intestazione(utente, dati: str, accordi: _Accordi) -> dict[str, str]:
    """The layout's heading (core.context_processors.navigazione, which reads
    it otherwise): the first agreement the user sees, kept in the cache
    under the user and the fingerprint `dati`, which covers agreements and
    organisations."""
    return memorizzato(
        (
            "rendiconto:intestazione",
            utente.pk,
            utente.is_superuser,
            utente.is_active,
            utente.ruolo,
            utente.ente_id,
            dati,
        ),
        lambda: intestazione(accordi.tutti[0] if accordi.tutti else None),
    )


def _cronologia(rendiconto: Rendiconto, dati: str) -> tuple[list[Invio], list[Transizione]]:
    """The report's submissions and history, kept in the cache under the
    report's last change: rendicontazione.services, the only writer of
    submissions, transitions and remarks (the admin shows them read-only),
    saves the report with each, and `modificato_il` moves at every save.
    The items the remarks name are under the fingerprint `dati`. The users
    are read anew (one query, when there are any): their names may change."""
    invii, storia = memorizzato(
        ("rendiconto:cronologia", rendiconto.pk, rendiconto.modificato_il, rendiconto.stato, dati),
        lambda: (
            _invii(rendiconto, con_utenti=False),
            _storia(rendiconto, con_utenti=False),
        ),
    )
    id_utenti = {i.inviato_da_id for i in invii} | {t.utente_id for t in storia}
    id_utenti.discard(None)
    if id_utenti:
        utenti = Utente.objects.in_bulk(id_utenti)
        for invio in invii:
            invio.inviato_da = utenti.get(invio.inviato_da_id)
        for transizione in storia:
            transizione.utente = utenti.get(transizione.utente_id)
    return invii, storia


def _frammenti(request, rendiconto: Rendiconto, dati: str, ruoli: tuple, invii, storia) -> str:
    """The key of the page's parts kept in the cache ({% cache %} in
    dettaglio.html: everything but the forms): the report's last change,
    which moves with every submission and transition (see _cronologia),
    the fingerprint `dati` of the live data, what the request asks for, the
    roles that decide the buttons and hints, and the names of the users the
    parts name, read anew."""
    utenti = {rendiconto.creato_da, *(i.inviato_da for i in invii), *(t.utente for t in storia)}
    nomi = sorted((u.pk, u.get_full_name(), u.username) for u in utenti if u is not None)
    parti = (
        rendiconto.pk,
        rendiconto.modificato_il,
        rendiconto.stato,
        dati,
        sorted(request.GET.lists()),
        get_language(),
        ruoli,
        nomi,
    )
    return hashlib.sha256(repr(parti).encode()).hexdigest()


def _pagina_dettaglio(
    request,
    rendiconto: Rendiconto,
    *,
    form_approva: ApprovaForm | None = None,
    form_rimanda: RimandaForm | None = None,
    voci: OsservazioniVociFormSet | None = None,
):
    utente = request.user
    accordi = _Accordi(utente, rendiconto)
    # One query: what the live summary reads has changed or not.
    dati = impronta(*FONTI_RIEPILOGO)
    invii, storia = _cronologia(rendiconto, dati)
    contenuto = _contenuto(
        rendiconto, invii, con_prestazioni=False, dati=dati, accordo=accordi.del_rendiconto
    )
    _collega_osservazioni(rendiconto, storia, contenuto, dati)
    aperte = _osservazioni_aperte(rendiconto, storia)
    puo_consorzio = _puo(utente, Ruolo.CONSORZIO)
    puo_comune = _puo(utente, Ruolo.COMUNE)
    in_revisione = rendiconto.stato == StatoRendiconto.INVIATO and puo_comune
    narrativa_in_preparazione = (
        contenuto.congelato
        and rendiconto.modificabile
        and Narrativa.del_rendiconto(rendiconto) != contenuto.narrativa
    )
    contesto = {
        "intestazione": _intestazione(utente, dati, accordi),
        # Read only when the cached heading of the page is not.
        "accordo": SimpleLazyObject(accordi.del_rendiconto),
        "rendiconto": rendiconto,
        "contenuto": contenuto,
        "narrativa": [
            (_etichetta_campo(campo), getattr(contenuto.narrativa, campo))
            for campo in services.CAMPI_NARRATIVA
        ],
        "narrativa_in_preparazione": narrativa_in_preparazione,
        "invii": invii,
        "storia": storia,
        "ultimo_rimando": storia[-1]
        if rendiconto.stato == StatoRendiconto.DA_INTEGRARE and storia
        else None,
        "dati_attuali": _dati_attuali(rendiconto, contenuto, dati, accordi.del_rendiconto),
        "cambiamenti": _cambiamenti(invii),
        "puo_modificare": puo_consorzio and rendiconto.modificabile,
        "puo_inviare": puo_consorzio and rendiconto.modificabile,
        "puo_rivedere": in_revisione,
        "briciole": [
            (_("Rendiconti"), reverse("rendicontazione:elenco")),
            (str(rendiconto), ""),
        ],
        # Read only when the cached parts are not.
        "sezione": SimpleLazyObject(
            lambda: _sezione(request, rendiconto, contenuto, aperte, dati, accordi.del_rendiconto)
        ),
        "frammenti": _frammenti(
            request, rendiconto, dati, (puo_consorzio, puo_comune), invii, storia
        ),
        "durata_frammenti": DURATA,
    }
    if in_revisione:
        contesto["form_approva"] = form_approva or ApprovaForm(prefix="approva")
        contesto["form_rimanda"] = form_rimanda or RimandaForm(prefix="rimanda")
        contesto["voci"] = voci or OsservazioniVociFormSet(
            prefix="voci", form_kwargs={"scelte": scelte_voci(contenuto.riassunto)}
        )
    return render(request, "rendicontazione/dettaglio.html", contesto)


# Pages


@dataclass(frozen=True)
class RigaElenco:
    rendiconto: Rendiconto
    ultima: Transizione | None


@require_safe
@login_required
def elenco(request):
    utente = request.user
    _richiedi_accesso(utente)
    rendiconti = (
        rendiconti_visibili(utente)
        .select_related("accordo")
        .prefetch_related(
            Prefetch(
                "transizioni",
                queryset=Transizione.objects.select_related("utente").order_by("-quando", "-pk"),
                to_attr="transizioni_recenti",
            )
        )
        .order_by("-dal", "-pk")
    )
    filtro = FiltroRendiconti(request.GET or None, queryset=rendiconti)
    pagina = Paginator(filtro.qs, RENDICONTI_PER_PAGINA).get_page(request.GET.get("pagina"))
    righe = [
        RigaElenco(rendiconto=r, ultima=r.transizioni_recenti[0] if r.transizioni_recenti else None)
        for r in pagina
    ]
    return render(
        request,
        "rendicontazione/elenco.html",
        {
            "filtro": filtro,
            "pagina": pagina,
            "righe": righe,
            "mostra_accordo": len({r.rendiconto.accordo_id for r in righe}) > 1,
            "puo_creare": _puo(utente, Ruolo.CONSORZIO),
        },
    )


def _pagina_form(request, form: RendicontoForm, titolo: str, rendiconto: Rendiconto | None):
    briciole = [(_("Rendiconti"), reverse("rendicontazione:elenco"))]
    if rendiconto is not None:
        briciole.append(
            (str(rendiconto), reverse("rendicontazione:dettaglio", args=[rendiconto.pk]))
        )
    briciole.append((titolo, ""))
    return render(
        request,
        "rendicontazione/form.html",
        {"form": form, "titolo": titolo, "rendiconto": rendiconto, "briciole": briciole},
    )


def _salva(request, form: RendicontoForm) -> bool:
    """Save through the service; its refusals land on the form."""
    try:
        services.rendiconto_salva(rendiconto=form.instance, utente=request.user)
    except ValidationError as exc:
        aggiungi_errori(form, errori_di(exc))
        return False
    return True


@require_http_methods(["GET", "POST"])
@login_required
def nuovo(request):
    utente = request.user
    _richiedi_accesso(utente)
    _richiedi_ruolo(utente, Ruolo.CONSORZIO)
    form = RendicontoForm(request.POST or None, utente=utente)
    if request.method == "POST" and form.is_valid() and _salva(request, form):
        messages.success(
            request,
            _("%(rendiconto)s creato in bozza. Lo si invia al Comune dalla sua pagina.")
            % {"rendiconto": form.instance},
        )
        return redirect("rendicontazione:dettaglio", pk=form.instance.pk)
    return _pagina_form(request, form, _("Nuovo rendiconto"), None)


@require_http_methods(["GET", "POST"])
@login_required
def modifica(request, pk: int):
    utente = request.user
    rendiconto = _rendiconto_visibile(utente, pk)
    _richiedi_ruolo(utente, Ruolo.CONSORZIO)
    if not rendiconto.modificabile:
        messages.error(
            request,
            _("Il rendiconto è «%(stato)s»: non si può più modificare.")
            % {"stato": rendiconto.get_stato_display()},
        )
        return redirect("rendicontazione:dettaglio", pk=pk)
    form = RendicontoForm(request.POST or None, instance=rendiconto, utente=utente)
    if request.method == "POST" and form.is_valid() and _salva(request, form):
        messages.success(request, _("Rendiconto salvato."))
        return redirect("rendicontazione:dettaglio", pk=pk)
    return _pagina_form(request, form, _("Modifica rendiconto"), rendiconto)


@require_safe
@login_required
def dettaglio(request, pk: int):
    # The agreement is read when needed, with the heading (see _Accordi).
    return _pagina_dettaglio(
        request, _rendiconto_visibile(request.user, pk, relazioni=("creato_da",))
    )


def _errore(request, exc: ValidationError) -> None:
    for messaggi in errori_di(exc).values():
        for messaggio in messaggi:
            messages.error(request, messaggio)


@require_POST
@login_required
def invia(request, pk: int):
    rendiconto = _rendiconto_visibile(request.user, pk)
    _richiedi_ruolo(request.user, Ruolo.CONSORZIO)
    try:
        invio = services.invia(rendiconto=rendiconto, utente=request.user)
    except ValidationError as exc:
        _errore(request, exc)
    else:
        messages.success(
            request,
            _("Rendiconto inviato al Comune (invio n. %(numero)s): cifre e PDF sono congelati.")
            % {"numero": invio.numero},
        )
    return redirect("rendicontazione:dettaglio", pk=pk)


@require_POST
@login_required
def approva(request, pk: int):
    rendiconto = _rendiconto_visibile(request.user, pk)
    _richiedi_ruolo(request.user, Ruolo.COMUNE)
    form = ApprovaForm(request.POST, prefix="approva")
    if form.is_valid():
        try:
            services.approva(
                rendiconto=rendiconto,
                utente=request.user,
                osservazioni=form.cleaned_data["osservazioni"].strip(),
            )
        except ValidationError as exc:
            _errore(request, exc)
        else:
            messages.success(
                request,
                _(
                    "Rendiconto approvato. Il periodo è chiuso: prestazioni e sessioni del "
                    "periodo non sono più modificabili."
                ),
            )
        return redirect("rendicontazione:dettaglio", pk=pk)
    return _pagina_dettaglio(request, rendiconto, form_approva=form)


@require_POST
@login_required
def rimanda(request, pk: int):
    rendiconto = _rendiconto_visibile(request.user, pk)
    _richiedi_ruolo(request.user, Ruolo.COMUNE)
    invio = rendiconto.invii.order_by("-numero").first()
    if rendiconto.stato != StatoRendiconto.INVIATO or invio is None:
        messages.error(request, _("Si può rimandare al Consorzio solo un rendiconto inviato."))
        return redirect("rendicontazione:dettaglio", pk=pk)
    form = RimandaForm(request.POST, prefix="rimanda")
    voci = OsservazioniVociFormSet(
        request.POST,
        prefix="voci",
        form_kwargs={"scelte": scelte_voci(Riepilogo.from_json(invio.riepilogo))},
    )
    if form.is_valid() and voci.is_valid():
        osservazioni_voci = [
            services.OsservazioneVoce(
                testo=f.cleaned_data["testo"].strip(),
                prestazione_id=f.voce_scelta()[0],
                sessione_id=f.voce_scelta()[1],
            )
            for f in voci
            if f.cleaned_data.get("voce")
        ]
        try:
            services.rimanda(
                rendiconto=rendiconto,
                utente=request.user,
                osservazioni=form.cleaned_data["osservazioni"].strip(),
                osservazioni_voci=osservazioni_voci,
            )
        except ValidationError as exc:
            # Keep what the reviewer typed: show the page again with it.
            aggiungi_errori(form, errori_di(exc))
        else:
            messages.success(request, _("Rendiconto rimandato al Consorzio per le integrazioni."))
            return redirect("rendicontazione:dettaglio", pk=pk)
    messages.error(request, _("Il rendiconto non è stato rimandato: vedere le osservazioni."))
    return _pagina_dettaglio(request, rendiconto, form_rimanda=form, voci=voci)


def _allegato(risposta: HttpResponse) -> HttpResponse:
    risposta["X-Content-Type-Options"] = "nosniff"
    risposta["Cache-Control"] = "private, no-store"
    return risposta


@require_safe
@login_required
def pdf(request, pk: int):
    """The PDF as sent for a submitted report (the stored file, never
    rendered again); a fresh one marked «Bozza» for a draft."""
    rendiconto = _rendiconto_visibile(request.user, pk)
    contenuto = _contenuto(rendiconto, _invii(rendiconto))
    if contenuto.invio is not None:
        try:
            file = contenuto.invio.pdf.open("rb")
        except FileNotFoundError as exc:
            raise Http404 from exc
        return _allegato(
            FileResponse(
                file,
                as_attachment=True,
                filename=_nome_file(rendiconto, "pdf"),
                content_type="application/pdf",
            )
        )
    documento = services.documento_pdf(
        contenuto.riassunto, contenuto.narrativa, rendiconto, str(StatoRendiconto.BOZZA.label)
    )
    risposta = HttpResponse(documento, content_type="application/pdf")
    risposta["Content-Disposition"] = (
        f'attachment; filename="{_nome_file(rendiconto, "pdf", bozza=True)}"'
    )
    return _allegato(risposta)


@require_safe
@login_required
def xlsx(request, pk: int):
    """The workbook of the same summary the page shows."""
    from rendicontazione.excel import xlsx_rendiconto

    rendiconto = _rendiconto_visibile(request.user, pk)
    contenuto = _contenuto(rendiconto, _invii(rendiconto))
    risposta = HttpResponse(
        xlsx_rendiconto(contenuto.riassunto, narrativa=contenuto.narrativa),
        content_type=CONTENT_TYPE_XLSX,
    )
    nome = _nome_file(rendiconto, "xlsx", bozza=not contenuto.congelato)
    risposta["Content-Disposition"] = f'attachment; filename="{nome}"'
    return _allegato(risposta)
