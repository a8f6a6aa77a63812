"""The one summary of a report period: activity and money.

`riepilogo()` computes it in a fixed number of queries (nine, whatever the
number of prestazioni and sessions); the report page, the PDF and the Excel
workbook are three views of its result and never compute figures of their
own. The money is summed in the database, so only the prestazioni of the
period are read, and only for the list: the page, which shows that list a
page at a time, asks for the summary without it and reads its page with
`prestazioni_del_periodo()` and `voce_prestazione()`, the same query and
rows the summary's list is made of. A submitted report stores the complete
result as JSON (`a_json`) and shows it rebuilt (`da_json`), so its figures
never move afterwards.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from accordo.models import Accordo, Ente, Obiettivo
from budget import rules
from budget.models import Prestazione, TipoPrestazione, Tranche
from budget.selectors import costi_laboratori, somma_importi
from core.dati import a_json, da_json
from core.formati import data_it, euro, numero
from laboratori.models import Laboratorio, Partecipante, Presenza, Sessione
from laboratori.rules import durata_ore
from laboratori.selectors import Indicatori, indicatori_da_righe, leggi_attivita

ZERO = rules.ZERO

# Every model `riepilogo()` reads: the report page keeps a live summary in
# the cache under their fingerprint (core.impronta), and
# tests/rendicontazione/test_memoria.py checks the list against the tables
# the summary's queries name. Most have a history, so any write through the
# ORM changes the fingerprint. The others:
# - Obiettivo: added (its newest id) or edited and deleted in the admin's
#   inline of the agreement, which saves the agreement too (a history row);
# - the laboratories' objectives (Laboratorio.obiettivi): set by
#   laboratori.services.laboratorio_salva and the admin right after saving
#   the laboratory (a history row);
# - Partecipante: rows are added (its newest id); the categories of one can
#   be corrected in the admin with nothing else saved, so the breakdowns by
#   category may show the old ones until the entry expires (core.impronta's
#   DURATA, 60 seconds). Attendance (Presenza) has its own history.
FONTI_RIEPILOGO = (
    Accordo,
    Ente,
    Obiettivo,
    Tranche,
    Prestazione,
    Laboratorio,
    Laboratorio.obiettivi.through,
    Sessione,
    Presenza,
    Partecipante,
)


@dataclass(frozen=True)
class Intestazione:
    accordo_id: int
    titolo: str
    riferimento: str
    ente_pubblico: str
    ufficio: str
    ente_partner: str
    firmatario_pubblico: str
    firmatario_partner: str
    data_sottoscrizione: date | None
    data_inizio: date
    data_fine: date
    aliquota_quota_amministrativa: Decimal
    aliquota_iva: Decimal
    tetto_progettazione: Decimal
    riporto_residui: bool


@dataclass(frozen=True)
class SpesaTranche:
    etichetta: str
    data_inizio: date
    data_fine: date
    importo: Decimal
    valore: Decimal
    quote: Decimal
    progettazione: Decimal
    utilizzato: Decimal
    disponibile: Decimal
    percentuale_utilizzata: Decimal


@dataclass(frozen=True)
class SpesaTipo:
    tipo: str
    etichetta: str
    numero: int
    valore: Decimal
    quote: Decimal
    totale: Decimal


@dataclass(frozen=True)
class Spesa:
    """Money charged in a range: by tranche and by kind, with totals."""

    tranche: tuple[SpesaTranche, ...]
    tipi: tuple[SpesaTipo, ...]
    numero_prestazioni: int
    valore: Decimal
    quote: Decimal
    progettazione: Decimal
    totale: Decimal
    importo: Decimal
    disponibile: Decimal


@dataclass(frozen=True)
class Progettazione:
    tetto: Decimal
    utilizzato_periodo: Decimal
    utilizzato: Decimal
    disponibile: Decimal


@dataclass(frozen=True)
class VocePrestazione:
    id: int
    data: date
    tipo: str
    fornitore: str
    descrizione: str
    tranche: str
    laboratorio: str
    numero_documento: str
    valore: Decimal
    aliquota: Decimal
    quota: Decimal
    totale: Decimal


@dataclass(frozen=True)
class VoceSessione:
    id: int
    data: date
    laboratorio: str
    cooperativa: str
    ora_inizio: time
    ora_fine: time
    ore: Decimal
    ore_educatori: Decimal
    ore_volontari: Decimal
    presenze: int


@dataclass(frozen=True)
class Riepilogo:
    intestazione: Intestazione
    dal: date
    al: date
    calcolato_il: datetime
    spesa_periodo: Spesa
    spesa_cumulata: Spesa
    progettazione: Progettazione
    attivita_periodo: Indicatori
    attivita_cumulata: Indicatori
    # None only in a summary asked for without the list (the report page,
    # which reads it a page at a time): never stored, never exported.
    prestazioni: tuple[VocePrestazione, ...] | None
    sessioni: tuple[VoceSessione, ...]

    def as_json(self) -> dict:
        return a_json(self)

    @classmethod
    def from_json(cls, dati: dict) -> "Riepilogo":
        return da_json(cls, dati)

    def cifre(self) -> dict:
        """The figures without the computation time: two summaries with equal
        `cifre()` say the same thing."""
        dati = self.as_json()
        dati.pop("calcolato_il")
        return dati


@dataclass(frozen=True)
class _Tranche:
    id: int
    etichetta: str
    data_inizio: date
    data_fine: date
    importo: Decimal


@dataclass(frozen=True)
class _Somme:
    """What the prestazioni of one kind charge to one tranche in a range."""

    tranche_id: int
    tipo: str
    numero: int
    importo: Decimal
    quota: Decimal


def _somme(
    accordo: Accordo, dal: date, al: date
) -> tuple[list[_Tranche], list[_Somme], list[_Somme]]:
    """The agreement's tranches and, by tranche and kind, what is charged in
    [dal, al] and from the start to `al`: one query, whatever the number of
    prestazioni. The tranches are joined to their prestazioni, not filtered
    through them, so a tranche with nothing charged is still there."""
    fino_al = Q(prestazioni__data__lte=al)
    nel_periodo = fino_al & Q(prestazioni__data__gte=dal)
    righe = (
        Tranche.objects.filter(accordo=accordo)
        .values(
            "pk", "etichetta", "data_inizio", "data_fine", "importo", tipo=F("prestazioni__tipo")
        )
        .annotate(
            cumulate_numero=Count("prestazioni", filter=fino_al),
            cumulate_importo=somma_importi("prestazioni__importo", fino_al),
            cumulate_quota=somma_importi("prestazioni__quota_amministrativa", fino_al),
            periodo_numero=Count("prestazioni", filter=nel_periodo),
            periodo_importo=somma_importi("prestazioni__importo", nel_periodo),
            periodo_quota=somma_importi("prestazioni__quota_amministrativa", nel_periodo),
        )
        .order_by("data_inizio", "pk", "tipo")
    )
    tranche: dict[int, _Tranche] = {}
    somme: dict[str, list[_Somme]] = {"cumulate": [], "periodo": []}
    for riga in righe:
        tranche.setdefault(
            riga["pk"],
            _Tranche(
                id=riga["pk"],
                etichetta=riga["etichetta"],
                data_inizio=riga["data_inizio"],
                data_fine=riga["data_fine"],
                importo=riga["importo"],
            ),
        )
        for intervallo, elenco in somme.items():
            if riga[f"{intervallo}_numero"]:
                elenco.append(
                    _Somme(
                        tranche_id=riga["pk"],
                        tipo=riga["tipo"],
                        numero=riga[f"{intervallo}_numero"],
                        # SQLite sums decimals as floats: back to the cent.
                        importo=rules.arrotonda(Decimal(riga[f"{intervallo}_importo"])),
                        quota=rules.arrotonda(Decimal(riga[f"{intervallo}_quota"])),
                    )
                )
    return list(tranche.values()), somme["cumulate"], somme["periodo"]


def _spesa(
    tranche: list[_Tranche],
    somme: list[_Somme],
    riporto_residui: bool,
    disponibili_finali: list[Decimal] | None = None,
) -> Spesa:
    per_tranche = {t.id: {"valore": ZERO, "quote": ZERO, "progettazione": ZERO} for t in tranche}
    per_tipo: dict[str, list] = defaultdict(lambda: [0, ZERO, ZERO])
    for somma in somme:
        totali = per_tranche[somma.tranche_id]
        if somma.tipo == TipoPrestazione.PROGETTAZIONE:
            totali["progettazione"] += somma.importo
        else:
            totali["valore"] += somma.importo
            totali["quote"] += somma.quota
        riga = per_tipo[somma.tipo]
        riga[0] += somma.numero
        riga[1] += somma.importo
        riga[2] += somma.quota
    saldi = [
        rules.SaldoTranche(etichetta=t.etichetta, importo=t.importo, **per_tranche[t.id])
        for t in tranche
    ]
    disponibili = disponibili_finali or rules.disponibili(saldi, riporto_residui)
    righe = tuple(
        SpesaTranche(
            etichetta=t.etichetta,
            data_inizio=t.data_inizio,
            data_fine=t.data_fine,
            importo=t.importo,
            valore=s.valore,
            quote=s.quote,
            progettazione=s.progettazione,
            utilizzato=s.utilizzato,
            disponibile=d,
            percentuale_utilizzata=rules.percentuale_di(s.utilizzato, t.importo),
        )
        for t, s, d in zip(tranche, saldi, disponibili, strict=True)
    )
    tipi = tuple(
        SpesaTipo(
            tipo=valore,
            etichetta=str(etichetta),
            numero=per_tipo[valore][0],
            valore=per_tipo[valore][1],
            quote=per_tipo[valore][2],
            totale=per_tipo[valore][1] + per_tipo[valore][2],
        )
        for valore, etichetta in TipoPrestazione.choices
        if valore in per_tipo
    )
    valore = sum((r.valore for r in righe), ZERO)
    quote = sum((r.quote for r in righe), ZERO)
    progettazione = sum((r.progettazione for r in righe), ZERO)
    importo = sum((r.importo for r in righe), ZERO)
    return Spesa(
        tranche=righe,
        tipi=tipi,
        numero_prestazioni=sum(s.numero for s in somme),
        valore=valore,
        quote=quote,
        progettazione=progettazione,
        totale=valore + quote + progettazione,
        importo=importo,
        disponibile=sum((r.disponibile for r in righe), ZERO),
    )


def prestazioni_del_periodo(accordo: Accordo, dal: date, al: date) -> QuerySet[Prestazione]:
    """The prestazioni listed in the summary of [dal, al], in its order."""
    return (
        Prestazione.objects.filter(tranche__accordo=accordo, data__gte=dal, data__lte=al)
        .select_related("fornitore", "tranche", "laboratorio")
        .order_by("data", "pk")
    )


def voce_prestazione(v: Prestazione) -> VocePrestazione:
    """A prestazione as a row of the summary's list (of the queryset above)."""
    return VocePrestazione(
        id=v.pk,
        data=v.data,
        tipo=v.get_tipo_display(),
        fornitore=v.fornitore.nome if v.fornitore else "",
        descrizione=v.descrizione,
        tranche=v.tranche.etichetta,
        laboratorio=v.laboratorio.titolo if v.laboratorio else "",
        numero_documento=v.numero_documento,
        valore=v.importo,
        aliquota=v.aliquota_quota_amministrativa,
        quota=v.quota_amministrativa,
        totale=v.importo + v.quota_amministrativa,
    )


def riepilogo(accordo: Accordo, dal: date, al: date, *, con_prestazioni: bool = True) -> Riepilogo:
    """The summary of [dal, al], with cumulative figures from the start of the
    agreement to `al`. With `con_prestazioni=False` the list of prestazioni
    is not read (`prestazioni` is None): every figure is the same."""
    if not (Accordo.ente_pubblico.is_cached(accordo) and Accordo.ente_partner.is_cached(accordo)):
        accordo = Accordo.objects.select_related("ente_pubblico", "ente_partner").get(pk=accordo.pk)
    tranche, somme_cumulate, somme_periodo = _somme(accordo, dal, al)
    cumulata = _spesa(tranche, somme_cumulate, accordo.riporto_residui)
    periodo = _spesa(
        tranche,
        somme_periodo,
        accordo.riporto_residui,
        disponibili_finali=[r.disponibile for r in cumulata.tranche],
    )
    prestazioni = (
        tuple(voce_prestazione(v) for v in prestazioni_del_periodo(accordo, dal, al))
        if con_prestazioni
        else None
    )

    righe = leggi_attivita(accordo, al=al)
    # The laboratories' costs: the report shows money, the laboratori app does not read it.
    righe = replace(righe, costi=costi_laboratori([lab.id for lab in righe.laboratori], al=al))
    titoli = {lab.id: lab for lab in righe.laboratori}
    presenze = Counter(p.sessione_id for p in righe.presenze)
    sessioni = tuple(
        VoceSessione(
            id=s.id,
            data=s.data,
            laboratorio=titoli[s.laboratorio_id].titolo,
            cooperativa=titoli[s.laboratorio_id].cooperativa,
            ora_inizio=s.ora_inizio,
            ora_fine=s.ora_fine,
            ore=durata_ore(s.ora_inizio, s.ora_fine),
            ore_educatori=s.ore_educatori,
            ore_volontari=s.ore_volontari,
            presenze=presenze[s.id],
        )
        for s in righe.sessioni
        if s.data >= dal
    )

    return Riepilogo(
        intestazione=Intestazione(
            accordo_id=accordo.pk,
            titolo=accordo.titolo,
            riferimento=accordo.riferimento,
            ente_pubblico=accordo.ente_pubblico.nome,
            ufficio=accordo.ufficio,
            ente_partner=accordo.ente_partner.nome,
            firmatario_pubblico=accordo.firmatario_pubblico,
            firmatario_partner=accordo.firmatario_partner,
            data_sottoscrizione=accordo.data_sottoscrizione,
            data_inizio=accordo.data_inizio,
            data_fine=accordo.data_fine,
            aliquota_quota_amministrativa=accordo.aliquota_quota_amministrativa,
            aliquota_iva=accordo.aliquota_iva,
            tetto_progettazione=accordo.tetto_progettazione,
            riporto_residui=accordo.riporto_residui,
        ),
        dal=dal,
        al=al,
        calcolato_il=timezone.localtime().replace(microsecond=0),
        spesa_periodo=periodo,
        spesa_cumulata=cumulata,
        progettazione=Progettazione(
            tetto=accordo.tetto_progettazione,
            utilizzato_periodo=periodo.progettazione,
            utilizzato=cumulata.progettazione,
            disponibile=accordo.tetto_progettazione - cumulata.progettazione,
        ),
        attivita_periodo=indicatori_da_righe(righe, dal=dal, al=al),
        attivita_cumulata=indicatori_da_righe(righe, al=al),
        prestazioni=prestazioni,
        sessioni=sessioni,
    )


@dataclass(frozen=True)
class Differenza:
    voce: str
    prima: str
    dopo: str


def confronta(prima: Riepilogo, dopo: Riepilogo) -> list[Differenza]:
    """What changed between two summaries of the same period, in words: the
    money by tranche and in total, the activity totals, and which
    prestazioni and sessions were added, removed or changed."""
    differenze: list[Differenza] = []

    def confronta_cifra(voce: str, a, b, formato=euro) -> None:
        if a != b:
            differenze.append(Differenza(voce, formato(a), formato(b)))

    for a, b in zip(prima.spesa_periodo.tranche, dopo.spesa_periodo.tranche, strict=False):
        confronta_cifra(f"Spesa del periodo, tranche {a.etichetta}", a.utilizzato, b.utilizzato)
    for a, b in zip(prima.spesa_cumulata.tranche, dopo.spesa_cumulata.tranche, strict=False):
        confronta_cifra(f"Disponibile della tranche {a.etichetta}", a.disponibile, b.disponibile)
    confronta_cifra(
        "Spesa totale del periodo", prima.spesa_periodo.totale, dopo.spesa_periodo.totale
    )
    confronta_cifra(
        "Quota progettazione utilizzata",
        prima.progettazione.utilizzato,
        dopo.progettazione.utilizzato,
    )
    ap, dp = prima.attivita_periodo.totale, dopo.attivita_periodo.totale
    confronta_cifra("Sessioni svolte", ap.sessioni_svolte, dp.sessioni_svolte, str)
    confronta_cifra("Ore di laboratorio", ap.ore, dp.ore, numero)
    confronta_cifra("Partecipanti", ap.partecipanti, dp.partecipanti, str)
    confronta_cifra("Presenze", ap.presenze, dp.presenze, str)

    def descrivi_prestazione(v: VocePrestazione) -> str:
        return f"{data_it(v.data)} {v.descrizione} ({euro(v.totale)})"

    def descrivi_sessione(s: VoceSessione) -> str:
        return f"{data_it(s.data)} {s.laboratorio}, {s.presenze} presenze"

    for etichetta, vecchie, nuove, descrivi in (
        ("Prestazione", prima.prestazioni, dopo.prestazioni, descrivi_prestazione),
        ("Sessione", prima.sessioni, dopo.sessioni, descrivi_sessione),
    ):
        per_id_prima = {v.id: v for v in vecchie}
        per_id_dopo = {v.id: v for v in nuove}
        for id_, voce in per_id_dopo.items():
            if id_ not in per_id_prima:
                differenze.append(Differenza(f"{etichetta} aggiunta", "", descrivi(voce)))
            elif per_id_prima[id_] != voce:
                differenze.append(
                    Differenza(
                        f"{etichetta} modificata", descrivi(per_id_prima[id_]), descrivi(voce)
                    )
                )
        for id_, voce in per_id_prima.items():
            if id_ not in per_id_dopo:
                differenze.append(Differenza(f"{etichetta} rimossa", descrivi(voce), ""))
    return differenze


@dataclass(frozen=True)
class Narrativa:
    """The consortium's own words in a report."""

    attivita_svolte: str
    risultati: str
    criticita: str
    prospettive: str

    @classmethod
    def del_rendiconto(cls, rendiconto) -> "Narrativa":
        return cls(
            attivita_svolte=rendiconto.attivita_svolte,
            risultati=rendiconto.risultati,
            criticita=rendiconto.criticita,
            prospettive=rendiconto.prospettive,
        )
