"""Indicators of the laboratories' activity, for any date range.

`indicatori()` reads everything it needs in a fixed number of queries
(six, whatever the number of sessions) and hands plain rows to
`calcola_indicatori()`, a pure function that does the counting, so the
figures can be checked by hand without a database.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, QuerySet

from accordo.models import Accordo, Obiettivo
from budget.models import Prestazione
from laboratori.models import (
    FasciaEta,
    Genere,
    Laboratorio,
    Presenza,
    ServizioInviante,
    Sessione,
)
from laboratori.rules import durata_ore

SOGLIA_FIDELIZZAZIONE = 3  # sessions attended to count as a regular participant
ZERO = Decimal("0.00")


def _arrotonda(valore: Decimal, cifre: str = "0.01") -> Decimal:
    return valore.quantize(Decimal(cifre), rounding=ROUND_HALF_UP)


# Plain rows, as read from the database


@dataclass(frozen=True)
class RigaLaboratorio:
    id: int
    titolo: str
    tipo: str
    cooperativa: str
    luogo: str
    stato: str
    sessioni_previste: int
    ore_previste: Decimal
    obiettivi: tuple[int, ...]  # Obiettivo ids


@dataclass(frozen=True)
class RigaSessione:
    id: int
    laboratorio_id: int
    data: date
    ora_inizio: time
    ora_fine: time
    ore_educatori: Decimal
    ore_volontari: Decimal


@dataclass(frozen=True)
class RigaPresenza:
    sessione_id: int
    laboratorio_id: int
    partecipante_id: int
    fascia_eta: str
    genere: str
    servizio_inviante: str
    data: date | None = None


# Results


@dataclass(frozen=True)
class Ripartizione:
    """Unique participants by category, in the choices' order, with labels."""

    fascia_eta: tuple[tuple[str, int], ...]
    genere: tuple[tuple[str, int], ...]
    servizio_inviante: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Misure:
    sessioni_svolte: int
    sessioni_previste: int
    ore: Decimal
    ore_educatori: Decimal
    ore_volontari: Decimal
    partecipanti: int
    presenze: int
    media_presenze: Decimal
    fidelizzati: int
    quota_fidelizzati: Decimal  # percentage
    costo: Decimal
    costo_per_partecipante: Decimal | None
    costo_per_ora: Decimal | None
    ripartizione: Ripartizione


@dataclass(frozen=True)
class IndicatoriLaboratorio:
    laboratorio: RigaLaboratorio
    misure: Misure


@dataclass(frozen=True)
class IndicatoriObiettivo:
    id: int
    numero: int
    testo: str
    laboratori: tuple[str, ...]
    ore: Decimal
    partecipanti: int


@dataclass(frozen=True)
class Indicatori:
    dal: date | None
    al: date | None
    laboratori: tuple[IndicatoriLaboratorio, ...]
    totale: Misure
    obiettivi: tuple[IndicatoriObiettivo, ...] = field(default=())


def _ripartizione(presenze: Iterable[RigaPresenza]) -> Ripartizione:
    persone = {p.partecipante_id: p for p in presenze}.values()

    def conta(scelte, attributo):
        conteggi = Counter(getattr(p, attributo) for p in persone)
        return tuple((str(etichetta), conteggi.get(valore, 0)) for valore, etichetta in scelte)

    return Ripartizione(
        fascia_eta=conta(FasciaEta.choices, "fascia_eta"),
        genere=conta(Genere.choices, "genere"),
        servizio_inviante=conta(ServizioInviante.choices, "servizio_inviante"),
    )


def _misure(
    sessioni: list[RigaSessione],
    presenze: list[RigaPresenza],
    *,
    sessioni_previste: int,
    costo: Decimal,
) -> Misure:
    ore = sum((durata_ore(s.ora_inizio, s.ora_fine) for s in sessioni), ZERO)
    per_persona = Counter(p.partecipante_id for p in presenze)
    partecipanti = len(per_persona)
    fidelizzati = sum(1 for n in per_persona.values() if n >= SOGLIA_FIDELIZZAZIONE)
    return Misure(
        sessioni_svolte=len(sessioni),
        sessioni_previste=sessioni_previste,
        ore=ore,
        ore_educatori=sum((s.ore_educatori for s in sessioni), ZERO),
        ore_volontari=sum((s.ore_volontari for s in sessioni), ZERO),
        partecipanti=partecipanti,
        presenze=len(presenze),
        media_presenze=_arrotonda(Decimal(len(presenze)) / len(sessioni), "0.1")
        if sessioni
        else Decimal("0.0"),
        fidelizzati=fidelizzati,
        quota_fidelizzati=_arrotonda(Decimal(fidelizzati) * 100 / partecipanti, "0.1")
        if partecipanti
        else Decimal("0.0"),
        costo=costo,
        costo_per_partecipante=_arrotonda(costo / partecipanti) if partecipanti else None,
        costo_per_ora=_arrotonda(costo / ore) if ore else None,
        ripartizione=_ripartizione(presenze),
    )


def calcola_indicatori(
    *,
    laboratori: list[RigaLaboratorio],
    sessioni: list[RigaSessione],
    presenze: list[RigaPresenza],
    costi: dict[int, Decimal],
    obiettivi: list[tuple[int, int, str]] = (),
    dal: date | None = None,
    al: date | None = None,
) -> Indicatori:
    """Pure: count the indicators from rows already limited to the range."""
    sessioni_di = defaultdict(list)
    for sessione in sessioni:
        sessioni_di[sessione.laboratorio_id].append(sessione)
    presenze_di = defaultdict(list)
    for presenza in presenze:
        presenze_di[presenza.laboratorio_id].append(presenza)

    per_laboratorio = tuple(
        IndicatoriLaboratorio(
            laboratorio=lab,
            misure=_misure(
                sessioni_di[lab.id],
                presenze_di[lab.id],
                sessioni_previste=lab.sessioni_previste,
                costo=costi.get(lab.id, ZERO),
            ),
        )
        for lab in laboratori
    )
    totale = _misure(
        sessioni,
        presenze,
        sessioni_previste=sum(lab.sessioni_previste for lab in laboratori),
        costo=sum(costi.values(), ZERO),
    )
    per_obiettivo = []
    for obiettivo_id, numero, testo in obiettivi:
        labs = [i for i in per_laboratorio if obiettivo_id in i.laboratorio.obiettivi]
        ids = {i.laboratorio.id for i in labs}
        per_obiettivo.append(
            IndicatoriObiettivo(
                id=obiettivo_id,
                numero=numero,
                testo=testo,
                laboratori=tuple(i.laboratorio.titolo for i in labs),
                ore=sum((i.misure.ore for i in labs), ZERO),
                partecipanti=len({p.partecipante_id for p in presenze if p.laboratorio_id in ids}),
            )
        )
    return Indicatori(
        dal=dal, al=al, laboratori=per_laboratorio, totale=totale, obiettivi=tuple(per_obiettivo)
    )


@dataclass(frozen=True)
class RigaCosto:
    laboratorio_id: int
    data: date
    costo: Decimal


@dataclass(frozen=True)
class RigheAttivita:
    """Everything the indicators are counted from, as plain rows."""

    laboratori: list[RigaLaboratorio]
    sessioni: list[RigaSessione]
    presenze: list[RigaPresenza]
    costi: list[RigaCosto]
    obiettivi: list[tuple[int, int, str]]


def leggi_attivita(
    accordo: Accordo | None,
    *,
    dal: date | None = None,
    al: date | None = None,
    laboratori: QuerySet[Laboratorio] | None = None,
) -> RigheAttivita:
    """Read the rows of an agreement's laboratories (or of `laboratori`, e.g.
    the ones a cooperative sees) over [dal, al], in six queries."""
    labs_qs = laboratori if laboratori is not None else Laboratorio.objects.all()
    if accordo is not None:
        labs_qs = labs_qs.filter(accordo=accordo)
    labs = list(labs_qs.select_related("cooperativa").order_by("titolo"))
    ids = [lab.pk for lab in labs]
    collegamenti = defaultdict(list)
    for lab_id, obiettivo_id in Laboratorio.obiettivi.through.objects.filter(
        laboratorio_id__in=ids
    ).values_list("laboratorio_id", "obiettivo_id"):
        collegamenti[lab_id].append(obiettivo_id)
    righe_lab = [
        RigaLaboratorio(
            id=lab.pk,
            titolo=lab.titolo,
            tipo=lab.get_tipo_display(),
            cooperativa=lab.cooperativa.nome,
            luogo=lab.luogo,
            stato=lab.get_stato_display(),
            sessioni_previste=lab.sessioni_previste,
            ore_previste=lab.ore_previste,
            obiettivi=tuple(sorted(collegamenti[lab.pk])),
        )
        for lab in labs
    ]

    periodo = {}
    if dal is not None:
        periodo["data__gte"] = dal
    if al is not None:
        periodo["data__lte"] = al
    sessioni = [
        RigaSessione(**riga)
        for riga in Sessione.objects.filter(laboratorio_id__in=ids, **periodo)
        .order_by("data", "ora_inizio", "pk")
        .values(
            "id",
            "laboratorio_id",
            "data",
            "ora_inizio",
            "ora_fine",
            "ore_educatori",
            "ore_volontari",
        )
    ]
    presenze = [
        RigaPresenza(**riga)
        for riga in Presenza.objects.filter(
            sessione__laboratorio_id__in=ids,
            **{f"sessione__{k}": v for k, v in periodo.items()},
        )
        .order_by()
        .values(
            "sessione_id",
            "partecipante_id",
            laboratorio_id=F("sessione__laboratorio_id"),
            fascia_eta=F("partecipante__fascia_eta"),
            genere=F("partecipante__genere"),
            servizio_inviante=F("partecipante__servizio_inviante"),
            data=F("sessione__data"),
        )
    ]
    costi = [
        RigaCosto(laboratorio_id=lab_id, data=giorno, costo=importo + quota)
        for lab_id, giorno, importo, quota in Prestazione.objects.filter(
            laboratorio_id__in=ids, **periodo
        )
        .order_by()
        .values_list("laboratorio_id", "data", "importo", "quota_amministrativa")
    ]
    # Without an agreement (a listing across agreements) the objectives are
    # those of the laboratories' agreements.
    filtro_obiettivi = (
        {"accordo": accordo}
        if accordo is not None
        else {"accordo_id__in": {lab.accordo_id for lab in labs}}
    )
    obiettivi = list(
        Obiettivo.objects.filter(**filtro_obiettivi)
        .order_by("accordo_id", "numero")
        .values_list("id", "numero", "testo")
    )
    return RigheAttivita(
        laboratori=righe_lab,
        sessioni=sessioni,
        presenze=presenze,
        costi=costi,
        obiettivi=obiettivi,
    )


def indicatori_da_righe(
    righe: RigheAttivita, *, dal: date | None = None, al: date | None = None
) -> Indicatori:
    """The indicators of the rows that fall in [dal, al] (pure), so one read
    serves both a period and the cumulative figures up to its end."""

    def dentro(giorno: date) -> bool:
        return (dal is None or giorno >= dal) and (al is None or giorno <= al)

    costi: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for riga in righe.costi:
        if dentro(riga.data):
            costi[riga.laboratorio_id] += riga.costo
    return calcola_indicatori(
        laboratori=righe.laboratori,
        sessioni=[s for s in righe.sessioni if dentro(s.data)],
        presenze=[p for p in righe.presenze if p.data is None or dentro(p.data)],
        costi=dict(costi),
        obiettivi=righe.obiettivi,
        dal=dal,
        al=al,
    )


def indicatori(
    accordo: Accordo | None,
    *,
    dal: date | None = None,
    al: date | None = None,
    laboratori: QuerySet[Laboratorio] | None = None,
) -> Indicatori:
    """Indicators of an agreement's laboratories (or of `laboratori`, e.g. the
    ones a cooperative sees) over [dal, al], in six queries."""
    righe = leggi_attivita(accordo, dal=dal, al=al, laboratori=laboratori)
    return indicatori_da_righe(righe, dal=dal, al=al)
