"""The dashboard's monthly spending chart, as SVG markup.

Like rendicontazione.grafici (whose colours it shares): a pure function
from figures to a string, no JavaScript, no external service. It draws the
amounts it is given and adds none up; every amount it prints is formatted
with core.formati.euro.
"""

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_CEILING, Decimal
from xml.sax.saxutils import escape, quoteattr

from core.formati import euro
from rendicontazione.grafici import (
    COLORE_BORDO,
    COLORE_TESTO,
    COLORE_TESTO_SECONDARIO,
    COLORE_UTILIZZATO,
    FONT,
)

MESI = ("gen", "feb", "mar", "apr", "mag", "giu", "lug", "ago", "set", "ott", "nov", "dic")
MESI_ESTESI = (
    "gennaio",
    "febbraio",
    "marzo",
    "aprile",
    "maggio",
    "giugno",
    "luglio",
    "agosto",
    "settembre",
    "ottobre",
    "novembre",
    "dicembre",
)
COLORE_GRIGLIA = "#DCE3EA"

# A narrow drawing: on a phone it shrinks less, so its text stays legible.
LARGHEZZA = 400
ALTEZZA = 230
MARGINE_SINISTRO = 86  # the y-axis labels, e.g. "€ 10.000,00"
MARGINE_DESTRO = 4
MARGINE_ALTO = 10
MARGINE_BASSO = 38  # month and year labels
LARGHEZZA_MINIMA_ETICHETTA = 28  # below this slot width only some months are labelled
LARGHEZZA_ANNO = 40  # room a year label needs before the next one
TACCHE = 4  # about this many steps on the y axis

Mese = tuple[date, Decimal]


def _numero(valore: float) -> str:
    """An SVG coordinate: two decimals at most, no trailing zeros."""
    testo = f"{valore:.2f}".rstrip("0").rstrip(".")
    return testo or "0"


def passo_asse(massimo: Decimal) -> Decimal:
    """A round step (1, 2, 2,5 or 5 times a power of ten) giving about
    TACCHE steps up to `massimo`."""
    if massimo <= 0:
        return Decimal(1)
    grezzo = massimo / TACCHE
    potenza = Decimal(1).scaleb(grezzo.adjusted())
    for multiplo in ("1", "2", "2.5", "5", "10"):
        passo = Decimal(multiplo) * potenza
        if passo >= grezzo:
            return passo
    return 10 * potenza  # pragma: no cover - the loop always ends at 10


def istogramma_mensile(
    serie: Iterable[Mese],
    *,
    titolo: str,
    ident: str = "grafico-mensile",
) -> str:
    """Vertical bars, one per month (first day of the month, amount).

    The y axis starts at zero and ends at the first round step at or above
    the largest month. `ident` keeps the ids unique when a page shows
    several charts.
    """
    serie = [(mese, Decimal(importo)) for mese, importo in serie]
    massimo = max((importo for _, importo in serie), default=Decimal(0))
    passo = passo_asse(massimo)
    cima = (
        (massimo / passo).to_integral_value(rounding=ROUND_CEILING) * passo
        if massimo > 0
        else passo
    )
    area_x = LARGHEZZA - MARGINE_SINISTRO - MARGINE_DESTRO
    area_y = ALTEZZA - MARGINE_ALTO - MARGINE_BASSO
    base = MARGINE_ALTO + area_y

    def y(valore: Decimal) -> float:
        return base - float(valore / cima) * area_y

    id_titolo, id_desc = f"{ident}-titolo", f"{ident}-desc"
    descrizione = (
        "; ".join(f"{MESI_ESTESI[m.month - 1]} {m.year}: {euro(v)}" for m, v in serie) + "."
        if serie
        else "Nessun mese da mostrare."
    )
    parti = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {LARGHEZZA} {ALTEZZA}" width="100%" '
        f'aria-labelledby="{id_titolo} {id_desc}" font-family={quoteattr(FONT)} '
        f'font-size="13" fill="{COLORE_TESTO}">',
        f'<title id="{id_titolo}">{escape(titolo)}</title>',
        f'<desc id="{id_desc}">{escape(descrizione)}</desc>',
    ]

    # The y axis: a grid line and an amount at each step.
    parti.append(f'<g class="asse-y" fill="{COLORE_TESTO_SECONDARIO}" text-anchor="end">')
    valore = Decimal(0)
    while valore <= cima:
        riga = _numero(y(valore))
        parti.append(
            f'<line x1="{MARGINE_SINISTRO}" y1="{riga}" x2="{LARGHEZZA - MARGINE_DESTRO}" '
            f'y2="{riga}" stroke="{COLORE_BORDO if valore == 0 else COLORE_GRIGLIA}" '
            f'stroke-width="{1 if valore == 0 else 0.75}"/>'
        )
        parti.append(
            f'<text x="{MARGINE_SINISTRO - 6}" y="{_numero(y(valore) + 4)}">'
            f"{escape(euro(valore))}</text>"
        )
        valore += passo
    parti.append("</g>")

    # The bars, each with its month and amount as a tooltip.
    spazio = area_x / len(serie) if serie else area_x
    larghezza_barra = spazio * 0.7
    parti.append('<g class="barre">')
    for indice, (mese, importo) in enumerate(serie):
        if importo > 0:
            x = MARGINE_SINISTRO + indice * spazio + (spazio - larghezza_barra) / 2
            alto = y(importo)
            etichetta = f"{MESI_ESTESI[mese.month - 1]} {mese.year}: {euro(importo)}"
            parti.append(
                f'<rect class="mese" x="{_numero(x)}" y="{_numero(alto)}" '
                f'width="{_numero(larghezza_barra)}" height="{_numero(base - alto)}" '
                f'fill="{COLORE_UTILIZZATO}"><title>{escape(etichetta)}</title></rect>'
            )
    parti.append("</g>")
    parti.extend(_asse_mesi([mese for mese, _ in serie], spazio, base))
    parti.append("</svg>")
    return "".join(parti)


def _asse_mesi(mesi: list[date], spazio: float, base: float) -> list[str]:
    """Month labels under the bars, the year under each January and at the
    start of the first month. When the months are too narrow for every label, every
    2nd, 3rd, ... month is labelled, counted from January so the labels
    fall on the same months every year."""
    ogni = next((n for n in (1, 2, 3, 4, 6) if n * spazio >= LARGHEZZA_MINIMA_ETICHETTA), 12)
    parti = [f'<g class="asse-x" text-anchor="middle" fill="{COLORE_TESTO_SECONDARIO}">']
    for indice, mese in enumerate(mesi):
        centro = _numero(MARGINE_SINISTRO + indice * spazio + spazio / 2)
        if (mese.month - 1) % ogni == 0:
            parti.append(
                f'<text x="{centro}" y="{_numero(base + 16)}">{MESI[mese.month - 1]}</text>'
            )
        anno = f'font-weight="600" fill="{COLORE_TESTO}">{mese.year}</text>'
        if mese.month == 1:
            parti.append(f'<text x="{centro}" y="{_numero(base + 32)}" {anno}')
        elif indice == 0 and (13 - mese.month) * spazio >= LARGHEZZA_ANNO:
            # The first year starts at the first bar, unless the next
            # January's year would overlap it.
            parti.append(
                f'<text x="{_numero(MARGINE_SINISTRO)}" y="{_numero(base + 32)}" '
                f'text-anchor="start" {anno}'
            )
    parti.append("</g>")
    return parti
