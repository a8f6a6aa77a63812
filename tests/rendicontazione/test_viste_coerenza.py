"""The report page, the PDF and the workbook are three views of one result:
for a submitted report each shows the key figures of the frozen summary,
formatted by the same function (core.formati.euro) on paper and on screen,
and as the same numbers in the spreadsheet, where totals are SUM formulas.
"""

import html
import io
import re
from datetime import date, time
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries
from pypdf import PdfReader

from core.formati import euro
from laboratori import services as lab_services
from laboratori.models import Laboratorio, Sessione, TipoLaboratorio
from rendicontazione import services
from rendicontazione.models import Rendiconto
from rendicontazione.riepilogo import Riepilogo

DAL, AL = date(2024, 9, 1), date(2024, 12, 31)
CENTESIMO = Decimal("0.01")
SOMMA = re.compile(r"^=SUM\(([A-Z]+[0-9]+:[A-Z]+[0-9]+)\)$")


@pytest.fixture
def rendiconto_inviato(
    accordo, tranche_2024, tranche_2025, crea_prestazione, cooperativa_a, utente_consorzio
) -> Rendiconto:
    """A submitted report over a period with every kind of spending, design
    work, a laboratory session, and spending outside the period on both
    sides (before it nothing: the agreement starts with it; after it, 2025)."""
    crea_prestazione(tranche_2024, "1234.56", data=date(2024, 9, 23), descrizione="Educatori")
    crea_prestazione(tranche_2024, "612.40", tipo="beni_consumo", data=date(2024, 10, 4))
    crea_prestazione(tranche_2024, "980.00", tipo="personale_esterno", data=date(2024, 10, 15))
    crea_prestazione(tranche_2024, "540.00", tipo="beneficiari", data=date(2024, 12, 6))
    crea_prestazione(
        tranche_2024, "1200.00", tipo="progettazione", fornitore=None, data=date(2024, 9, 10)
    )
    crea_prestazione(tranche_2025, "2350.00", data=date(2025, 2, 12))
    crea_prestazione(
        tranche_2025, "1500.00", tipo="progettazione", fornitore=None, data=date(2025, 1, 20)
    )
    laboratorio = lab_services.laboratorio_salva(
        laboratorio=Laboratorio(
            accordo=accordo,
            titolo="Falegnameria creativa",
            tipo=TipoLaboratorio.FALEGNAMERIA,
            cooperativa=cooperativa_a,
            luogo="Via del Sale 40, Cremona",
            data_inizio=date(2024, 10, 1),
            data_fine=date(2025, 6, 30),
            sessioni_previste=10,
            ore_previste=Decimal("20"),
        )
    )
    ragazzo = lab_services.partecipante_crea(
        laboratorio=laboratorio,
        fascia_eta="14_15",
        genere="F",
        livello_scolastico="secondaria_2",
        servizio_inviante="scuola",
    )
    lab_services.sessione_salva(
        sessione=Sessione(
            laboratorio=laboratorio,
            data=date(2024, 11, 12),
            ora_inizio=time(14, 30),
            ora_fine=time(17, 0),
            numero_educatori=1,
            ore_educatori=Decimal("2.5"),
        ),
        presenti=[ragazzo],
    )
    rendiconto = services.rendiconto_salva(
        rendiconto=Rendiconto(
            accordo=accordo, dal=DAL, al=AL, attivita_svolte="Avvio dei laboratori."
        ),
        utente=utente_consorzio,
    )
    services.invia(rendiconto=rendiconto, utente=utente_consorzio)
    return rendiconto


def cifre_chiave(r: Riepilogo) -> dict[str, Decimal]:
    cifre = {
        "spesa totale del periodo": r.spesa_periodo.totale,
        "quote amministrative del periodo": r.spesa_periodo.quote,
        "quota progettazione utilizzata": r.progettazione.utilizzato,
        "quota progettazione disponibile": r.progettazione.disponibile,
    }
    for t in r.spesa_cumulata.tranche:
        cifre[f"tranche {t.etichetta} utilizzato"] = t.utilizzato
        cifre[f"tranche {t.etichetta} disponibile"] = t.disponibile
    return cifre


def senza_spazi(testo: str) -> str:
    # PDF text extraction may drop or change the space after the euro sign.
    return re.sub(r"\s+", "", testo.replace("\u00a0", " "))


def test_key_figures_are_not_trivial(rendiconto_inviato):
    r = Riepilogo.from_json(rendiconto_inviato.invii.get().riepilogo)
    cifre = cifre_chiave(r)
    # 1234,56+612,40+980+540 = 3366,96; fees 3% each = 101,01; design 1200.
    assert cifre["spesa totale del periodo"] == Decimal("4667.97")
    assert cifre["quote amministrative del periodo"] == Decimal("101.01")
    assert cifre["quota progettazione utilizzata"] == Decimal("1200.00")
    assert cifre["tranche 2024 disponibile"] == Decimal("8332.03")
    # 2025 spending lies after the period: not in the figures up to 31/12/2024.
    assert cifre["tranche 2025 utilizzato"] == Decimal("0.00")


def test_page_pdf_and_workbook_show_the_same_figures(rendiconto_inviato, utente_comune):
    riassunto = Riepilogo.from_json(rendiconto_inviato.invii.get().riepilogo)
    cifre = cifre_chiave(riassunto)
    client = Client()
    client.force_login(utente_comune)

    pagina = html.unescape(
        client.get(
            reverse("rendicontazione:dettaglio", args=[rendiconto_inviato.pk])
        ).content.decode()
    )
    for nome, valore in cifre.items():
        assert euro(valore) in pagina, f"pagina: {nome} {euro(valore)}"

    risposta = client.get(reverse("rendicontazione:pdf", args=[rendiconto_inviato.pk]))
    lettore = PdfReader(io.BytesIO(b"".join(risposta.streaming_content)))
    testo_pdf = senza_spazi("\n".join(p.extract_text() for p in lettore.pages))
    for nome, valore in cifre.items():
        assert senza_spazi(euro(valore)) in testo_pdf, f"PDF: {nome} {euro(valore)}"

    risposta = client.get(reverse("rendicontazione:xlsx", args=[rendiconto_inviato.pk]))
    libro = Libro(risposta.content)
    assert cifre_del_libro(libro, riassunto) == cifre


class Libro:
    """The workbook with its SUM formulas evaluated over the cells they name."""

    def __init__(self, contenuto: bytes) -> None:
        self.wb = load_workbook(io.BytesIO(contenuto))

    def valore(self, foglio: str, cella: str):
        dato = self.wb[foglio][cella].value
        if isinstance(dato, str) and dato.startswith("="):
            somma = SOMMA.match(dato)
            assert somma, f"formula inattesa in {foglio}!{cella}: {dato}"
            return self.somma(foglio, somma.group(1))
        return dato

    def somma(self, foglio: str, intervallo: str) -> Decimal:
        colonna_min, riga_min, colonna_max, riga_max = range_boundaries(intervallo)
        totale = Decimal(0)
        for riga in self.wb[foglio].iter_rows(
            min_row=riga_min, max_row=riga_max, min_col=colonna_min, max_col=colonna_max
        ):
            for cella in riga:
                valore = self.valore(foglio, cella.coordinate)
                totale += Decimal(str(valore or 0))
        return totale

    def righe(self, foglio: str):
        """(row number, first-column text) of every row of the sheet."""
        for (cella,) in self.wb[foglio].iter_rows(min_col=1, max_col=1):
            yield cella.row, cella.value if isinstance(cella.value, str) else ""

    def euro(self, foglio: str, cella: str) -> Decimal:
        return Decimal(str(self.valore(foglio, cella))).quantize(CENTESIMO)


def cifre_del_libro(libro: Libro, r: Riepilogo) -> dict[str, Decimal]:
    """Read the key figures from the Riepilogo sheet by their labels."""
    righe = list(libro.righe("Riepilogo"))
    sezione = ""
    cifre: dict[str, Decimal] = {}
    etichette_tranche = {t.etichetta for t in r.spesa_cumulata.tranche}
    for numero, etichetta in righe:
        if etichetta.startswith("Spesa per tranche, dall'inizio"):
            sezione = "cumulata"
        elif etichetta.startswith("Spesa del periodo") and etichetta.endswith("per tranche"):
            sezione = "periodo"
        elif etichetta == "Spesa del periodo, per tipo":
            sezione = "tipi"
        elif etichetta == "Quota progettazione":
            sezione = "progettazione"
        elif sezione == "cumulata" and etichetta in etichette_tranche:
            # Tranche, Importo, Prestazioni, Quote, Progettazione, Utilizzato, Disponibile
            cifre[f"tranche {etichetta} utilizzato"] = libro.euro("Riepilogo", f"F{numero}")
            cifre[f"tranche {etichetta} disponibile"] = libro.euro("Riepilogo", f"G{numero}")
        elif sezione == "periodo" and etichetta == "Totale":
            # Tranche, Prestazioni, Quote amministrative, Quota progettazione, Totale
            cifre["quote amministrative del periodo"] = libro.euro("Riepilogo", f"C{numero}")
            cifre["spesa totale del periodo"] = libro.euro("Riepilogo", f"E{numero}")
        elif sezione == "progettazione" and etichetta.startswith("Utilizzata al"):
            cifre["quota progettazione utilizzata"] = libro.euro("Riepilogo", f"B{numero}")
        elif sezione == "progettazione" and etichetta == "Disponibile":
            cifre["quota progettazione disponibile"] = libro.euro("Riepilogo", f"B{numero}")

    # The Prestazioni sheet's totals agree with the summary too.
    ultima = max(n for n, etichetta in libro.righe("Prestazioni") if etichetta == "Totale")
    assert libro.euro("Prestazioni", f"J{ultima}") == r.spesa_periodo.quote
    assert libro.euro("Prestazioni", f"K{ultima}") == r.spesa_periodo.totale
    return cifre
