"""Charts as SVG markup: no JavaScript, no external service.

Pure functions from figures to a string, so the PDF embeds the same chart
the web dashboard can show. The charts draw figures they are given and
compute none of their own: every amount they print comes from the caller,
formatted with core.formati like everywhere else.
"""

from collections.abc import Iterable
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from core.formati import euro

# Bootstrap Italia primary for what is used, a light grey with a darker
# outline for what is left (visible on paper too), the danger red for spending
# beyond the amount. Text is always dark on white: it never sits on a bar.
COLORE_UTILIZZATO = "#0066CC"
COLORE_DISPONIBILE = "#DCE3EA"
COLORE_BORDO = "#5D7083"
COLORE_ECCEDENZA = "#CC334D"
COLORE_TESTO = "#17324D"
COLORE_TESTO_SECONDARIO = "#455B71"
FONT = "'Titillium Web', 'Liberation Sans', Arial, sans-serif"

LARGHEZZA = 640
MARGINE = 4
ALTEZZA_LEGENDA = 38  # the legend and the first label line
ALTEZZA_RIGA = 48  # label line, bar and the gap before the next row
ALTEZZA_BARRA = 18
SCARTO_BARRA = 8  # from a label's baseline to the top of its bar

Riga = tuple[str, Decimal, Decimal]


def _numero(valore: float) -> str:
    """An SVG coordinate: two decimals at most, no trailing zeros."""
    testo = f"{valore:.2f}".rstrip("0").rstrip(".")
    return testo or "0"


def _rettangolo(classe: str, x: float, y: float, larghezza: float, colore: str) -> str:
    return (
        f'<rect class="{classe}" x="{_numero(x)}" y="{_numero(y)}" '
        f'width="{_numero(larghezza)}" height="{ALTEZZA_BARRA}" fill="{colore}"/>'
    )


def _testo(x: float, y: float, contenuto: str) -> str:
    return f'<text x="{_numero(x)}" y="{_numero(y)}">{escape(contenuto)}</text>'


def _descrizione(etichetta: str, utilizzato: Decimal, disponibile: Decimal) -> str:
    if disponibile < 0:
        return (
            f"{etichetta}: utilizzato {euro(utilizzato)}, oltre il disponibile di "
            f"{euro(-disponibile)}."
        )
    return f"{etichetta}: utilizzato {euro(utilizzato)}, disponibile {euro(disponibile)}."


def barre_budget(
    righe: Iterable[Riga],
    *,
    titolo: str = "Budget utilizzato e disponibile",
    ident: str = "grafico-budget",
) -> str:
    """Horizontal stacked bars, one per row (etichetta, utilizzato, disponibile).

    Every bar is drawn on the same scale, the largest amount filling the
    width, so bars of different amounts compare at a glance. A negative
    `disponibile` (spending beyond the amount, which the rules should never
    allow) is drawn in red past the end of the amount; rows of zero draw an
    empty outline. `ident` keeps the ids unique when a page shows several
    charts.
    """
    righe = [(str(e), Decimal(u), Decimal(d)) for e, u, d in righe]
    eccedenze = any(d < 0 for _, _, d in righe)
    # The length of a bar is what the row holds: used plus left, or only the
    # used amount when it went beyond.
    scala = max((u + max(d, Decimal(0)) for _, u, d in righe), default=Decimal(0))
    area = LARGHEZZA - 2 * MARGINE

    def lunghezza(valore: Decimal) -> float:
        return max(float(valore / scala) * area, 0.0) if scala > 0 else 0.0

    # Down to the last bar's bottom edge (or the legend alone when no rows).
    altezza = (
        ALTEZZA_LEGENDA + ALTEZZA_RIGA * (len(righe) - 1) + SCARTO_BARRA + ALTEZZA_BARRA + MARGINE
        if righe
        else ALTEZZA_LEGENDA
    )
    id_titolo, id_desc = f"{ident}-titolo", f"{ident}-desc"
    descrizione = " ".join(_descrizione(e, u, d) for e, u, d in righe) or "Nessun dato."

    parti = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {LARGHEZZA} {altezza}" width="{LARGHEZZA}" height="{altezza}" '
        f'aria-labelledby="{id_titolo} {id_desc}" font-family={quoteattr(FONT)} '
        f'font-size="12" fill="{COLORE_TESTO}">',
        f'<title id="{id_titolo}">{escape(titolo)}</title>',
        f'<desc id="{id_desc}">{escape(descrizione)}</desc>',
    ]

    # Legend: a swatch and a word for each colour in use.
    voci = [("Utilizzato", COLORE_UTILIZZATO), ("Disponibile", COLORE_DISPONIBILE)]
    if eccedenze:
        voci.append(("Oltre il disponibile", COLORE_ECCEDENZA))
    x = MARGINE
    parti.append('<g class="legenda">')
    for nome, colore in voci:
        parti.append(
            f'<rect x="{x}" y="4" width="14" height="14" fill="{colore}" '
            f'stroke="{COLORE_BORDO}" stroke-width="0.75"/>'
        )
        parti.append(_testo(x + 20, 16, nome))
        x += 20 + 7 * len(nome) + 28
    parti.append("</g>")

    for indice, (etichetta, utilizzato, disponibile) in enumerate(righe):
        y = ALTEZZA_LEGENDA + indice * ALTEZZA_RIGA
        y_barra = y + SCARTO_BARRA
        parti.append('<g class="riga">')
        # The label and its figures on one line above the bar, dark on white.
        if disponibile < 0:
            resto = (f"oltre il disponibile {euro(-disponibile)}", COLORE_ECCEDENZA)
        else:
            resto = (f"disponibile {euro(disponibile)}", COLORE_TESTO_SECONDARIO)
        parti.append(
            f'<text x="{MARGINE}" y="{y}">'
            f'<tspan font-weight="600">{escape(etichetta)}</tspan>'
            f'<tspan fill="{COLORE_TESTO_SECONDARIO}"> – utilizzato {escape(euro(utilizzato))}'
            f"</tspan>"
            f'<tspan fill="{resto[1]}">, {escape(resto[0])}</tspan></text>'
        )
        if disponibile < 0:
            entro = lunghezza(utilizzato + disponibile)
            segmenti = [
                ("utilizzato", entro, COLORE_UTILIZZATO),
                ("eccedenza", lunghezza(-disponibile), COLORE_ECCEDENZA),
            ]
        else:
            segmenti = [
                ("utilizzato", lunghezza(utilizzato), COLORE_UTILIZZATO),
                ("disponibile", lunghezza(disponibile), COLORE_DISPONIBILE),
            ]
        x = MARGINE
        for classe, larghezza, colore in segmenti:
            parti.append(_rettangolo(classe, x, y_barra, larghezza, colore))
            x += larghezza
        # The outline shows where the bar ends, and that a zero row is empty.
        parti.append(
            f'<rect class="contorno" x="{MARGINE}" y="{_numero(y_barra)}" '
            f'width="{_numero(max(x - MARGINE, 1.0))}" height="{ALTEZZA_BARRA}" fill="none" '
            f'stroke="{COLORE_BORDO}" stroke-width="0.75"/>'
        )
        parti.append("</g>")

    parti.append("</svg>")
    return "".join(parti)
