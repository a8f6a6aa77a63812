"""The report as a PDF for the Comune's files (WeasyPrint, A4).

A view of the one summary like the web page and the Excel workbook: the
template only lays out and formats the figures of `Riepilogo`, and this
module only gathers what the template needs, so the three never disagree.
"""

import base64
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlparse

import bootstrap_italia_template
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from core.formati import data_it
from laboratori.selectors import SOGLIA_FIDELIZZAZIONE
from rendicontazione import grafici
from rendicontazione.models import StatoRendiconto
from rendicontazione.riepilogo import Narrativa, Riepilogo

# The Bootstrap Italia typeface, shipped with design-django-theme, so the PDF
# looks like the web pages and does not depend on the fonts of the server.
CARTELLA_FONT = (
    Path(bootstrap_italia_template.__file__).resolve().parent / "static" / "fonts" / "Titillium_Web"
)

# A report that can still change is marked as a draft on every page. Callers
# pass the label ("Bozza"); the stored value ("bozza") is recognised too.
STATI_NON_INVIATI = {
    testo.casefold()
    for stato in (StatoRendiconto.BOZZA, StatoRendiconto.DA_INTEGRARE)
    for testo in (stato.value, str(stato.label))
}


class FetcherLocale(URLFetcher):
    """Refuse everything but inline data and the bundled fonts: rendering a
    report never reaches the network or reads other files of the server."""

    def __init__(self):
        super().__init__(allowed_protocols={"data", "file"})

    def fetch(self, url, headers=None):
        if url.startswith("file:"):
            percorso = Path(unquote(urlparse(url).path)).resolve()
            if not percorso.is_relative_to(CARTELLA_FONT):
                raise ValueError(f"Risorsa non consentita nel PDF: {url}")
        return super().fetch(url, headers)


@cache
def _font() -> dict[str, str]:
    """file:// URLs of the Titillium Web files by weight and style; empty
    when the package does not ship them (the PDF then uses Liberation Sans)."""
    nomi = {
        "regular": "regular",
        "italic": "italic",
        "semibold": "600",
        "bold": "700",
        "bold_italic": "700italic",
    }
    font = {}
    for chiave, nome in nomi.items():
        percorso = CARTELLA_FONT / f"titillium-web-v10-latin-ext_latin-{nome}.ttf"
        if percorso.is_file():
            font[chiave] = percorso.as_uri()
    return font if len(font) == len(nomi) else {}


def grafico_budget(riassunto: Riepilogo) -> str:
    """The bar chart of each tranche and of the design cap, up to `al`."""
    righe = [
        (f"Tranche {t.etichetta}", t.utilizzato, t.disponibile)
        for t in riassunto.spesa_cumulata.tranche
    ]
    righe.append(
        (
            "Tetto quota progettazione",
            riassunto.progettazione.utilizzato,
            riassunto.progettazione.disponibile,
        )
    )
    return grafici.barre_budget(
        righe, titolo=f"Budget utilizzato e disponibile al {data_it(riassunto.al)}"
    )


def html_rendiconto(riassunto: Riepilogo, *, narrativa: Narrativa, tipo: str, stato: str) -> str:
    svg = grafico_budget(riassunto)
    ripartizione = riassunto.attivita_periodo.totale.ripartizione
    contesto = {
        "r": riassunto,
        "i": riassunto.intestazione,
        "narrativa": narrativa,
        "tipo": tipo,
        "stato": stato,
        "bozza": str(stato).casefold() in STATI_NON_INVIATI,
        "font": _font(),
        "soglia_fidelizzazione": SOGLIA_FIDELIZZAZIONE,
        "relazione": [
            ("Attività svolte", narrativa.attivita_svolte),
            ("Risultati", narrativa.risultati),
            ("Criticità", narrativa.criticita),
            ("Prospettive", narrativa.prospettive),
        ],
        "ripartizioni": [
            ("Fascia d'età", ripartizione.fascia_eta),
            ("Genere", ripartizione.genere),
            ("Servizio inviante", ripartizione.servizio_inviante),
        ],
        "grafico_uri": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
    }
    return render_to_string("pdf/rendiconto.html", contesto)


def pdf_rendiconto(riassunto: Riepilogo, *, narrativa: Narrativa, tipo: str, stato: str) -> bytes:
    """Render the report; `tipo` and `stato` are the labels to print
    ("Periodico", "Inviato"). Title and author go into the PDF's metadata
    from the template's <title> and <meta name="author">."""
    html = html_rendiconto(riassunto, narrativa=narrativa, tipo=tipo, stato=stato)
    return HTML(
        string=html, base_url=CARTELLA_FONT.as_uri(), url_fetcher=FetcherLocale()
    ).write_pdf()
