"""rendicontazione.pdf: the printed report, read back with pypdf.

The PDF is a view of the one summary: every figure asserted here is the
summary's own, formatted with core.formati, so the PDF and the page carry
the same totals. A few figures are also computed by hand in the comments.
"""

import io
import shutil
import subprocess
import time
from datetime import date, timedelta
from datetime import time as ora
from decimal import Decimal

import pytest
from PIL import Image, ImageOps
from pypdf import PdfReader

from budget import rules
from budget.models import Prestazione, TipoPrestazione
from core.formati import data_it, euro
from laboratori import services as lab_services
from laboratori.models import Laboratorio, Sessione, TipoLaboratorio
from rendicontazione import pdf as modulo_pdf
from rendicontazione.pdf import FetcherLocale, pdf_rendiconto
from rendicontazione.riepilogo import Narrativa, riepilogo

D = Decimal
DAL, AL = date(2024, 9, 1), date(2024, 12, 31)

NARRATIVA = Narrativa(
    attivita_svolte=(
        "Avviati il doposcuola e la ciclofficina al Civico 81.\n"
        "Le sessioni si sono svolte con regolarità, salvo le festività."
    ),
    risultati="Frequenza regolare della maggior parte dei ragazzi segnalati dai servizi.",
    # User text is escaped: markup in it is printed, never fetched.
    criticita='Spazi ridotti <img src="https://esempio.invalid/traccia.png"> nei mesi freddi.',
    prospettive="",
)


def leggi(pdf: bytes) -> tuple[PdfReader, list[str]]:
    lettore = PdfReader(io.BytesIO(pdf))
    return lettore, [" ".join(pagina.extract_text().split()) for pagina in lettore.pages]


@pytest.fixture
def dati(accordo, tranche_2024, cooperativa_a, crea_prestazione):
    """One laboratory with three sessions in the period, and five prestazioni:
    four in the period (one of them design work), one before it would be
    outside the agreement, so all are in the period and in the cumulative."""
    lab = lab_services.laboratorio_salva(
        laboratorio=Laboratorio(
            accordo=accordo,
            titolo="Ciclofficina Civico 81",
            tipo=TipoLaboratorio.CICLOFFICINA,
            cooperativa=cooperativa_a,
            luogo="Civico 81, Cremona",
            data_inizio=date(2024, 9, 16),
            data_fine=date(2025, 6, 30),
            sessioni_previste=30,
        ),
        obiettivi=[accordo.obiettivi.get(numero=3)],
    )
    ragazzi = [
        lab_services.partecipante_crea(
            laboratorio=lab,
            fascia_eta=fascia,
            genere=genere,
            livello_scolastico="secondaria_1",
            servizio_inviante="scuola",
        )
        for fascia, genere in (("11_13", "M"), ("11_13", "F"), ("14_15", "M"))
    ]
    for giorno, presenti in (
        (date(2024, 10, 2), ragazzi),
        (date(2024, 10, 9), ragazzi[:2]),
        (date(2024, 11, 6), ragazzi[:1]),
    ):
        lab_services.sessione_salva(
            sessione=Sessione(
                laboratorio=lab,
                data=giorno,
                ora_inizio=ora(15, 0),
                ora_fine=ora(17, 30),
                numero_educatori=2,
                ore_educatori=D("5.00"),
                volontari=1,
                ore_volontari=D("2.50"),
            ),
            presenti=presenti,
        )
    # 1.000,00 + 30,00; 234,56 + 7,04; 612,40 + 18,37; design 800,00 + 0.
    crea_prestazione(
        tranche_2024,
        "1000.00",
        data=date(2024, 10, 10),
        descrizione="Educatori della ciclofficina (ottobre)",
        laboratorio=lab,
        numero_documento="2024/12",
    )
    crea_prestazione(
        tranche_2024,
        "234.56",
        tipo="beni_consumo",
        data=date(2024, 11, 4),
        descrizione="Camere d'aria, copertoni & attrezzi «Bici Sicura» <kit>",
    )
    crea_prestazione(
        tranche_2024,
        "612.40",
        tipo="beni_consumo",
        data=date(2024, 12, 2),
        descrizione=(
            "Legname, colle e minuteria per il laboratorio di falegnameria e per la "
            "manutenzione delle biciclette donate dal quartiere Cambonino"
        ),
    )
    crea_prestazione(
        tranche_2024,
        "800.00",
        tipo="progettazione",
        fornitore=None,
        data=date(2024, 9, 20),
        descrizione="Tavoli di co-progettazione con il Servizio Tutela Minori",
    )
    return riepilogo(accordo, DAL, AL)


def test_pdf_text_carries_the_summary(dati, monkeypatch):
    richieste = []
    originale = FetcherLocale.fetch

    def registra(self, url, headers=None):
        richieste.append(url)
        return originale(self, url, headers)

    monkeypatch.setattr(FetcherLocale, "fetch", registra)
    pdf = pdf_rendiconto(dati, narrativa=NARRATIVA, tipo="Periodico", stato="Inviato")
    lettore, pagine = leggi(pdf)
    testo = " ".join(pagine)
    i = dati.intestazione

    assert lettore.metadata.title.startswith("Rendiconto periodico dal 01/09/2024 al 31/12/2024")
    assert lettore.metadata.author == i.ente_partner
    assert "Comune di Cremona - Settore Politiche Sociali" in pagine[0]
    assert i.ente_partner in pagine[0]
    assert "senza numero di protocollo" in pagine[0]
    assert "Rendiconto periodico dal 01/09/2024 al 31/12/2024" in pagine[0]
    assert "Stato Inviato" in pagine[0]
    assert "BOZZA" not in testo
    for numero, pagina in enumerate(pagine, start=1):
        assert f"Pagina {numero} di {len(pagine)}" in pagina

    # Money: by tranche (cumulative up to `al`), the period, the design cap.
    for t in dati.spesa_cumulata.tranche:
        assert euro(t.utilizzato) in testo
        assert euro(t.disponibile) in testo
    spesa = dati.spesa_periodo
    # 1.000,00 + 234,56 + 612,40 = 1.846,96; fees 30,00 + 7,04 + 18,37 = 55,41;
    # with the design work 800,00: 2.702,37.
    assert (spesa.valore, spesa.quote, spesa.totale) == (D("1846.96"), D("55.41"), D("2702.37"))
    for cifra in (spesa.valore, spesa.quote, spesa.progettazione, spesa.totale):
        assert euro(cifra) in testo
    assert "Totale del periodo: 4 prestazioni" in testo
    assert f"{euro(spesa.quote)} {euro(spesa.totale)}" in testo  # the list's totals row
    p = dati.progettazione
    assert f"{euro(p.tetto)} {euro(p.utilizzato_periodo)} {euro(p.utilizzato)} " in testo
    assert euro(p.disponibile) in testo  # 6.000,00 - 800,00 = 5.200,00
    assert euro(D("5200")) in testo

    for voce in dati.prestazioni:
        assert voce.descrizione in testo
        assert f"{data_it(voce.data)} {voce.tipo}" in testo
    assert "Ciclofficina Civico 81" in testo
    assert "3 / 30" in testo  # sessions held / planned

    for brano in (
        "Avviati il doposcuola e la ciclofficina al Civico 81.",
        "Le sessioni si sono svolte con regolarità, salvo le festività.",
        NARRATIVA.risultati,
        NARRATIVA.criticita,
    ):
        assert brano in testo
    assert "Prospettive —" in testo

    assert f"Per il {i.ente_pubblico}" in testo
    assert f"Per il {i.ente_partner}" in testo
    assert i.firmatario_pubblico in testo
    assert i.firmatario_partner in testo
    assert "Luogo e data" in testo

    # Only the bundled fonts and the inline chart were read: nothing from the network.
    assert any(url.startswith("data:image/svg+xml;base64,") for url in richieste)
    assert all(
        url.startswith("data:image/svg+xml;base64,")
        or (url.startswith("file://") and url.endswith(".ttf"))
        for url in richieste
    )


def test_fetcher_refuses_the_network_and_other_files():
    fetcher = FetcherLocale()
    for url in ("https://esempio.invalid/x.png", "http://localhost/x.css", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_draft_is_marked_on_every_page(dati):
    pdf = pdf_rendiconto(dati, narrativa=NARRATIVA, tipo="Periodico", stato="Bozza")
    _lettore, pagine = leggi(pdf)
    assert "Stato Bozza" in pagine[0]
    for pagina in pagine:
        assert "BOZZA - documento non inviato" in pagina


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils non installato")
def test_pages_render_as_images(dati, tmp_path):
    pdf = pdf_rendiconto(dati, narrativa=NARRATIVA, tipo="Finale", stato="Inviato")
    (tmp_path / "rendiconto.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "rendiconto.pdf", "pagina"], cwd=tmp_path, check=True
    )
    immagini = sorted(tmp_path.glob("pagina-*.png"))
    assert len(immagini) == len(PdfReader(io.BytesIO(pdf)).pages) >= 2
    for immagine in immagini:
        assert immagine.stat().st_size > 5_000
        with Image.open(immagine) as png:
            # Something dark is drawn across most of the page, not a blank sheet.
            riquadro = ImageOps.invert(png.convert("L")).point(lambda v: 255 if v > 60 else 0)
            sinistra, alto, destra, basso = riquadro.getbbox()
            assert destra - sinistra > png.width * 0.6
            assert basso - alto > png.height * 0.5


def test_a_thousand_prestazioni_paginate_with_the_totals_on_the_last_page(
    accordo, tranche_2024, fornitore
):
    # Bulk rows are fine here: the PDF only reads them. Fees as the rules say.
    aliquota = accordo.aliquota_quota_amministrativa
    Prestazione.objects.bulk_create(
        Prestazione(
            tranche=tranche_2024,
            tipo=TipoPrestazione.SERVIZI,
            fornitore=fornitore,
            descrizione=f"Voce di prova n. {n:04d}",
            data=DAL + timedelta(days=n % 120),
            importo=D("10.00") + n % 7,
            aliquota_quota_amministrativa=aliquota,
            quota_amministrativa=rules.quota_amministrativa(D("10.00") + n % 7, aliquota),
        )
        for n in range(1000)
    )
    riassunto = riepilogo(accordo, DAL, AL)
    assert riassunto.spesa_periodo.numero_prestazioni == 1000

    inizio = time.perf_counter()
    pdf = pdf_rendiconto(riassunto, narrativa=NARRATIVA, tipo="Periodico", stato="Inviato")
    durata = time.perf_counter() - inizio
    print(f"PDF di 1.000 prestazioni: {durata:.1f} s")  # shown with -s

    _lettore, pagine = leggi(pdf)
    assert len(pagine) > 20
    ultima = pagine[-1]
    assert f"Pagina {len(pagine)} di {len(pagine)}" in ultima
    assert "Totale del periodo: 1000 prestazioni" in ultima
    assert f"{euro(riassunto.spesa_periodo.quote)} {euro(riassunto.spesa_periodo.totale)}" in ultima
    # The list's header repeats on each page it spans; no row is lost.
    pagine_elenco = [p for p in pagine if "Voce di prova" in p]
    assert len(pagine_elenco) > 20
    assert all("Data Tipo Fornitore Descrizione Tranche Valore" in p for p in pagine_elenco)
    testo = " ".join(pagine)
    assert all(f"Voce di prova n. {n:04d}" in testo for n in range(1000))


def test_chart_rows_are_the_tranches_and_the_design_cap(dati):
    svg = modulo_pdf.grafico_budget(dati)
    for t in dati.spesa_cumulata.tranche:
        assert f"Tranche {t.etichetta}" in svg
        assert euro(t.utilizzato) in svg
    assert "Tetto quota progettazione" in svg
    assert euro(dati.progettazione.disponibile) in svg
