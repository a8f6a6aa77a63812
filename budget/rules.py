"""The money rules of Art. 3, as pure functions on Decimal.

No ORM, no request: services and selectors feed these functions plain
figures, so every fee, cap and residual in the application is computed here
and nowhere else (see DESIGN.md, "Money rules").
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import cached_property

from django.utils.translation import gettext as _

from core.formati import data_it, euro, percentuale

CENT = Decimal("0.01")
CENTO = Decimal("100")
ZERO = Decimal("0.00")
# A sanity limit on one amount: above it the input is a typo, not a service.
IMPORTO_MASSIMO = Decimal("9999999.99")


def arrotonda(valore: Decimal) -> Decimal:
    """Round to the cent, half up (1,50 x 3% = 0,045 -> 0,05)."""
    return valore.quantize(CENT, rounding=ROUND_HALF_UP)


def quota_amministrativa(valore: Decimal, aliquota: Decimal) -> Decimal:
    """Rule 1: the fee on one prestazione, computed on its own value."""
    return arrotonda(valore * aliquota / CENTO)


def aliquota_da_applicare(
    *, progettazione: bool, aliquota_accordo: Decimal, registrata: Decimal | None
) -> Decimal:
    """Rule 5: a new prestazione takes the agreement's current rate, an edited
    one keeps the rate it was registered with (`registrata`, None when it was
    new or design work), and design work carries no fee."""
    if progettazione:
        return ZERO
    return registrata if registrata is not None else aliquota_accordo


def scorporo_iva(lordo: Decimal, aliquota_iva: Decimal) -> tuple[Decimal, Decimal]:
    """Gross amounts include VAT: net = gross / (1 + rate), VAT = gross - net."""
    netto = arrotonda(lordo / (1 + aliquota_iva / CENTO))
    return netto, lordo - netto


def valore_massimo(disponibile: Decimal, aliquota: Decimal) -> Decimal:
    """The largest value V whose V + fee(V) fits in `disponibile`.

    13.000,00 at 3% gives 12.621,36 (DESIGN.md, worked example).
    """
    if disponibile <= 0:
        return ZERO
    valore = (disponibile / (1 + aliquota / CENTO)).quantize(CENT, rounding=ROUND_DOWN)
    while valore + CENT + quota_amministrativa(valore + CENT, aliquota) <= disponibile:
        valore += CENT
    while valore > 0 and valore + quota_amministrativa(valore, aliquota) > disponibile:
        valore -= CENT
    return valore


def errori_importo(valore: Decimal) -> list[str]:
    """Why an amount cannot be a prestazione's value (empty when it can)."""
    if not valore.is_finite():
        return [_("L'importo non è un numero.")]
    # Size first: a 30-digit typo must not reach quantize(), which would fail.
    if abs(valore) > IMPORTO_MASSIMO:
        return [
            _(
                "L'importo supera il massimo ammesso per una singola prestazione "
                "(%(massimo)s): verificare che non sia un errore di battitura."
            )
            % {"massimo": euro(IMPORTO_MASSIMO)}
        ]
    if valore <= 0:
        return [
            _("L'importo deve essere maggiore di zero (indicato %(importo)s).")
            % {"importo": euro(valore)}
        ]
    if valore != valore.quantize(CENT):
        return [_("L'importo ha più di due decimali: indicarlo al centesimo.")]
    return []


@dataclass(frozen=True)
class SaldoTranche:
    """What a tranche holds and what is charged to it."""

    etichetta: str
    importo: Decimal
    valore: Decimal = ZERO  # sum of the prestazioni's values (design work excluded)
    quote: Decimal = ZERO  # sum of their administrative fees
    progettazione: Decimal = ZERO  # quota progettazione charged to the tranche

    @property
    def utilizzato(self) -> Decimal:
        return self.valore + self.quote + self.progettazione


@dataclass(frozen=True)
class Addebito:
    """What one prestazione charges to the tranche at index `tranche`."""

    tranche: int
    valore: Decimal
    aliquota: Decimal
    quota: Decimal
    progettazione: bool

    @property
    def totale(self) -> Decimal:
        return self.valore + self.quota


def addebito(*, tranche: int, valore: Decimal, aliquota: Decimal, progettazione: bool) -> Addebito:
    """The charge of a prestazione. Design work carries no fee (rule 1)."""
    if progettazione:
        return Addebito(tranche, valore, ZERO, ZERO, True)
    return Addebito(tranche, valore, aliquota, quota_amministrativa(valore, aliquota), False)


@dataclass(frozen=True)
class Violazione:
    regola: str
    campo: str | None
    messaggio: str


def applica(
    saldi: Sequence[SaldoTranche], voce: Addebito, segno: int = 1
) -> tuple[SaldoTranche, ...]:
    """The balances after adding (segno=1) or removing (segno=-1) one charge."""
    risultato = list(saldi)
    saldo = risultato[voce.tranche]
    if voce.progettazione:
        saldo = replace(saldo, progettazione=saldo.progettazione + segno * voce.valore)
    else:
        saldo = replace(
            saldo, valore=saldo.valore + segno * voce.valore, quote=saldo.quote + segno * voce.quota
        )
    risultato[voce.tranche] = saldo
    return tuple(risultato)


def disponibili(saldi: Sequence[SaldoTranche], riporto_residui: bool) -> list[Decimal]:
    """Rule 3: how much more each tranche can take.

    Without carry-over each tranche stands alone. With it, money left in a
    tranche moves forward, never back: what is charged up to any tranche
    must fit in what was granted up to it, so a charge to tranche k is
    bounded by the tightest cumulative margin from k onwards.
    """
    if not riporto_residui:
        return [s.importo - s.utilizzato for s in saldi]
    margini = []
    concesso = utilizzato = ZERO
    for saldo in saldi:
        concesso += saldo.importo
        utilizzato += saldo.utilizzato
        margini.append(concesso - utilizzato)
    return [min(margini[k:]) for k in range(len(saldi))]


def progettazione_utilizzata(saldi: Sequence[SaldoTranche]) -> Decimal:
    return sum((s.progettazione for s in saldi), ZERO)


@dataclass(frozen=True)
class Bilancio:
    """An agreement's money: its tranches in order with what is charged to
    each, the design cap and the carry-over switch. Every "used" and "left"
    the application shows (pages, PDF, workbook, `stato_budget`) is read
    from here, so they agree in every mode."""

    saldi: tuple[SaldoTranche, ...]
    tetto_progettazione: Decimal
    riporto_residui: bool

    @cached_property
    def disponibili(self) -> tuple[Decimal, ...]:
        """What each tranche can still take (rule 3, with carry-over if on)."""
        return tuple(disponibili(self.saldi, self.riporto_residui))

    @property
    def importo(self) -> Decimal:
        return sum((s.importo for s in self.saldi), ZERO)

    @property
    def valore(self) -> Decimal:
        return sum((s.valore for s in self.saldi), ZERO)

    @property
    def quote(self) -> Decimal:
        return sum((s.quote for s in self.saldi), ZERO)

    @property
    def progettazione(self) -> Decimal:
        return progettazione_utilizzata(self.saldi)

    @property
    def utilizzato(self) -> Decimal:
        return sum((s.utilizzato for s in self.saldi), ZERO)

    @property
    def disponibile(self) -> Decimal:
        """What the whole agreement has left: granted minus charged.

        Not the sum of the tranches' `disponibili`: with carry-over a
        tranche's figure already includes what the earlier ones left, and
        adding them up would count that money twice."""
        return self.importo - self.utilizzato

    @property
    def progettazione_disponibile(self) -> Decimal:
        """Rule 2: what the design cap has left (negative if over)."""
        return self.tetto_progettazione - self.progettazione


def verifica_addebito(
    saldi: Sequence[SaldoTranche],
    nuovo: Addebito,
    *,
    tetto_progettazione: Decimal,
    riporto_residui: bool,
    precedente: Addebito | None = None,
) -> list[Violazione]:
    """Rules 2 and 3 for a new charge, or for an edited one (`precedente` is
    what the prestazione charged before the edit)."""
    base = applica(saldi, precedente, -1) if precedente else tuple(saldi)
    violazioni = []
    saldo = base[nuovo.tranche]
    disponibile = disponibili(base, riporto_residui)[nuovo.tranche]
    if nuovo.totale > disponibile:
        if nuovo.progettazione:
            cosa = _("la quota progettazione addebita %(totale)s") % {"totale": euro(nuovo.totale)}
        else:
            cosa = _(
                "la prestazione addebita %(totale)s (valore %(valore)s + quota amministrativa "
                "%(aliquota)s %(quota)s)"
            ) % {
                "totale": euro(nuovo.totale),
                "valore": euro(nuovo.valore),
                "aliquota": percentuale(nuovo.aliquota),
                "quota": euro(nuovo.quota),
            }
        residuo = max(disponibile, ZERO)
        massimo = residuo if nuovo.progettazione else valore_massimo(residuo, nuovo.aliquota)
        if riporto_residui:
            testo = _(
                "Capienza della tranche «%(tranche)s» superata: %(cosa)s, ma della tranche di "
                "%(importo)s restano disponibili, compresi i residui riportati, %(residuo)s. "
                "Valore massimo registrabile: %(massimo)s."
            )
        else:
            testo = _(
                "Capienza della tranche «%(tranche)s» superata: %(cosa)s, ma della tranche di "
                "%(importo)s restano disponibili %(residuo)s. Valore massimo registrabile: "
                "%(massimo)s."
            )
        violazioni.append(
            Violazione(
                "capienza_tranche",
                "importo",
                testo
                % {
                    "tranche": saldo.etichetta,
                    "cosa": cosa,
                    "importo": euro(saldo.importo),
                    "residuo": euro(residuo),
                    "massimo": euro(massimo),
                },
            )
        )
    if nuovo.progettazione:
        utilizzata = progettazione_utilizzata(base)
        if utilizzata + nuovo.valore > tetto_progettazione:
            residuo = max(tetto_progettazione - utilizzata, ZERO)
            violazioni.append(
                Violazione(
                    "tetto_progettazione",
                    "importo",
                    _(
                        "Tetto della quota progettazione superato: richiesti %(richiesti)s, ma "
                        "dei %(tetto)s previsti per l'intero accordo ne sono già utilizzati "
                        "%(utilizzati)s; restano %(residuo)s."
                    )
                    % {
                        "richiesti": euro(nuovo.valore),
                        "tetto": euro(tetto_progettazione),
                        "utilizzati": euro(utilizzata),
                        "residuo": euro(residuo),
                    },
                )
            )
    return violazioni


def verifica_saldi(
    saldi: Sequence[SaldoTranche], *, tetto_progettazione: Decimal, riporto_residui: bool
) -> list[Violazione]:
    """Rules 2 and 3 on a whole agreement: used when the Comune edits a
    tranche amount, the design cap or the carry-over switch."""
    violazioni = []
    for saldo, disponibile in zip(saldi, disponibili(saldi, riporto_residui), strict=True):
        if disponibile < 0:
            violazioni.append(
                Violazione(
                    "capienza_tranche",
                    None,
                    _(
                        "Capienza della tranche «%(tranche)s» superata: sono già addebitati "
                        "%(utilizzato)s su %(importo)s, %(oltre)s oltre il disponibile."
                    )
                    % {
                        "tranche": saldo.etichetta,
                        "utilizzato": euro(saldo.utilizzato),
                        "importo": euro(saldo.importo),
                        "oltre": euro(-disponibile),
                    },
                )
            )
    utilizzata = progettazione_utilizzata(saldi)
    if utilizzata > tetto_progettazione:
        violazioni.append(
            Violazione(
                "tetto_progettazione",
                "tetto_progettazione",
                _(
                    "Tetto della quota progettazione superato: sono già utilizzati "
                    "%(utilizzati)s, più del tetto di %(tetto)s."
                )
                % {"utilizzati": euro(utilizzata), "tetto": euro(tetto_progettazione)},
            )
        )
    return violazioni


def verifica_data(
    giorno: date,
    *,
    tranche: str,
    inizio_tranche: date,
    fine_tranche: date,
    inizio_accordo: date,
    fine_accordo: date,
) -> list[Violazione]:
    """Rule 4: a prestazione's date lies in its tranche and in the agreement."""
    violazioni = []
    if not inizio_accordo <= giorno <= fine_accordo:
        violazioni.append(
            Violazione(
                "date",
                "data",
                _("La data %(data)s è fuori dalla durata dell'accordo (%(dal)s - %(al)s).")
                % {
                    "data": data_it(giorno),
                    "dal": data_it(inizio_accordo),
                    "al": data_it(fine_accordo),
                },
            )
        )
    if not inizio_tranche <= giorno <= fine_tranche:
        violazioni.append(
            Violazione(
                "date",
                "data",
                _(
                    "La data %(data)s è fuori dal periodo della tranche «%(tranche)s» (%(dal)s - %(al)s)."
                )
                % {
                    "data": data_it(giorno),
                    "tranche": tranche,
                    "dal": data_it(inizio_tranche),
                    "al": data_it(fine_tranche),
                },
            )
        )
    return violazioni


def percentuale_di(parte: Decimal, totale: Decimal) -> Decimal:
    """`parte` as a percentage of `totale`, to one decimal, half up."""
    if not totale:
        return Decimal("0.0")
    return (parte * CENTO / totale).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# Forecast of a tranche at the end of its period (the dashboards' warning)

SOGLIA_RESIDUO = Decimal("90")  # % of the amount: a forecast below it flags money left unspent
GIORNI_MINIMI_PREVISIONE = 30  # a pace measured over fewer days says too little


class Esito:
    IN_LINEA = "in_linea"
    RESIDUO = "residuo"
    SFORAMENTO = "sforamento"


class Fase:
    FUTURA = "futura"
    IN_CORSO = "in_corso"
    CHIUSA = "chiusa"


@dataclass(frozen=True)
class Previsione:
    """What a tranche will have used at the end of its period.

    `scostamento` is the amount minus the forecast: above zero, money left
    unspent; below zero, spending beyond the amount at the current pace.
    `esito` is None when there is nothing to forecast yet.
    """

    fase: str
    esito: str | None
    utilizzato_previsto: Decimal | None
    scostamento: Decimal | None
    data_esaurimento: date | None
    messaggio: str

    @property
    def avviso(self) -> bool:
        return self.esito in (Esito.RESIDUO, Esito.SFORAMENTO)


def previsione_tranche(
    *, importo: Decimal, utilizzato: Decimal, inizio: date, fine: date, oggi: date
) -> Previsione:
    """Extrapolate the spending pace so far to the end of the tranche.

    The pace is what is used divided by the days elapsed from the start to
    `oggi`, both included; the forecast is that pace times the days of the
    whole period. Straight-line on purpose: a person can redo it by hand.

    - A future tranche (`oggi` before its start) has nothing to forecast.
    - A tranche whose period is over is forecast by its actual figure.
    - Fewer than GIORNI_MINIMI_PREVISIONE days into a period the pace says
      too little: no forecast, unless the tranche is already used up.
    - esito "sforamento": the forecast exceeds the amount. The rules refuse
      charges beyond the amount, so this means the tranche would run out
      before its end: `data_esaurimento` is the day the pace reaches it.
    - esito "residuo": the forecast is below SOGLIA_RESIDUO (90%) of the
      amount; the message says how much would be left.
    - esito "in linea": otherwise (90% included).

    The forecast uses the tranche's own amount: with carry-over of residuals
    what is left still moves to the next tranche, but the warning stands.
    """
    if oggi < inizio:
        return Previsione(
            Fase.FUTURA,
            None,
            None,
            None,
            None,
            _("La tranche inizia il %(dal)s: nessuna previsione.") % {"dal": data_it(inizio)},
        )
    if oggi > fine:
        return _previsione_chiusa(importo, utilizzato, fine)
    if utilizzato >= importo and oggi < fine:
        return Previsione(
            Fase.IN_CORSO,
            Esito.SFORAMENTO,
            utilizzato,
            importo - utilizzato,
            oggi,
            _(
                "La tranche è già interamente utilizzata: nessuna disponibilità fino alla fine "
                "del periodo (%(al)s)."
            )
            % {"al": data_it(fine)},
        )
    trascorsi = (oggi - inizio).days + 1
    totali = (fine - inizio).days + 1
    if trascorsi < min(GIORNI_MINIMI_PREVISIONE, totali):
        return Previsione(
            Fase.IN_CORSO,
            None,
            None,
            None,
            None,
            _(
                "Previsione non ancora disponibile: la tranche è iniziata il %(dal)s e il "
                "ritmo di spesa si valuta dopo %(giorni)s giorni."
            )
            % {"dal": data_it(inizio), "giorni": GIORNI_MINIMI_PREVISIONE},
        )
    esatto = utilizzato * totali / trascorsi
    previsto = arrotonda(esatto)
    scostamento = importo - previsto
    if esatto > importo:
        # The day the cumulative pace reaches the amount (day 1 = the start).
        giorni = math.ceil(importo * trascorsi / utilizzato)
        esaurimento = inizio + timedelta(days=giorni - 1)
        if esaurimento < fine:
            return Previsione(
                Fase.IN_CORSO,
                Esito.SFORAMENTO,
                previsto,
                scostamento,
                esaurimento,
                _(
                    "Al ritmo attuale la tranche si esaurirebbe il %(giorno)s, prima della fine "
                    "del periodo (%(al)s)."
                )
                % {"giorno": data_it(esaurimento), "al": data_it(fine)},
            )
    if esatto * CENTO < SOGLIA_RESIDUO * importo:
        return Previsione(
            Fase.IN_CORSO,
            Esito.RESIDUO,
            previsto,
            scostamento,
            None,
            _(
                "Al ritmo attuale al %(al)s resterebbero non spesi circa %(importo)s "
                "(%(percentuale)s della tranche)."
            )
            % {
                "al": data_it(fine),
                "importo": euro(scostamento),
                "percentuale": percentuale(percentuale_di(scostamento, importo)),
            },
        )
    return Previsione(
        Fase.IN_CORSO,
        Esito.IN_LINEA,
        previsto,
        scostamento,
        None,
        _(
            "Al ritmo attuale al %(al)s si utilizzerebbero circa %(importo)s "
            "(%(percentuale)s della tranche)."
        )
        % {
            "al": data_it(fine),
            "importo": euro(min(previsto, importo)),
            "percentuale": percentuale(percentuale_di(min(previsto, importo), importo)),
        },
    )


def _previsione_chiusa(importo: Decimal, utilizzato: Decimal, fine: date) -> Previsione:
    scostamento = importo - utilizzato
    if scostamento < 0:
        esito = Esito.SFORAMENTO
        messaggio = _("Chiusa il %(al)s oltre l'importo di %(oltre)s.") % {
            "al": data_it(fine),
            "oltre": euro(-scostamento),
        }
    elif scostamento == 0:
        esito = Esito.IN_LINEA
        messaggio = _("Chiusa il %(al)s: importo interamente utilizzato.") % {"al": data_it(fine)}
    else:
        esito = Esito.RESIDUO if utilizzato * CENTO < SOGLIA_RESIDUO * importo else Esito.IN_LINEA
        messaggio = _(
            "Chiusa il %(al)s con %(importo)s non spesi (%(percentuale)s della tranche)."
        ) % {
            "al": data_it(fine),
            "importo": euro(scostamento),
            "percentuale": percentuale(percentuale_di(scostamento, importo)),
        }
    return Previsione(Fase.CHIUSA, esito, utilizzato, scostamento, None, messaggio)
