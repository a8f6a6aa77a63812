"""Reads of the budget: the figures every page, command and report shows.

Each function runs a fixed number of queries whatever the number of
prestazioni, and returns plain dataclasses; the arithmetic is budget.rules.
"""

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accordo.models import Accordo, Ente
from budget import rules
from budget.models import Prestazione, TipoPrestazione, Tranche
from core.formati import data_it, euro, percentuale
from laboratori.models import Laboratorio
from laboratori.selectors import RigaCosto

# The type of a sum of amounts (wider than one amount).
IMPORTO_SOMMATO = DecimalField(max_digits=14, decimal_places=2)
TIPI_CON_QUOTA = [t for t in TipoPrestazione.values if t != TipoPrestazione.PROGETTAZIONE]


def somma_importi(espressione, filtro: Q | None = None) -> Coalesce:
    """The sum of an amount field or expression, zero when there are no rows.
    On SQLite the result is a float: round it to the cent before the rules."""
    return Coalesce(
        Sum(espressione, filter=filtro), Value(rules.ZERO), output_field=IMPORTO_SOMMATO
    )


def in_ordine(tranche: QuerySet[Tranche]) -> QuerySet[Tranche]:
    """Tranches in the order the rules count them: by agreement, then by
    start (carry-over moves money forward along it)."""
    return tranche.order_by("accordo_id", "data_inizio", "pk")


def saldi(tranche: Iterable[Tranche]) -> list[rules.SaldoTranche]:
    """What each of `tranche` carries, in the same order, summed from its
    prestazioni in the database: one query grouped by tranche and kind,
    whatever the number of prestazioni (an index holds the amounts)."""
    tranche = list(tranche)
    somme = {
        t.pk: {"valore": rules.ZERO, "quote": rules.ZERO, "progettazione": rules.ZERO}
        for t in tranche
    }
    righe = (
        Prestazione.objects.filter(tranche_id__in=list(somme))
        .order_by()
        .values("tranche_id", "tipo")
        .annotate(valore=Sum("importo"), quote=Sum("quota_amministrativa"))
    )
    for riga in righe:
        # SQLite sums decimals as floats: back to the cent.
        valore = rules.arrotonda(Decimal(riga["valore"]))
        quote = rules.arrotonda(Decimal(riga["quote"]))
        voce = somme[riga["tranche_id"]]
        if riga["tipo"] == TipoPrestazione.PROGETTAZIONE:
            voce["progettazione"] += valore
        else:
            voce["valore"] += valore
            voce["quote"] += quote
    return [
        rules.SaldoTranche(etichetta=t.etichetta, importo=t.importo, **somme[t.pk]) for t in tranche
    ]


def saldi_accordo(accordo: Accordo) -> tuple[list[Tranche], tuple[rules.SaldoTranche, ...]]:
    """The agreement's tranches and what each carries (two queries): what
    the services check under the agreement's lock, and the preview without it."""
    tutte = list(in_ordine(Tranche.objects.filter(accordo_id=accordo.pk)))
    return tutte, tuple(saldi(tutte))


def addebito_registrato(prestazione: Prestazione, indice: int) -> rules.Addebito:
    """What a prestazione, with its rate and fee as set, charges to the
    tranche at `indice`."""
    return rules.Addebito(
        tranche=indice,
        valore=Decimal(prestazione.importo),
        aliquota=prestazione.aliquota_quota_amministrativa,
        quota=prestazione.quota_amministrativa,
        progettazione=prestazione.progettazione,
    )


@dataclass(frozen=True)
class RigaTranche:
    id: int
    etichetta: str
    data_inizio: date
    data_fine: date
    importo: Decimal
    valore_prestazioni: Decimal
    quote_amministrative: Decimal
    quota_progettazione: Decimal
    utilizzato: Decimal
    disponibile: Decimal
    nota: str

    @property
    def percentuale_utilizzata(self) -> Decimal:
        return rules.percentuale_di(self.utilizzato, self.importo)


@dataclass(frozen=True)
class RigaProgettazione:
    tetto: Decimal
    utilizzato: Decimal
    disponibile: Decimal


@dataclass(frozen=True)
class Totali:
    importo: Decimal
    valore_prestazioni: Decimal
    quote_amministrative: Decimal
    quota_progettazione: Decimal
    utilizzato: Decimal
    disponibile: Decimal


@dataclass(frozen=True)
class StatoBudget:
    accordo_id: int
    titolo: str
    data_inizio: date
    data_fine: date
    aliquota_quota_amministrativa: Decimal
    aliquota_iva: Decimal
    riporto_residui: bool
    tranche: tuple[RigaTranche, ...]
    progettazione: RigaProgettazione
    totale: Totali

    def as_json(self) -> dict:
        """Plain JSON types: amounts as strings with two decimals, dates ISO."""
        return _json(asdict(self))


def _json(valore):
    if isinstance(valore, dict):
        return {chiave: _json(v) for chiave, v in valore.items()}
    if isinstance(valore, list | tuple):
        return [_json(v) for v in valore]
    if isinstance(valore, Decimal):
        return f"{valore:.2f}"
    if isinstance(valore, date):
        return valore.isoformat()
    return valore


def _stato(
    accordo: Accordo, tranche: list[Tranche], saldi_tranche: list[rules.SaldoTranche]
) -> StatoBudget:
    bilancio = rules.Bilancio(
        saldi=tuple(saldi_tranche),
        tetto_progettazione=accordo.tetto_progettazione,
        riporto_residui=accordo.riporto_residui,
    )
    righe = tuple(
        RigaTranche(
            id=t.pk,
            etichetta=t.etichetta,
            data_inizio=t.data_inizio,
            data_fine=t.data_fine,
            importo=s.importo,
            valore_prestazioni=s.valore,
            quote_amministrative=s.quote,
            quota_progettazione=s.progettazione,
            utilizzato=s.utilizzato,
            disponibile=d,
            nota=t.nota,
        )
        for t, s, d in zip(tranche, bilancio.saldi, bilancio.disponibili, strict=True)
    )
    return StatoBudget(
        accordo_id=accordo.pk,
        titolo=accordo.titolo,
        data_inizio=accordo.data_inizio,
        data_fine=accordo.data_fine,
        aliquota_quota_amministrativa=accordo.aliquota_quota_amministrativa,
        aliquota_iva=accordo.aliquota_iva,
        riporto_residui=accordo.riporto_residui,
        tranche=righe,
        progettazione=RigaProgettazione(
            tetto=accordo.tetto_progettazione,
            utilizzato=bilancio.progettazione,
            disponibile=bilancio.progettazione_disponibile,
        ),
        totale=Totali(
            importo=bilancio.importo,
            valore_prestazioni=bilancio.valore,
            quote_amministrative=bilancio.quote,
            quota_progettazione=bilancio.progettazione,
            utilizzato=bilancio.utilizzato,
            disponibile=bilancio.disponibile,
        ),
    )


def stati_budget(accordi: Iterable[Accordo] | QuerySet[Accordo]) -> list[StatoBudget]:
    """The budget of several agreements in two queries (the tranches, and
    what their prestazioni charge)."""
    accordi = list(accordi)
    tutte = list(in_ordine(Tranche.objects.filter(accordo_id__in=[a.pk for a in accordi])))
    per_accordo: dict[int, list[tuple[Tranche, rules.SaldoTranche]]] = {a.pk: [] for a in accordi}
    for t, s in zip(tutte, saldi(tutte), strict=True):
        per_accordo[t.accordo_id].append((t, s))
    return [
        _stato(a, [t for t, _s in per_accordo[a.pk]], [s for _t, s in per_accordo[a.pk]])
        for a in accordi
    ]


def stato_budget(accordo: Accordo) -> StatoBudget:
    return stati_budget([accordo])[0]


# The prestazioni list's totals


def totali_prestazioni(prestazioni: QuerySet[Prestazione]) -> dict:
    """Count, value, fees and total charged of the filtered rows, in one query."""

    return prestazioni.order_by().aggregate(
        numero=Count("pk"),
        valore=somma_importi("importo"),
        quote=somma_importi("quota_amministrativa"),
        totale=somma_importi(F("importo") + F("quota_amministrativa")),
    )


# The preview of a charge (the prestazione form)


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


def anteprima_prestazione(
    *, tranche: Tranche, tipo: str, importo: Decimal, prestazione: Prestazione | None
) -> Anteprima:
    """What a prestazione typed into the form would charge, with the figures
    budget.services would check on save (read without the lock): a new
    prestazione takes the agreement's current rate, an edited one keeps its
    own (rule 5), and design work carries no fee. `prestazione` is the saved
    one being edited, if any."""
    accordo = tranche.accordo
    tutte, saldi = saldi_accordo(accordo)
    indice = {t.pk: i for i, t in enumerate(tutte)}
    precedente = None
    if prestazione is not None and prestazione.tranche_id in indice:
        precedente = addebito_registrato(prestazione, indice[prestazione.tranche_id])
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
    prima = rules.Bilancio(saldi, accordo.tetto_progettazione, accordo.riporto_residui)
    dopo = rules.Bilancio(
        rules.applica(senza_precedente, nuovo),
        accordo.tetto_progettazione,
        accordo.riporto_residui,
    )
    return Anteprima(
        tranche=tranche.etichetta,
        progettazione=nuovo.progettazione,
        aliquota=nuovo.aliquota,
        quota=nuovo.quota,
        totale=nuovo.totale,
        disponibile_prima=prima.disponibili[nuovo.tranche],
        disponibile_dopo=dopo.disponibili[nuovo.tranche],
        progettazione_disponibile_dopo=dopo.progettazione_disponibile
        if nuovo.progettazione
        else None,
        violazioni=tuple(v.messaggio for v in violazioni),
    )


# A prestazione's history


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


def storia_prestazione(prestazione: Prestazione) -> list[Modifica]:
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


# The cost of the laboratories, for the report's indicators


def costi_laboratori(
    laboratori_ids: Iterable[int], *, dal: date | None = None, al: date | None = None
) -> list[RigaCosto]:
    """What each prestazione linked to one of the laboratories charged
    (value + fee) in [dal, al], with its date: the costs that
    laboratori.selectors counts per laboratorio, per participant and per hour
    when a caller that shows money hands them in (the report). One query."""
    periodo = {}
    if dal is not None:
        periodo["data__gte"] = dal
    if al is not None:
        periodo["data__lte"] = al
    return [
        RigaCosto(laboratorio_id=laboratorio_id, data=giorno, costo=importo + quota)
        for laboratorio_id, giorno, importo, quota in Prestazione.objects.filter(
            laboratorio_id__in=list(laboratori_ids), **periodo
        )
        .order_by()
        .values_list("laboratorio_id", "data", "importo", "quota_amministrativa")
    ]
