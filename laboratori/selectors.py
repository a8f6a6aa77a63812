"""Reads of the laboratories: their activity indicators and their pages.

Two ways to the same figures (`Misure`):

- the report's: `leggi_attivita()` reads an agreement's laboratories,
  sessions and attendance as plain rows (five queries, whatever their
  number) and `calcola_indicatori()`, a pure function, counts them, so one
  read serves a period and the cumulative figures up to its end, with totals
  and figures per objective that count each participant once;
- the pages': `misure_laboratori()` has the database sum each laboratorio's
  sessions, hours and attendance (two queries), so a page does the same
  work for ten sessions or ten thousand.

No figure here is an amount in euro: the laboratori app sits below budget
and reads no prestazione. The costs of the laboratories are read by
budget.selectors.costi_laboratori() and handed in by whoever may show them
(the report); without them every cost of `Misure` is None.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, ExtractHour, ExtractMinute

from accordo.models import Accordo, Obiettivo
from laboratori.access import laboratori_visibili, registra_sessioni
from laboratori.models import (
    FasciaEta,
    Genere,
    Laboratorio,
    Partecipante,
    PartnerLaboratorio,
    Presenza,
    ServizioInviante,
    Sessione,
)
from laboratori.rules import durata_ore, ore_di

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


@dataclass(frozen=True)
class RigaCosto:
    """What one prestazione linked to a laboratorio charged (value + fee),
    on its date: read by budget.selectors.costi_laboratori."""

    laboratorio_id: int
    data: date
    costo: Decimal


@dataclass(frozen=True)
class Frequenza:
    """One participant with the number of sessions they attended."""

    partecipante_id: int
    fascia_eta: str
    genere: str
    servizio_inviante: str
    presenze: int


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
    # None when the caller gave no costs (every page of this app).
    costo: Decimal | None
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


# The counting, shared by both ways


def _ripartizione(persone: Iterable[Frequenza]) -> Ripartizione:
    persone = list(persone)

    def conta(scelte, attributo):
        conteggi = Counter(getattr(p, attributo) for p in persone)
        return tuple((str(etichetta), conteggi.get(valore, 0)) for valore, etichetta in scelte)

    return Ripartizione(
        fascia_eta=conta(FasciaEta.choices, "fascia_eta"),
        genere=conta(Genere.choices, "genere"),
        servizio_inviante=conta(ServizioInviante.choices, "servizio_inviante"),
    )


def _misure(
    *,
    sessioni_svolte: int,
    sessioni_previste: int,
    ore: Decimal,
    ore_educatori: Decimal,
    ore_volontari: Decimal,
    persone: list[Frequenza],
    costo: Decimal | None,
) -> Misure:
    """The indicators from the sums of the sessions and from the
    participants (each once, with how many sessions they attended)."""
    partecipanti = len(persone)
    presenze = sum(p.presenze for p in persone)
    fidelizzati = sum(1 for p in persone if p.presenze >= SOGLIA_FIDELIZZAZIONE)
    return Misure(
        sessioni_svolte=sessioni_svolte,
        sessioni_previste=sessioni_previste,
        ore=ore,
        ore_educatori=ore_educatori,
        ore_volontari=ore_volontari,
        partecipanti=partecipanti,
        presenze=presenze,
        media_presenze=_arrotonda(Decimal(presenze) / sessioni_svolte, "0.1")
        if sessioni_svolte
        else Decimal("0.0"),
        fidelizzati=fidelizzati,
        quota_fidelizzati=_arrotonda(Decimal(fidelizzati) * 100 / partecipanti, "0.1")
        if partecipanti
        else Decimal("0.0"),
        costo=costo,
        costo_per_partecipante=_arrotonda(costo / partecipanti)
        if costo is not None and partecipanti
        else None,
        costo_per_ora=_arrotonda(costo / ore) if costo is not None and ore else None,
        ripartizione=_ripartizione(persone),
    )


def _frequenze(presenze: list[RigaPresenza]) -> list[Frequenza]:
    volte = Counter(p.partecipante_id for p in presenze)
    persone = {p.partecipante_id: p for p in presenze}
    return [
        Frequenza(
            partecipante_id=pk,
            fascia_eta=p.fascia_eta,
            genere=p.genere,
            servizio_inviante=p.servizio_inviante,
            presenze=volte[pk],
        )
        for pk, p in persone.items()
    ]


def _misure_da_righe(
    sessioni: list[RigaSessione],
    presenze: list[RigaPresenza],
    *,
    sessioni_previste: int,
    costo: Decimal | None,
) -> Misure:
    return _misure(
        sessioni_svolte=len(sessioni),
        sessioni_previste=sessioni_previste,
        ore=sum((durata_ore(s.ora_inizio, s.ora_fine) for s in sessioni), ZERO),
        ore_educatori=sum((s.ore_educatori for s in sessioni), ZERO),
        ore_volontari=sum((s.ore_volontari for s in sessioni), ZERO),
        persone=_frequenze(presenze),
        costo=costo,
    )


# The report's way: rows, counted in Python


def calcola_indicatori(
    *,
    laboratori: list[RigaLaboratorio],
    sessioni: list[RigaSessione],
    presenze: list[RigaPresenza],
    costi: dict[int, Decimal] | None = None,
    obiettivi: list[tuple[int, int, str]] = (),
    dal: date | None = None,
    al: date | None = None,
) -> Indicatori:
    """Pure: count the indicators from rows already limited to the range.
    `costi` is what each laboratorio cost (by id); None means no costs at
    all (every cost figure None), where a laboratorio missing from a dict
    cost nothing."""
    sessioni_di = defaultdict(list)
    for sessione in sessioni:
        sessioni_di[sessione.laboratorio_id].append(sessione)
    presenze_di = defaultdict(list)
    for presenza in presenze:
        presenze_di[presenza.laboratorio_id].append(presenza)

    per_laboratorio = tuple(
        IndicatoriLaboratorio(
            laboratorio=lab,
            misure=_misure_da_righe(
                sessioni_di[lab.id],
                presenze_di[lab.id],
                sessioni_previste=lab.sessioni_previste,
                costo=None if costi is None else costi.get(lab.id, ZERO),
            ),
        )
        for lab in laboratori
    )
    totale = _misure_da_righe(
        sessioni,
        presenze,
        sessioni_previste=sum(lab.sessioni_previste for lab in laboratori),
        costo=None if costi is None else sum(costi.values(), ZERO),
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
class RigheAttivita:
    """Everything the indicators are counted from, as plain rows. `costi`
    stays None unless the caller adds them (see the module's docstring)."""

    laboratori: list[RigaLaboratorio]
    sessioni: list[RigaSessione]
    presenze: list[RigaPresenza]
    obiettivi: list[tuple[int, int, str]]
    costi: list[RigaCosto] | None = None


def leggi_attivita(
    accordo: Accordo | None,
    *,
    dal: date | None = None,
    al: date | None = None,
    laboratori: QuerySet[Laboratorio] | None = None,
) -> RigheAttivita:
    """Read the rows of an agreement's laboratories (or of `laboratori`, e.g.
    the ones a cooperative sees) over [dal, al], in five queries."""
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
        obiettivi=obiettivi,
    )


def indicatori_da_righe(
    righe: RigheAttivita, *, dal: date | None = None, al: date | None = None
) -> Indicatori:
    """The indicators of the rows that fall in [dal, al] (pure), so one read
    serves both a period and the cumulative figures up to its end."""

    def dentro(giorno: date) -> bool:
        return (dal is None or giorno >= dal) and (al is None or giorno <= al)

    costi: dict[int, Decimal] | None = None
    if righe.costi is not None:
        costi = defaultdict(lambda: ZERO)
        for riga in righe.costi:
            if dentro(riga.data):
                costi[riga.laboratorio_id] += riga.costo
        costi = dict(costi)
    return calcola_indicatori(
        laboratori=righe.laboratori,
        sessioni=[s for s in righe.sessioni if dentro(s.data)],
        presenze=[p for p in righe.presenze if p.data is None or dentro(p.data)],
        costi=costi,
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
    ones a cooperative sees) over [dal, al], in five queries, with no costs."""
    righe = leggi_attivita(accordo, dal=dal, al=al, laboratori=laboratori)
    return indicatori_da_righe(righe, dal=dal, al=al)


# The pages' way: sums in the database


def _minuti_del_giorno(campo: str):
    return ExtractHour(campo) * 60 + ExtractMinute(campo)


# A session's length in minutes, in SQL as laboratori.rules counts it.
MINUTI_SESSIONE = _minuti_del_giorno("ora_fine") - _minuti_del_giorno("ora_inizio")
# The type of a sum of hours (wider than one session's hours).
ORE_SOMMATE = DecimalField(max_digits=12, decimal_places=2)


def _ore(valore) -> Decimal:
    # SQLite sums decimals as floats: back to the cent.
    return _arrotonda(Decimal(str(valore))) if valore is not None else ZERO


def misure_laboratori(laboratori: Sequence[Laboratorio]) -> dict[int, Misure]:
    """Each laboratorio's indicators over all its activity, by id, with no
    costs: the figures `indicatori()` gives for it, summed in the database
    in two queries whatever the number of sessions and attendance rows."""
    ids = [lab.pk for lab in laboratori]
    sessioni = {pk: [0, ZERO, ZERO, ZERO] for pk in ids}  # number, hours, educators, volunteers
    # Sessions grouped by their length: the hours are summed session by
    # session, each rounded to the cent of an hour as durata_ore() does,
    # and a laboratorio's sessions have few different lengths.
    for riga in (
        Sessione.objects.filter(laboratorio_id__in=ids)
        .order_by()
        .values("laboratorio_id", minuti=MINUTI_SESSIONE)
        .annotate(
            numero=Count("pk"),
            educatori=Sum("ore_educatori", output_field=ORE_SOMMATE),
            volontari=Sum("ore_volontari", output_field=ORE_SOMMATE),
        )
    ):
        somme = sessioni[riga["laboratorio_id"]]
        somme[0] += riga["numero"]
        somme[1] += riga["numero"] * ore_di(int(riga["minuti"]))
        somme[2] += _ore(riga["educatori"])
        somme[3] += _ore(riga["volontari"])
    # One row per participant of each laboratorio, with how many of its
    # sessions they attended: a regular comes three times or more.
    persone = defaultdict(list)
    for riga in (
        Presenza.objects.filter(sessione__laboratorio_id__in=ids)
        .order_by()
        .values(
            "partecipante_id",
            laboratorio_id=F("sessione__laboratorio_id"),
            fascia_eta=F("partecipante__fascia_eta"),
            genere=F("partecipante__genere"),
            servizio_inviante=F("partecipante__servizio_inviante"),
        )
        .annotate(presenze=Count("pk"))
    ):
        persone[riga.pop("laboratorio_id")].append(Frequenza(**riga))
    return {
        lab.pk: _misure(
            sessioni_svolte=sessioni[lab.pk][0],
            sessioni_previste=lab.sessioni_previste,
            ore=sessioni[lab.pk][1],
            ore_educatori=sessioni[lab.pk][2],
            ore_volontari=sessioni[lab.pk][3],
            persone=persone[lab.pk],
            costo=None,
        )
        for lab in laboratori
    }


def laboratori_elenco(utente) -> QuerySet[Laboratorio]:
    """The laboratories the user sees, in the list's order."""
    return (
        laboratori_visibili(utente)
        .select_related("accordo", "cooperativa")
        .order_by("titolo", "pk")
    )


@dataclass(frozen=True)
class RigaElenco:
    laboratorio: Laboratorio
    sessioni_svolte: int
    partecipanti: int  # different people who attended
    ultima_sessione: date | None
    modificabile: bool  # the user logs its sessions


def _conteggio(righe: QuerySet, gruppo: str, conteggio) -> Coalesce:
    """A count over `righe` (filtered on OuterRef("pk")) as a subquery of
    each outer row, grouped by the column `gruppo` that points to it: 0 when
    there are none."""
    conteggi = righe.order_by().values(gruppo).annotate(numero=conteggio)
    return Coalesce(Subquery(conteggi.values("numero")), 0)


def righe_elenco(utente, laboratori: Sequence[Laboratorio]) -> list[RigaElenco]:
    """The rows of one page of the list (of `laboratori_elenco`), in one
    query. Each figure is a subquery of its laboratorio, which the database
    answers from the indexes of that laboratorio's sessions and attendance:
    summed for all the page's laboratories at once, PostgreSQL would rather
    scan the whole attendance table, a cost that grows with every
    agreement's data."""
    della_riga = OuterRef("pk")
    cifre = {
        riga["pk"]: riga
        for riga in Laboratorio.objects.filter(pk__in=[lab.pk for lab in laboratori])
        .order_by()
        .values("pk")
        .annotate(
            sessioni_svolte=_conteggio(
                Sessione.objects.filter(laboratorio=della_riga), "laboratorio", Count("pk")
            ),
            partecipanti=_conteggio(
                Presenza.objects.filter(sessione__laboratorio=della_riga),
                "sessione__laboratorio",
                Count("partecipante_id", distinct=True),
            ),
            ultima_sessione=Subquery(
                Sessione.objects.filter(laboratorio=della_riga).order_by("-data").values("data")[:1]
            ),
        )
    }
    return [
        RigaElenco(
            laboratorio=laboratorio,
            sessioni_svolte=cifre[laboratorio.pk]["sessioni_svolte"],
            partecipanti=cifre[laboratorio.pk]["partecipanti"],
            ultima_sessione=cifre[laboratorio.pk]["ultima_sessione"],
            modificabile=registra_sessioni(utente, laboratorio),
        )
        for laboratorio in laboratori
    ]


@dataclass(frozen=True)
class SchedaLaboratorio:
    """What the page of one laboratorio shows besides its sessions."""

    misure: Misure
    obiettivi: list[Obiettivo]
    partner: list[PartnerLaboratorio]
    iscritti: list[Partecipante]


def scheda_laboratorio(laboratorio: Laboratorio) -> SchedaLaboratorio:
    return SchedaLaboratorio(
        misure=misure_laboratori([laboratorio])[laboratorio.pk],
        obiettivi=list(laboratorio.obiettivi.order_by("numero")),
        partner=list(laboratorio.partner.select_related("ente").order_by("ente__nome")),
        iscritti=list(laboratorio.iscritti.order_by("codice")),
    )


def sessioni_del_laboratorio(laboratorio: Laboratorio) -> QuerySet[Sessione]:
    """Its sessions, newest first, each with its number of attendees (a
    subquery, so that counting the sessions for the pages joins nothing)."""
    presenti = _conteggio(Presenza.objects.filter(sessione=OuterRef("pk")), "sessione", Count("pk"))
    return laboratorio.sessioni.annotate(numero_presenti=presenti).order_by("-data", "-ora_inizio")


def valori_iniziali(laboratorio: Laboratorio, oggi: date) -> dict:
    """A new session's form starts from today, and the times and team of the
    last session: a laboratorio usually meets at the same hours with the
    same educators."""
    iniziali = {"data": oggi}
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
