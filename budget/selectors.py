"""Reads of the budget: the figures every page, command and report shows.

Each function runs a fixed number of queries whatever the number of
prestazioni, and returns plain dataclasses; the arithmetic is budget.rules.
"""

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from accordo.models import Accordo
from budget import rules
from budget.models import TipoPrestazione, Tranche

# The type of a sum of amounts (wider than one amount).
IMPORTO_SOMMATO = DecimalField(max_digits=14, decimal_places=2)
TIPI_CON_QUOTA = [t for t in TipoPrestazione.values if t != TipoPrestazione.PROGETTAZIONE]


def somma_importi(espressione, filtro: Q | None = None) -> Coalesce:
    """The sum of an amount field or expression, zero when there are no rows.
    On SQLite the result is a float: round it to the cent before the rules."""
    return Coalesce(
        Sum(espressione, filter=filtro), Value(rules.ZERO), output_field=IMPORTO_SOMMATO
    )


def tranche_con_saldi(tranche: QuerySet[Tranche]) -> QuerySet[Tranche]:
    """Tranches in the order the rules count them (by agreement, then by
    start). What is charged to each is on the row (Tranche.somma_*), kept by
    budget.services: no prestazione is read."""
    return tranche.order_by("accordo_id", "data_inizio", "pk")


def saldo(tranche: Tranche) -> rules.SaldoTranche:
    """The rules' view of a tranche."""
    return rules.SaldoTranche(
        etichetta=tranche.etichetta,
        importo=tranche.importo,
        valore=tranche.somma_valore,
        quote=tranche.somma_quote,
        progettazione=tranche.somma_progettazione,
    )


@dataclass(frozen=True)
class SommeIncoerenti:
    """A tranche whose running totals differ from its prestazioni."""

    tranche_id: int
    accordo_id: int
    etichetta: str
    registrate: tuple[Decimal, Decimal, Decimal]  # valore, quote, progettazione on the row
    calcolate: tuple[Decimal, Decimal, Decimal]  # the same summed over the prestazioni


def somme_calcolate(tranche: QuerySet[Tranche]) -> dict[int, tuple[Decimal, Decimal, Decimal]]:
    """What the prestazioni charge to each tranche, summed in the database:
    the reference the running totals are checked against (one query, reads
    every prestazione of the tranches)."""
    progettazione = Q(prestazioni__tipo=TipoPrestazione.PROGETTAZIONE)
    servizi = Q(prestazioni__tipo__in=TIPI_CON_QUOTA)
    righe = tranche.order_by().annotate(
        calcolo_valore=somma_importi("prestazioni__importo", servizi),
        calcolo_quote=somma_importi("prestazioni__quota_amministrativa", servizi),
        calcolo_progettazione=somma_importi("prestazioni__importo", progettazione),
    )
    # SQLite sums decimals as floats: back to the cent.
    return {
        t.pk: tuple(
            rules.arrotonda(Decimal(v))
            for v in (t.calcolo_valore, t.calcolo_quote, t.calcolo_progettazione)
        )
        for t in righe
    }


def somme_incoerenti(tranche: QuerySet[Tranche] | None = None) -> list[SommeIncoerenti]:
    """The tranches whose running totals disagree with their prestazioni
    (empty when all is well)."""
    tranche = Tranche.objects.all() if tranche is None else tranche
    calcolate = somme_calcolate(tranche)
    incoerenti = []
    for t in tranche.order_by("accordo_id", "data_inizio", "pk"):
        registrate = (t.somma_valore, t.somma_quote, t.somma_progettazione)
        if registrate != calcolate[t.pk]:
            incoerenti.append(
                SommeIncoerenti(t.pk, t.accordo_id, t.etichetta, registrate, calcolate[t.pk])
            )
    return incoerenti


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


def _stato(accordo: Accordo, tranche: list[Tranche]) -> StatoBudget:
    bilancio = rules.Bilancio(
        saldi=tuple(saldo(t) for t in tranche),
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
    """The budget of several agreements in one query (the tranches)."""
    accordi = list(accordi)
    per_accordo: dict[int, list[Tranche]] = {a.pk: [] for a in accordi}
    for t in tranche_con_saldi(Tranche.objects.filter(accordo_id__in=per_accordo)):
        per_accordo[t.accordo_id].append(t)
    return [_stato(a, per_accordo[a.pk]) for a in accordi]


def stato_budget(accordo: Accordo) -> StatoBudget:
    return stati_budget([accordo])[0]
