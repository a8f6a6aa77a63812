"""A scale dataset for benchmarks, written with bulk inserts.

At factor 1: 10.000 prestazioni, 50 laboratori, 5.000 sessioni and 50.000
presenze, over 5 agreements between one Comune and one Consorzio, with
their cooperatives and suppliers. Every count but the agreements' grows in
proportion to the factor; the agreements grow with its square root
(5 at factor 1, 16 at factor 10), so that both the number of agreements a
user sees and the data inside each agreement grow: with 5 x N agreements
a report of one agreement would read as much at factor 10 as at factor 1.

The data respects every rule the services enforce, without going through
them (a row at a time they would take hours):

- each prestazione's fee is `rules.quota_amministrativa` of its value at the
  agreement's rate, its date lies in its tranche, its supplier is set
  (except for design work), its laboratory belongs to its agreement;
- each tranche's amount is sized after its prestazioni, with a margin, so
  value + fees + design work fit in it; design work stays under the cap;
- sessions are in the past, inside their laboratory's period, one a day
  per laboratory (so never overlapping); attendance is unique per session
  and participant, and every attendee is enrolled in the laboratory;
- organisations have valid partite IVA (Luhn check digit, Cremona office
  code 019), and the cooperatives belong to the consortium.

`genera()` checks the budget rules at the end with `stati_budget` and
refuses to commit if any tranche or design cap is exceeded.

Bulk inserts bypass django-simple-history: the scale data has no history
rows, which is fine for a benchmark and would not be for real records.
"""

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal

from django.db import connection, transaction
from django.utils import timezone
from stdnum import luhn

from accordo.models import Accordo, Ente, Obiettivo, StatoAccordo, TipoEnte
from budget import rules
from budget.models import Prestazione, TipoPrestazione, Tranche
from budget.selectors import stati_budget
from laboratori.models import (
    ALFABETO_CODICE,
    LUNGHEZZA_CODICE,
    FasciaEta,
    Genere,
    Laboratorio,
    LivelloScolastico,
    Partecipante,
    PartnerLaboratorio,
    Presenza,
    ServizioInviante,
    Sessione,
    StatoLaboratorio,
    TipoLaboratorio,
)
from rendicontazione.models import Rendiconto, TipoRendiconto

PREFISSO = "[scala]"
LOTTO = 5000  # rows per INSERT batch (Django lowers it to what the database accepts)
ISCRITTI_PER_LABORATORIO = 20
# Participants registered per laboratory: fewer than the enrolled, so some
# young people attend more than one laboratory of the agreement.
PARTECIPANTI_PER_LABORATORIO = 18
QUOTA_CON_LABORATORIO = 0.4  # share of prestazioni charged to one laboratory
PRESTAZIONI_PER_PROGETTAZIONE = 100  # one design-work item every this many prestazioni
MARGINE_TRANCHE = Decimal("1.10")  # tranche amount = 110% of what is charged, in thousands
UFFICIO_ENTRATE_CREMONA = "019"

TIPI_SPESA = [t for t in TipoPrestazione.values if t != TipoPrestazione.PROGETTAZIONE]
OBIETTIVI = [
    "Rafforzare l'aggancio precoce di pre-adolescenti e adolescenti",
    "Contrastare la dispersione scolastica",
    "Sviluppare competenze relazionali e pratiche attraverso i laboratori",
    "Coinvolgere associazioni e adulti del territorio",
    "Ampliare e diversificare le opportunità del tempo libero",
    "Sostenere le famiglie nei percorsi di crescita",
    "Integrare i laboratori con i progetti e i servizi del territorio",
]
ORARI = [
    (time(9, 0), time(12, 0)),
    (time(14, 30), time(17, 0)),
    (time(15, 0), time(17, 30)),
    (time(16, 0), time(18, 30)),
    (time(18, 0), time(21, 0)),
]


@dataclass(frozen=True)
class Dimensioni:
    accordi: int
    cooperative: int
    fornitori: int
    laboratori: int
    sessioni: int
    presenze: int
    prestazioni: int


def dimensioni(fattore: float, accordi: int | None = None) -> Dimensioni:
    """The counts of the dataset at `fattore` (1 = the issue's reference size)."""
    radice = math.sqrt(fattore)
    numero_accordi = accordi or max(1, round(5 * radice))
    sessioni = max(1, round(5000 * fattore))
    return Dimensioni(
        accordi=numero_accordi,
        cooperative=max(2, round(10 * radice)),
        fornitori=max(3, round(40 * radice)),
        laboratori=max(numero_accordi, round(50 * fattore)),
        sessioni=sessioni,
        presenze=min(round(50000 * fattore), sessioni * ISCRITTI_PER_LABORATORIO),
        prestazioni=max(1, round(10000 * fattore)),
    )


@dataclass(frozen=True)
class Insieme:
    """What one run created: the pair every agreement of the set is between."""

    comune: Ente
    consorzio: Ente
    accordi: list[Accordo]
    dimensioni: Dimensioni


def periodo_accordi(oggi: date) -> tuple[date, date]:
    """Sixteen months ending on 31 December of last year, like the Cremona
    agreement (September to December, then a whole year): always in the
    past, so every session is one that has taken place."""
    anno = oggi.year - 1
    return date(anno - 1, 9, 1), date(anno, 12, 31)


def _ripartisci(totale: int, parti: int) -> list[int]:
    """`totale` split in `parti` near-equal integers, the larger first."""
    base, resto = divmod(totale, parti)
    return [base + (1 if i < resto else 0) for i in range(parti)]


def _giorni(dal: date, al: date) -> list[date]:
    return [dal + timedelta(days=i) for i in range((al - dal).days + 1)]


class _Generatore:
    def __init__(self, fattore: float, seed: int, accordi: int | None, oggi: date):
        self.dim = dimensioni(fattore, accordi)
        self.rng = random.Random(seed)
        # Tax codes have a stream of their own: skipping the codes already in
        # the database must not change the rest of the data.
        self.rng_codici = random.Random(f"{seed}-codici")
        self.oggi = oggi
        self.inizio, self.fine = periodo_accordi(oggi)
        self.numero_insieme = (
            Ente.objects.filter(tipo=TipoEnte.COMUNE, nome__startswith=PREFISSO).count() + 1
        )
        usati = Ente.objects.values_list("partita_iva", "codice_fiscale")
        self.codici_usati = {c for coppia in usati for c in coppia if c}

    # Organisations

    def _partita_iva(self) -> str:
        while True:
            base = f"{self.rng_codici.randint(1, 9_999_999):07d}{UFFICIO_ENTRATE_CREMONA}"
            codice = base + luhn.calc_check_digit(base)
            if codice not in self.codici_usati:
                self.codici_usati.add(codice)
                return codice

    def _ente(self, nome: str, tipo: str, **altro) -> Ente:
        partita_iva = self._partita_iva()
        return Ente(
            nome=f"{PREFISSO} {nome}",
            tipo=tipo,
            partita_iva=partita_iva,
            codice_fiscale=partita_iva,
            cap="26100",
            citta="Borgo Scala",
            provincia="CR",
            **altro,
        )

    def enti(self) -> None:
        k = self.numero_insieme
        self.comune, self.consorzio = Ente.objects.bulk_create(
            [
                self._ente(f"Comune di Borgo Scala {k}", TipoEnte.COMUNE),
                self._ente(f"Consorzio Scala {k}", TipoEnte.CONSORZIO),
            ]
        )
        self.cooperative = Ente.objects.bulk_create(
            [
                self._ente(
                    f"Cooperativa sociale {k}.{i + 1}",
                    TipoEnte.COOPERATIVA,
                    consorzio=self.consorzio,
                )
                for i in range(self.dim.cooperative)
            ]
        )
        # A supplier in four is an association (also a laboratory's partner).
        self.fornitori = Ente.objects.bulk_create(
            [
                self._ente(
                    f"{'Associazione' if i % 4 == 0 else 'Fornitore'} {k}.{i + 1}",
                    TipoEnte.ASSOCIAZIONE if i % 4 == 0 else TipoEnte.FORNITORE,
                )
                for i in range(self.dim.fornitori)
            ],
            batch_size=LOTTO,
        )
        self.associazioni = [e for e in self.fornitori if e.tipo == TipoEnte.ASSOCIAZIONE]

    # Agreements, tranches (amounts set at the end), objectives

    def accordi(self) -> None:
        k = self.numero_insieme
        self.lista_accordi = Accordo.objects.bulk_create(
            [
                Accordo(
                    titolo=f"{PREFISSO} Accordo {k}.{i + 1} per pre-adolescenti e adolescenti",
                    ente_pubblico=self.comune,
                    ufficio="Settore Politiche Sociali",
                    firmatario_pubblico="Dirigente del Settore",
                    ente_partner=self.consorzio,
                    firmatario_partner="Presidente del Consorzio",
                    data_sottoscrizione=self.inizio,
                    data_inizio=self.inizio,
                    data_fine=self.fine,
                    stato=StatoAccordo.IN_VIGORE,
                )
                for i in range(self.dim.accordi)
            ]
        )
        fine_primo_anno = date(self.inizio.year, 12, 31)
        self.tranche: dict[int, list[Tranche]] = {}
        for accordo in self.lista_accordi:
            self.tranche[accordo.pk] = [
                Tranche(
                    accordo=accordo,
                    etichetta=str(self.inizio.year),
                    data_inizio=self.inizio,
                    data_fine=fine_primo_anno,
                    importo=Decimal("1.00"),
                ),
                Tranche(
                    accordo=accordo,
                    etichetta=str(self.fine.year),
                    data_inizio=fine_primo_anno + timedelta(days=1),
                    data_fine=self.fine,
                    importo=Decimal("1.00"),
                ),
            ]
        # A placeholder amount: prestazioni() sets the real one after charging them.
        Tranche.objects.bulk_create([t for coppia in self.tranche.values() for t in coppia])
        self.obiettivi: dict[int, list[Obiettivo]] = {}
        nuovi = []
        for accordo in self.lista_accordi:
            self.obiettivi[accordo.pk] = [
                Obiettivo(accordo=accordo, numero=n, testo=testo)
                for n, testo in enumerate(OBIETTIVI, start=1)
            ]
            nuovi.extend(self.obiettivi[accordo.pk])
        Obiettivo.objects.bulk_create(nuovi)

    # Laboratories, participants, sessions, attendance

    def laboratori(self) -> None:
        rng = self.rng
        tipi = TipoLaboratorio.values
        self.labs_di: dict[int, list[Laboratorio]] = defaultdict(list)
        nuovi = []
        for j in range(self.dim.laboratori):
            accordo = self.lista_accordi[j % len(self.lista_accordi)]
            tipo = tipi[j % len(tipi)]
            dal = self.inizio + timedelta(days=rng.randint(0, 60))
            al = self.fine - timedelta(days=rng.randint(0, 60))
            nuovi.append(
                Laboratorio(
                    accordo=accordo,
                    titolo=f"{TipoLaboratorio(tipo).label} {j + 1}",
                    tipo=tipo,
                    cooperativa=self.cooperative[j % len(self.cooperative)],
                    luogo=f"Sede {j % 17 + 1}, Borgo Scala",
                    data_inizio=dal,
                    data_fine=al,
                    stato=StatoLaboratorio.CONCLUSO,
                )
            )
        Laboratorio.objects.bulk_create(nuovi, batch_size=LOTTO)
        collegamenti = []
        partner = []
        for lab in nuovi:
            self.labs_di[lab.accordo_id].append(lab)
            for obiettivo in rng.sample(self.obiettivi[lab.accordo_id], 2):
                collegamenti.append(
                    Laboratorio.obiettivi.through(laboratorio_id=lab.pk, obiettivo_id=obiettivo.pk)
                )
            if self.associazioni:
                partner.append(
                    PartnerLaboratorio(
                        laboratorio=lab, ente=rng.choice(self.associazioni), ruolo="volontari"
                    )
                )
        Laboratorio.obiettivi.through.objects.bulk_create(collegamenti, batch_size=LOTTO)
        PartnerLaboratorio.objects.bulk_create(partner, batch_size=LOTTO)
        self.lista_laboratori = nuovi

    def partecipanti(self) -> None:
        rng = self.rng
        self.iscritti: dict[int, list[int]] = {}
        iscrizioni = []
        for accordo in self.lista_accordi:
            labs = self.labs_di[accordo.pk]
            codici: set[str] = set()
            persone = []
            for _indice in range(
                max(ISCRITTI_PER_LABORATORIO, PARTECIPANTI_PER_LABORATORIO * len(labs))
            ):
                while True:
                    codice = "".join(rng.choices(ALFABETO_CODICE, k=LUNGHEZZA_CODICE))
                    if codice not in codici:
                        codici.add(codice)
                        break
                persone.append(
                    Partecipante(
                        accordo=accordo,
                        codice=codice,
                        fascia_eta=rng.choice(FasciaEta.values),
                        genere=rng.choice(Genere.values),
                        livello_scolastico=rng.choice(LivelloScolastico.values),
                        servizio_inviante=rng.choice(ServizioInviante.values),
                    )
                )
            Partecipante.objects.bulk_create(persone, batch_size=LOTTO)
            for lab in labs:
                scelti = rng.sample(persone, ISCRITTI_PER_LABORATORIO)
                self.iscritti[lab.pk] = [p.pk for p in scelti]
                iscrizioni.extend(
                    Partecipante.laboratori.through(partecipante_id=p.pk, laboratorio_id=lab.pk)
                    for p in scelti
                )
        Partecipante.laboratori.through.objects.bulk_create(iscrizioni, batch_size=LOTTO)

    def sessioni(self) -> None:
        """Sessions lab by lab, each followed by its attendance, written in
        batches so the largest factor never holds every row in memory."""
        rng = self.rng
        per_lab = _ripartisci(self.dim.sessioni, len(self.lista_laboratori))
        presenti = _ripartisci(self.dim.presenze, self.dim.sessioni)
        ieri = self.oggi - timedelta(days=1)
        indice_sessione = 0
        lotto: list[tuple[Sessione, list[int]]] = []
        for lab, quante in zip(self.lista_laboratori, per_lab, strict=True):
            giorni = _giorni(lab.data_inizio, min(lab.data_fine, ieri))
            if quante > len(giorni):
                raise ValueError(
                    f"{lab.titolo}: {quante} sessioni non stanno in {len(giorni)} giorni."
                )
            ora_inizio, ora_fine = ORARI[lab.pk % len(ORARI)]
            durata = Decimal(
                (ora_fine.hour * 60 + ora_fine.minute - ora_inizio.hour * 60 - ora_inizio.minute)
                / 60
            ).quantize(Decimal("0.01"))
            for giorno in sorted(rng.sample(giorni, quante)):
                educatori = rng.randint(1, 3)
                volontari = rng.choice((0, 0, 1, 2))
                sessione = Sessione(
                    laboratorio=lab,
                    data=giorno,
                    ora_inizio=ora_inizio,
                    ora_fine=ora_fine,
                    educatori=", ".join(f"Educatore {n + 1}" for n in range(educatori)),
                    numero_educatori=educatori,
                    ore_educatori=durata * educatori,
                    volontari=volontari,
                    ore_volontari=durata * volontari,
                    note="Attività del laboratorio.",
                )
                chi = rng.sample(self.iscritti[lab.pk], presenti[indice_sessione])
                lotto.append((sessione, chi))
                indice_sessione += 1
                if len(lotto) * 10 >= LOTTO * 4:
                    self._scrivi_sessioni(lotto)
                    lotto = []
        self._scrivi_sessioni(lotto)

    def _scrivi_sessioni(self, lotto: list[tuple[Sessione, list[int]]]) -> None:
        if not lotto:
            return
        Sessione.objects.bulk_create([s for s, _chi in lotto], batch_size=LOTTO)
        Presenza.objects.bulk_create(
            [
                Presenza(sessione_id=sessione.pk, partecipante_id=partecipante_id)
                for sessione, chi in lotto
                for partecipante_id in chi
            ],
            batch_size=LOTTO,
        )

    # Prestazioni, then the tranche amounts that hold them

    def prestazioni(self) -> None:
        """Write the prestazioni in batches; each tranche's amount is set from
        what was charged to it (the tranches were written with a placeholder,
        updated in the same transaction)."""
        rng = self.rng
        lotto: list[Prestazione] = []
        for accordo, quante in zip(
            self.lista_accordi,
            _ripartisci(self.dim.prestazioni, len(self.lista_accordi)),
            strict=True,
        ):
            aliquota = accordo.aliquota_quota_amministrativa
            labs = self.labs_di[accordo.pk]
            # Design work: one item every PRESTAZIONI_PER_PROGETTAZIONE, sharing
            # 80% of the cap, split over the two tranches.
            progettazione = _ripartisci(quante // PRESTAZIONI_PER_PROGETTAZIONE, 2)
            valore_progettazione = (
                accordo.tetto_progettazione * Decimal("0.8") / max(sum(progettazione), 1)
            ).quantize(rules.CENT, rounding=ROUND_DOWN)
            for tranche, numero, di_progettazione in zip(
                self.tranche[accordo.pk], _ripartisci(quante, 2), progettazione, strict=True
            ):
                giorni = _giorni(tranche.data_inizio, tranche.data_fine)
                addebitato = rules.ZERO
                for n in range(numero):
                    giorno = rng.choice(giorni)
                    if n < di_progettazione:
                        voce = Prestazione(
                            tranche=tranche,
                            tipo=TipoPrestazione.PROGETTAZIONE,
                            descrizione=f"{PREFISSO} Progettazione e lavoro di rete n. {n + 1}",
                            data=giorno,
                            importo=valore_progettazione,
                            aliquota_quota_amministrativa=rules.ZERO,
                            quota_amministrativa=rules.ZERO,
                        )
                    else:
                        tipo = rng.choice(TIPI_SPESA)
                        valore = Decimal(rng.randint(2000, 150000)) / 100
                        fornitore = (
                            rng.choice(self.cooperative)
                            if tipo == TipoPrestazione.PERSONALE_INTERNO
                            else rng.choice(self.fornitori)
                        )
                        laboratorio = (
                            rng.choice(labs)
                            if labs and rng.random() < QUOTA_CON_LABORATORIO
                            else None
                        )
                        voce = Prestazione(
                            tranche=tranche,
                            tipo=tipo,
                            fornitore=fornitore,
                            laboratorio=laboratorio,
                            descrizione=f"{PREFISSO} {TipoPrestazione(tipo).label} n. {n + 1}",
                            data=giorno,
                            importo=valore,
                            aliquota_quota_amministrativa=aliquota,
                            quota_amministrativa=rules.quota_amministrativa(valore, aliquota),
                            numero_documento=f"{giorno.year}/{n + 1}",
                            data_documento=giorno,
                        )
                    addebitato += voce.importo + voce.quota_amministrativa
                    lotto.append(voce)
                    if len(lotto) >= LOTTO * 4:
                        Prestazione.objects.bulk_create(lotto, batch_size=LOTTO)
                        lotto = []
                migliaia = (addebitato * MARGINE_TRANCHE / 1000).to_integral_value(ROUND_CEILING)
                tranche.importo = max(Decimal("1000"), migliaia * 1000)
        Prestazione.objects.bulk_create(lotto, batch_size=LOTTO)
        Tranche.objects.bulk_update(
            [t for coppia in self.tranche.values() for t in coppia], ["importo"], batch_size=LOTTO
        )

    def rendiconti(self) -> None:
        """A draft report per tranche, so the reports' pages have rows."""
        Rendiconto.objects.bulk_create(
            [
                Rendiconto(
                    accordo_id=accordo_id,
                    dal=tranche.data_inizio,
                    al=tranche.data_fine,
                    tipo=TipoRendiconto.PERIODICO,
                    attivita_svolte="Laboratori, incontri di rete e progettazione del periodo.",
                )
                for accordo_id, coppia in self.tranche.items()
                for tranche in coppia
            ]
        )


class RegoleViolate(Exception):
    """The generated data would break a budget rule (a bug of this module)."""


def errori_budget(accordi: list[Accordo]) -> list[str]:
    """Every tranche or design cap the agreements exceed (empty when none)."""
    errori = []
    for stato in stati_budget(accordi):
        for riga in stato.tranche:
            if riga.disponibile < 0:
                errori.append(f"{stato.titolo}, tranche {riga.etichetta}: {riga.disponibile}")
        if stato.progettazione.disponibile < 0:
            errori.append(f"{stato.titolo}, progettazione: {stato.progettazione.disponibile}")
    return errori


def genera(
    fattore: float, *, seed: int = 1, accordi: int | None = None, oggi: date | None = None
) -> Insieme:
    """Write one self-contained scale set in one transaction, and check the
    budget rules on it before committing."""
    if fattore <= 0:
        raise ValueError("Il fattore deve essere maggiore di zero.")
    if not connection.features.can_return_rows_from_bulk_insert:
        raise RuntimeError("Il database non restituisce le chiavi dei bulk insert.")
    with transaction.atomic():
        g = _Generatore(fattore, seed, accordi, oggi or timezone.localdate())
        g.enti()
        g.accordi()
        g.laboratori()
        g.partecipanti()
        g.sessioni()
        g.prestazioni()
        g.rendiconti()
        violazioni = errori_budget(g.lista_accordi)
        if violazioni:
            raise RegoleViolate("; ".join(violazioni))
    return Insieme(
        comune=g.comune, consorzio=g.consorzio, accordi=g.lista_accordi, dimensioni=g.dim
    )
