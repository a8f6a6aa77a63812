"""The home dashboard's reads, one per kind of user.

`cruscotto()` (Comune, Consorzio, Amministratore) and `cruscotto_cooperativa()`
return plain dataclasses built with a fixed number of queries whatever the
number of prestazioni, sessions, reports or history rows: the budget comes
from budget.selectors.stati_budget (the same figures as `stato_budget
--json`), the forecast from budget.rules.previsione_tranche, and the rest
from aggregates and from rows the database has already cut to what the
page shows (the latest reports of each agreement, the first reports waiting,
the latest changes), so the work in Python does not grow with the data.
Nothing is cached: every request reads the figures as they are.
"""

import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from heapq import nlargest

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, Max, Model, Q, Sum, Value, When, Window
from django.db.models.functions import RowNumber, TruncMonth
from django.utils.timezone import localtime

from accordo.access import accordi_visibili
from accordo.context_processors import ORDINE_ACCORDI
from accordo.models import Accordo
from budget import rules
from budget.models import Prestazione, Tranche
from budget.selectors import IMPORTO_SOMMATO, RigaTranche, StatoBudget, stati_budget
from core.formati import data_it
from laboratori.access import laboratori_visibili
from laboratori.models import Sessione, StatoLaboratorio
from rendicontazione.access import rendiconti_visibili, rivede_rendiconti, scrive_rendiconti
from rendicontazione.models import (
    Rendiconto,
    StatoRendiconto,
    TipoRendiconto,
    Transizione,
)
from rendicontazione.services import rendiconti_in_sospeso

MODIFICHE_RECENTI = 10
RENDICONTI_PER_ACCORDO = 8
# Agreements shown in full on one page of the dashboard, the most recent
# first: what a request reads and draws is bounded by it, however many
# agreements a user sees.
ACCORDI_PER_PAGINA = 5
ATTESE_MOSTRATE = 10  # reports waiting for the user listed; the others are counted
SETTIMANE_ABITUDINE = 4  # how far back the usual weekdays of a laboratory are read
VOLTE_ABITUDINE = 2  # sessions on a weekday in those weeks to call it usual
GIORNI_SENZA_SESSIONI = 7  # with no usual weekday: flag a laboratory silent this long
GIORNI_SETTIMANA = ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica")


# Comune, Consorzio, Amministratore


@dataclass(frozen=True)
class TrancheCruscotto:
    riga: RigaTranche  # the figures of StatoBudget, as they are
    percentuale_utilizzata: Decimal
    percentuale_disponibile: Decimal
    previsione: rules.Previsione

    @property
    def barra(self) -> Decimal:
        """The width of the progress bar: never beyond 100%."""
        return max(min(self.percentuale_utilizzata, rules.CENTO), Decimal(0))


@dataclass(frozen=True)
class RendicontoBreve:
    id: int
    titolo: str
    tipo: str
    dal: date
    al: date
    stato: str
    stato_etichetta: str


@dataclass(frozen=True)
class CruscottoAccordo:
    stato: StatoBudget
    tranche: tuple[TrancheCruscotto, ...]
    percentuale_progettazione: Decimal
    percentuale_totale: Decimal
    spesa_mensile: tuple[tuple[date, Decimal], ...]  # first day of each month, amount
    rendiconti: tuple[RendicontoBreve, ...]  # the latest RENDICONTI_PER_ACCORDO
    altri_rendiconti: int
    scaduto: bool

    @property
    def barra_progettazione(self) -> Decimal:
        return max(min(self.percentuale_progettazione, rules.CENTO), Decimal(0))


@dataclass(frozen=True)
class Attesa:
    """Something waiting for the user: a report to review, complete, answer
    or write (rendiconto_id is None for a report not yet created)."""

    etichetta: str
    stato: str  # the report state the badge colour follows
    titolo: str
    accordo: str
    dettaglio: str
    osservazioni: str = ""
    rendiconto_id: int | None = None


@dataclass(frozen=True)
class Modifica:
    quando: datetime
    chi: str
    azione: str
    oggetto: str
    collegamento: tuple[str, int] | None  # url name and argument

    @property
    def frase(self) -> str:
        return f"{self.chi} {self.azione} {self.oggetto}"


@dataclass(frozen=True)
class Cruscotto:
    oggi: date
    # Whether reports wait for this user's role (the Comune reviews them,
    # the Consorzio writes them): the page then says when none does.
    attende_rendiconti: bool
    accordi: tuple[CruscottoAccordo, ...]  # the page's agreements, in full
    pagina: Page  # of every agreement the user sees
    in_attesa: tuple[Attesa, ...]  # the first ATTESE_MOSTRATE
    altri_in_attesa: int  # waiting beyond those
    modifiche: tuple[Modifica, ...]
    # The agreement the layout's heading names (accordo.context_processors),
    # with its public body: the layout need not read it again.
    primo_accordo: Accordo | None


def mesi(inizio: date, fine: date) -> list[date]:
    """The first day of every month from `inizio`'s to `fine`'s, both included."""
    risultato = []
    anno, mese = inizio.year, inizio.month
    while (anno, mese) <= (fine.year, fine.month):
        risultato.append(date(anno, mese, 1))
        anno, mese = (anno + 1, 1) if mese == 12 else (anno, mese + 1)
    return risultato


class Mese(TruncMonth):
    """The first day of a date's month, computed by the database itself.

    Django's TruncMonth calls a Python function for every row on SQLite;
    over every prestazione of the agreements that was most of the
    dashboard's time. SQLite's own date() does it in SQL. PostgreSQL keeps
    Django's DATE_TRUNC.
    """

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"date({sql}, 'start of month')", params


def _spesa_mensile(accordi: list[Accordo]) -> dict[int, dict[date, Decimal]]:
    """What each agreement's prestazioni charged (value plus fee, design
    work included), by month: one aggregate query, whose rows are the
    agreements' months, whatever the number of prestazioni."""
    spesa: dict[int, dict[date, Decimal]] = {a.pk: {} for a in accordi}
    righe = (
        Prestazione.objects.filter(tranche__accordo__in=list(spesa))
        .annotate(mese=Mese("data"))
        .values("tranche__accordo_id", "mese")
        .annotate(
            totale=Sum(F("importo") + F("quota_amministrativa"), output_field=IMPORTO_SOMMATO)
        )
        .order_by()
    )
    for riga in righe:
        spesa[riga["tranche__accordo_id"]][riga["mese"]] = rules.arrotonda(riga["totale"])
    return spesa


def _serie(accordo: Accordo, spesa: dict[date, Decimal]) -> tuple[tuple[date, Decimal], ...]:
    return tuple(
        (mese, spesa.get(mese, rules.ZERO)) for mese in mesi(accordo.data_inizio, accordo.data_fine)
    )


def _tranche(stato: StatoBudget, oggi: date) -> tuple[TrancheCruscotto, ...]:
    return tuple(
        TrancheCruscotto(
            riga=riga,
            percentuale_utilizzata=riga.percentuale_utilizzata,
            percentuale_disponibile=rules.percentuale_di(riga.disponibile, riga.importo),
            previsione=rules.previsione_tranche(
                importo=riga.importo,
                utilizzato=riga.utilizzato,
                inizio=riga.data_inizio,
                fine=riga.data_fine,
                oggi=oggi,
            ),
        )
        for riga in stato.tranche
    )


def _breve(rendiconto: Rendiconto) -> RendicontoBreve:
    return RendicontoBreve(
        id=rendiconto.pk,
        titolo=str(rendiconto),
        tipo=rendiconto.get_tipo_display(),
        dal=rendiconto.dal,
        al=rendiconto.al,
        stato=rendiconto.stato,
        stato_etichetta=rendiconto.get_stato_display(),
    )


def _nome(nome: str | None, cognome: str | None, username: str | None) -> str:
    if username is None:
        return "Il sistema"
    return f"{nome or ''} {cognome or ''}".strip() or username


# Reports waiting for someone


def periodi_da_rendicontare(
    *,
    accordo_inizio: date,
    accordo_fine: date,
    tranche: Iterable[tuple[str, date]],
    rendiconti: Iterable[tuple[date, str]],
    oggi: date,
) -> list[tuple[str, date | None, date | None]]:
    """Reports the consortium still has to write (pure).

    `tranche` are (label, end date); `rendiconti` are (end date, kind) of
    every report of the agreement, whatever its state. Two cases, each easy
    to check by hand:

    - a tranche has ended and the reports do not reach its end: the period
      from the day after the last report (or the agreement's start) to the
      end of the latest ended tranche;
    - the agreement has expired and has no final report.

    Returns (what, from, to) with from/to None for the final report.
    """
    rendiconti = list(rendiconti)
    coperto = max((al for al, _ in rendiconti), default=accordo_inizio - timedelta(days=1))
    chiuse = [(fine, etichetta) for etichetta, fine in tranche if fine < oggi]
    risultato = []
    if chiuse:
        fine, etichetta = max(chiuse)
        if coperto < fine:
            risultato.append((etichetta, coperto + timedelta(days=1), fine))
    if oggi > accordo_fine and not any(tipo == TipoRendiconto.FINALE for _, tipo in rendiconti):
        risultato.append(("finale", None, None))
    return risultato


@dataclass(frozen=True)
class _RendicontiAccordo:
    """An agreement's reports as the dashboard needs them: the latest ones,
    how many there are, the last day they cover and whether one is final."""

    ultimi: tuple[RendicontoBreve, ...]  # the latest RENDICONTI_PER_ACCORDO
    in_tutto: int
    coperto_fino: date | None
    finale: bool


def _rendiconti(
    utente, id_accordi: list[int], mostrati: list[int]
) -> dict[int, _RendicontiAccordo]:
    """The latest reports of each agreement `mostrati` (the others' only for
    their figures), with, on each row, the figures of all of them: one
    query, which returns at most RENDICONTI_PER_ACCORDO rows per agreement
    shown and one per other agreement, however many reports there are."""
    per_accordo = {"partition_by": [F("accordo_id")]}
    righe_per_accordo = Case(
        When(accordo_id__in=mostrati, then=Value(RENDICONTI_PER_ACCORDO)), default=Value(1)
    )
    righe = (
        rendiconti_visibili(utente)
        .filter(accordo__in=id_accordi)
        .annotate(
            posto=Window(RowNumber(), order_by=[F("dal").desc(), F("pk").desc()], **per_accordo),
            in_tutto=Window(Count("pk"), **per_accordo),
            coperto_fino=Window(Max("al"), **per_accordo),
            finali=Window(
                Max(Case(When(tipo=TipoRendiconto.FINALE, then=Value(1)), default=Value(0))),
                **per_accordo,
            ),
        )
        .filter(posto__lte=righe_per_accordo)
        .order_by("accordo_id", "posto")
    )
    gruppi: dict[int, list[Rendiconto]] = defaultdict(list)
    for rendiconto in righe:
        gruppi[rendiconto.accordo_id].append(rendiconto)
    return {
        accordo_id: _RendicontiAccordo(
            ultimi=tuple(_breve(r) for r in gruppo),
            in_tutto=gruppo[0].in_tutto,
            coperto_fino=gruppo[0].coperto_fino,
            finale=bool(gruppo[0].finali),
        )
        for accordo_id, gruppo in gruppi.items()
    }


def _attende(utente) -> tuple[bool, bool]:
    """Whether reports wait for the user to review them (the Comune) or to
    write them (the Consorzio). An administrator may act for either, but
    nothing waits for them."""
    if utente.is_superuser:
        return False, False
    return rivede_rendiconti(utente), scrive_rendiconti(utente)


def _fini_tranche(accordi: list[Accordo]) -> dict[int, list[tuple[str, date]]]:
    """Each agreement's tranches as (label, last day): one query of the
    tranche rows alone, for every agreement the user sees."""
    fini: dict[int, list[tuple[str, date]]] = {a.pk: [] for a in accordi}
    for accordo_id, etichetta, fine in Tranche.objects.filter(
        accordo_id__in=list(fini)
    ).values_list("accordo_id", "etichetta", "data_fine"):
        fini[accordo_id].append((etichetta, fine))
    return fini


def _in_attesa(
    utente,
    accordi: list[Accordo],
    rendiconti: dict[int, _RendicontiAccordo],
    oggi: date,
) -> tuple[list[Attesa], int]:
    """What waits for the user, the first ATTESE_MOSTRATE, and how many
    more: the reports in their hands (the first ones, with their count, in
    one query) and, for the Consorzio, the periods no report covers yet."""
    rivede, scrive = _attende(utente)
    if not (rivede or scrive):
        return [], 0
    sospesi = list(
        rendiconti_visibili(utente)
        .filter(rendiconti_in_sospeso(utente), accordo__in=[a.pk for a in accordi])
        .select_related("accordo")
        .annotate(in_tutto=Window(Count("pk")))
        .order_by("dal", "pk")[:ATTESE_MOSTRATE]
    )
    altri = sospesi[0].in_tutto - len(sospesi) if sospesi else 0
    # The latest submission or send-back of each waiting report, in one query.
    ultime: dict[tuple[int, str], Transizione] = {}
    for transizione in (
        Transizione.objects.filter(
            rendiconto__in=[r.pk for r in sospesi],
            a_stato__in=[StatoRendiconto.INVIATO, StatoRendiconto.DA_INTEGRARE],
        )
        .select_related("utente")
        .annotate(voci=Count("osservazioni_voci"))
        .order_by("-quando", "-pk")
    ):
        ultime.setdefault((transizione.rendiconto_id, transizione.a_stato), transizione)

    attese = []
    for rendiconto in sospesi:
        ultima = ultime.get((rendiconto.pk, rendiconto.stato))
        chi = (
            _nome(ultima.utente.first_name, ultima.utente.last_name, ultima.utente.username)
            if ultima and ultima.utente
            else ""
        )
        quando = data_it(localtime(ultima.quando)) if ultima else ""
        campi = {
            "titolo": str(rendiconto),
            "accordo": rendiconto.accordo.titolo,
            "stato": rendiconto.stato,
            "rendiconto_id": rendiconto.pk,
        }
        if rendiconto.stato == StatoRendiconto.INVIATO:
            dettaglio = "Inviato dal Consorzio" + (f" il {quando}" if quando else "")
            dettaglio += (
                f" ({chi})" if chi else ""
            ) + ": da approvare o rimandare con osservazioni."
            attese.append(Attesa(etichetta="Da esaminare", dettaglio=dettaglio, **campi))
        elif rendiconto.stato == StatoRendiconto.DA_INTEGRARE:
            dettaglio = "Rimandato dal Comune" + (f" il {quando}" if quando else "")
            dettaglio += f" ({chi})" if chi else ""
            voci = ultima.voci if ultima else 0
            if voci:
                dettaglio += f", con {voci} osservazion{'e' if voci == 1 else 'i'} su singole voci"
            attese.append(
                Attesa(
                    etichetta="Da integrare",
                    dettaglio=dettaglio + ".",
                    osservazioni=ultima.osservazioni if ultima else "",
                    **campi,
                )
            )
        else:
            attese.append(
                Attesa(
                    etichetta="Da completare",
                    dettaglio=f"In bozza dal {data_it(localtime(rendiconto.creato_il))}: completare "
                    "la relazione e inviarlo al Comune.",
                    **campi,
                )
            )

    if scrive:
        fini = _fini_tranche(accordi)
        for accordo in accordi:
            riassunto = rendiconti.get(accordo.pk)
            # periodi_da_rendicontare reads only the last day the reports
            # cover and whether one is final: one pair says both.
            coperti = (
                [
                    (
                        riassunto.coperto_fino,
                        TipoRendiconto.FINALE if riassunto.finale else TipoRendiconto.PERIODICO,
                    )
                ]
                if riassunto
                else []
            )
            for cosa, dal, al in periodi_da_rendicontare(
                accordo_inizio=accordo.data_inizio,
                accordo_fine=accordo.data_fine,
                tranche=fini[accordo.pk],
                rendiconti=coperti,
                oggi=oggi,
            ):
                if dal is None:
                    attese.append(
                        Attesa(
                            etichetta="Da preparare",
                            stato=StatoRendiconto.BOZZA,
                            titolo="Rendiconto finale",
                            accordo=accordo.titolo,
                            dettaglio=f"L'accordo è scaduto il {data_it(accordo.data_fine)} "
                            "e non ha ancora un rendiconto finale.",
                        )
                    )
                else:
                    attese.append(
                        Attesa(
                            etichetta="Da preparare",
                            stato=StatoRendiconto.BOZZA,
                            titolo=f"Rendiconto {data_it(dal)} - {data_it(al)}",
                            accordo=accordo.titolo,
                            dettaglio=f"La tranche «{cosa}» si è chiusa il {data_it(al)}: il "
                            f"periodo dal {data_it(dal)} non è ancora coperto da un rendiconto.",
                        )
                    )
    return attese[:ATTESE_MOSTRATE], altri + max(len(attese) - ATTESE_MOSTRATE, 0)


# Recent changes


@functools.cache
def _storia(modello: type[Model]) -> type[Model]:
    """The historical model of `modello` (django-simple-history). Reading
    `Modello.history` builds a new manager class every time, a third of a
    millisecond: the dashboard reads five histories on every request."""
    return modello.history.model


def _modifiche(utente, id_accordi: list[int]) -> tuple[Modifica, ...]:
    """The latest history rows of the agreements' money, reports and
    sessions: one query per model, merged newest first."""
    utente_campi = {
        "nome": F("history_user__first_name"),
        "cognome": F("history_user__last_name"),
        "username": F("history_user__username"),
    }

    def ultime(storia, *campi, **alias):
        return list(
            storia.values(
                "id", "history_date", "history_type", *campi, **utente_campi, **alias
            ).order_by("-history_date", "-history_id")[:MODIFICHE_RECENTI]
        )

    modifica = {"+": "ha creato", "~": "ha modificato", "-": "ha eliminato"}
    registrazione = {**modifica, "+": "ha registrato"}
    voci: list[tuple[dict, dict[str, str], str, tuple[str, int] | None]] = []
    for riga in ultime(
        _storia(Prestazione).objects.filter(tranche__accordo_id__in=id_accordi),
        "descrizione",
    ):
        testo = riga["descrizione"]
        testo = testo if len(testo) <= 80 else testo[:79] + "…"
        voci.append((riga, registrazione, f"la prestazione «{testo}»", None))
    for riga in ultime(_storia(Tranche).objects.filter(accordo_id__in=id_accordi), "etichetta"):
        voci.append((riga, modifica, f"la tranche «{riga['etichetta']}»", None))
    for riga in ultime(_storia(Accordo).objects.filter(id__in=id_accordi), "titolo"):
        voci.append((riga, modifica, f"l'accordo «{riga['titolo']}»", None))
    for riga in ultime(
        _storia(Rendiconto).objects.filter(accordo_id__in=id_accordi),
        "tipo",
        "dal",
        "al",
        "stato",
    ):
        tipo = TipoRendiconto(riga["tipo"]).label.lower()
        stato = StatoRendiconto(riga["stato"]).label
        voci.append(
            (
                riga,
                modifica,
                f"il rendiconto {tipo} {data_it(riga['dal'])} - {data_it(riga['al'])} "
                f"(stato: {stato})",
                ("rendicontazione:dettaglio", riga["id"]) if riga["history_type"] != "-" else None,
            )
        )
    # The laboratories, not their sessions: a list of every visible session
    # would grow with the data.
    visibili = laboratori_visibili(utente).filter(accordo_id__in=id_accordi)
    for riga in ultime(
        _storia(Sessione).objects.filter(laboratorio__in=visibili.values("pk")),
        "data",
        "laboratorio_id",
        titolo=F("laboratorio__titolo"),
    ):
        voci.append(
            (
                riga,
                registrazione,
                f"la sessione del {data_it(riga['data'])} di «{riga['titolo']}»",
                ("laboratori:dettaglio", riga["laboratorio_id"]),
            )
        )
    piu_recenti = nlargest(MODIFICHE_RECENTI, voci, key=lambda voce: voce[0]["history_date"])
    return tuple(
        Modifica(
            quando=riga["history_date"],
            chi=_nome(riga["nome"], riga["cognome"], riga["username"]),
            azione=verbi[riga["history_type"]],
            oggetto=oggetto,
            collegamento=collegamento,
        )
        for riga, verbi, oggetto, collegamento in piu_recenti
    )


def cruscotto(utente, *, oggi: date, pagina: int | str | None = 1) -> Cruscotto:
    """The dashboard of the Comune, the Consorzio and the administrator, with
    page `pagina` of their agreements in full: at most twelve queries,
    whatever the data (agreements; the page's tranches with their sums, and
    its monthly sums; reports; waiting reports and their latest transitions;
    for the Consorzio every agreement's tranche ends; five histories). What waits for the user and the recent
    changes cover every agreement they see."""
    accordi = list(
        accordi_visibili(utente).select_related("ente_pubblico").order_by(*ORDINE_ACCORDI)
    )
    pagina_accordi = Paginator(accordi, ACCORDI_PER_PAGINA).get_page(pagina)
    mostrati = list(pagina_accordi.object_list)
    stati = stati_budget(mostrati)
    spesa = _spesa_mensile(mostrati)
    rendiconti = _rendiconti(utente, [a.pk for a in accordi], [a.pk for a in mostrati])
    nessuno = _RendicontiAccordo(ultimi=(), in_tutto=0, coperto_fino=None, finale=False)

    pannelli = []
    for accordo, stato in zip(mostrati, stati, strict=True):
        dell_accordo = rendiconti.get(accordo.pk, nessuno)
        pannelli.append(
            CruscottoAccordo(
                stato=stato,
                tranche=_tranche(stato, oggi),
                percentuale_progettazione=rules.percentuale_di(
                    stato.progettazione.utilizzato, stato.progettazione.tetto
                ),
                percentuale_totale=rules.percentuale_di(
                    stato.totale.utilizzato, stato.totale.importo
                ),
                spesa_mensile=_serie(accordo, spesa.get(accordo.pk, {})),
                rendiconti=dell_accordo.ultimi,
                altri_rendiconti=dell_accordo.in_tutto - len(dell_accordo.ultimi),
                scaduto=oggi > accordo.data_fine,
            )
        )
    in_attesa, altri_in_attesa = _in_attesa(utente, accordi, rendiconti, oggi)
    return Cruscotto(
        oggi=oggi,
        attende_rendiconti=any(_attende(utente)),
        accordi=tuple(pannelli),
        pagina=pagina_accordi,
        in_attesa=tuple(in_attesa),
        altri_in_attesa=altri_in_attesa,
        modifiche=_modifiche(utente, [a.pk for a in accordi]),
        primo_accordo=accordi[0] if accordi else None,
    )


# Cooperativa


@dataclass(frozen=True)
class LaboratorioCooperativa:
    id: int
    titolo: str
    tipo: str
    luogo: str
    stato: str
    data_inizio: date
    data_fine: date
    ultima_sessione: date | None
    sessioni_settimana: int
    sessioni_svolte: int
    sessioni_previste: int


@dataclass(frozen=True)
class DaRegistrare:
    """A laboratory with sessions that seem missing, and why we think so."""

    laboratorio_id: int
    titolo: str
    giorni: tuple[date, ...]  # usual days without a session (empty: see motivo)
    motivo: str


@dataclass(frozen=True)
class CruscottoCooperativa:
    oggi: date
    inizio_settimana: date
    laboratori: tuple[LaboratorioCooperativa, ...]
    laboratori_attivi: int
    da_registrare: tuple[DaRegistrare, ...]


def giorni_abituali(date_sessioni: Iterable[date], *, oggi: date) -> tuple[int, ...]:
    """The weekdays (0 = Monday) with a session on at least VOLTE_ABITUDINE
    days of the SETTIMANE_ABITUDINE weeks before today (pure)."""
    dal = oggi - timedelta(weeks=SETTIMANE_ABITUDINE)
    giorni = {g for g in date_sessioni if dal <= g < oggi}
    volte = defaultdict(int)
    for giorno in giorni:
        volte[giorno.weekday()] += 1
    return tuple(sorted(d for d, n in volte.items() if n >= VOLTE_ABITUDINE))


def sessioni_mancanti(
    date_sessioni: Iterable[date],
    *,
    oggi: date,
    giorni_modifica: int,
    inizio: date,
    fine: date,
) -> tuple[tuple[int, ...], tuple[date, ...], bool]:
    """Which sessions of a laboratory look missing (pure).

    The laboratory's usual weekdays are read from its last weeks (see
    giorni_abituali). Each usual weekday in the last `giorni_modifica` days
    (the days a cooperative can still log; today excluded, a session may be
    still going on) that lies in the laboratory's period and has no session
    is returned. With no usual weekday, the flag says whether the laboratory,
    started at least GIORNI_SENZA_SESSIONI days ago and not ended, has had no
    session in the last GIORNI_SENZA_SESSIONI days (today included).

    Returns (usual weekdays, days without a session, silent flag).
    """
    date_sessioni = set(date_sessioni)
    abituali = giorni_abituali(date_sessioni, oggi=oggi)
    if abituali:
        mancanti = tuple(
            giorno
            for giorno in (oggi - timedelta(days=n) for n in range(giorni_modifica, 0, -1))
            if inizio <= giorno <= fine
            and giorno.weekday() in abituali
            and giorno not in date_sessioni
        )
        return abituali, mancanti, False
    dal = oggi - timedelta(days=GIORNI_SENZA_SESSIONI - 1)
    silenzioso = (
        inizio <= oggi - timedelta(days=GIORNI_SENZA_SESSIONI)
        and oggi <= fine
        and not any(dal <= g <= oggi for g in date_sessioni)
    )
    return abituali, (), silenzioso


def _elenco_giorni(giorni: Iterable[int]) -> str:
    nomi = [f"il {GIORNI_SETTIMANA[g]}" for g in giorni]
    return nomi[0] if len(nomi) == 1 else ", ".join(nomi[:-1]) + " e " + nomi[-1]


def cruscotto_cooperativa(utente, *, oggi: date) -> CruscottoCooperativa:
    """A cooperative's laboratories and the sessions that look missing: two
    queries, whatever the number of sessions. No money figures."""
    lunedi = oggi - timedelta(days=oggi.weekday())
    laboratori = list(
        laboratori_visibili(utente)
        .select_related("accordo")
        .annotate(
            ultima=Max("sessioni__data"),
            svolte=Count("sessioni"),
            settimana=Count("sessioni", filter=Q(sessioni__data__range=(lunedi, oggi))),
        )
        .order_by("titolo", "pk")
    )
    attivi = [lab for lab in laboratori if lab.stato == StatoLaboratorio.ATTIVO]
    finestra = max(
        [SETTIMANE_ABITUDINE * 7, GIORNI_SENZA_SESSIONI]
        + [lab.accordo.giorni_modifica_sessioni for lab in attivi]
    )
    date_per_lab = defaultdict(set)
    for lab_id, giorno in Sessione.objects.filter(
        laboratorio__in=[lab.pk for lab in attivi],
        data__range=(oggi - timedelta(days=finestra), oggi),
    ).values_list("laboratorio_id", "data"):
        date_per_lab[lab_id].add(giorno)

    da_registrare = []
    for lab in attivi:
        giorni_modifica = lab.accordo.giorni_modifica_sessioni
        abituali, mancanti, silenzioso = sessioni_mancanti(
            date_per_lab[lab.pk],
            oggi=oggi,
            giorni_modifica=giorni_modifica,
            inizio=lab.data_inizio,
            fine=lab.data_fine,
        )
        if mancanti:
            motivo = (
                f"Di solito si incontra {_elenco_giorni(abituali)}: nessuna sessione "
                f"registrata per i giorni indicati degli ultimi {giorni_modifica} giorni. Se "
                "l'incontro non si è svolto, non serve fare nulla."
            )
        elif silenzioso:
            ultima = f" (l'ultima è del {data_it(lab.ultima)})" if lab.ultima else ""
            motivo = (
                f"Nessuna sessione registrata negli ultimi {GIORNI_SENZA_SESSIONI} giorni{ultima}."
            )
        else:
            continue
        da_registrare.append(
            DaRegistrare(laboratorio_id=lab.pk, titolo=lab.titolo, giorni=mancanti, motivo=motivo)
        )

    return CruscottoCooperativa(
        oggi=oggi,
        inizio_settimana=lunedi,
        laboratori=tuple(
            LaboratorioCooperativa(
                id=lab.pk,
                titolo=lab.titolo,
                tipo=lab.get_tipo_display(),
                luogo=lab.luogo,
                stato=lab.get_stato_display(),
                data_inizio=lab.data_inizio,
                data_fine=lab.data_fine,
                ultima_sessione=lab.ultima,
                sessioni_settimana=lab.settimana,
                sessioni_svolte=lab.svolte,
                sessioni_previste=lab.sessioni_previste,
            )
            for lab in laboratori
        ),
        laboratori_attivi=len(attivi),
        da_registrare=tuple(da_registrare),
    )
