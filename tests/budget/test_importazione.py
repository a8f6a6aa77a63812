"""The `importa_prestazioni` command and budget.importazione: CSV and XLSX,
all or nothing, every problem with its row number, never a traceback."""

import csv
import io
import os
import struct
import zlib
from datetime import date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from accordo.models import Accordo, Ente
from budget.importazione import FIRMA_ZIP, MAX_RIGHE, importa_prestazioni
from budget.models import Prestazione
from budget.selectors import stato_budget
from laboratori.models import Laboratorio, TipoLaboratorio
from laboratori.services import laboratorio_salva

INTESTAZIONE = ["data", "tipo", "fornitore", "partita_iva", "descrizione", "importo"]
# Valid partite IVA (checksum verified) not used by the fixtures.
PIVA_NUOVA = "01234560017"
PIVA_ALTRA = "07654320196"
ILLEGGIBILE = "Il file non è un CSV o un XLSX leggibile"


# Helpers


def scrivi_csv(cartella, righe, *, nome="prestazioni.csv", sep=";", bom=False, encoding="utf-8"):
    testo = io.StringIO()
    csv.writer(testo, delimiter=sep, lineterminator="\r\n").writerows(righe)
    dati = testo.getvalue().encode(encoding)
    if bom:
        dati = b"\xef\xbb\xbf" + dati
    percorso = cartella / nome
    percorso.write_bytes(dati)
    return percorso


def scrivi_xlsx(cartella, righe, *, nome="prestazioni.xlsx"):
    libro = Workbook()
    foglio = libro.active
    for riga in righe:
        foglio.append(riga)
    percorso = cartella / nome
    libro.save(percorso)
    return percorso


def importa(percorso, *argomenti):
    """Run the command; return (stdout, stderr)."""
    out, err = StringIO(), StringIO()
    call_command("importa_prestazioni", str(percorso), *argomenti, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def importa_rifiutato(percorso, *argomenti):
    """Run the command expecting a refusal; return stderr plus the final message."""
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("importa_prestazioni", str(percorso), *argomenti, stdout=out, stderr=err)
    return err.getvalue() + "\n" + str(exc.value)


def conteggi():
    return Prestazione.objects.count(), Ente.objects.count()


def riga_2024(importo="100,00", **altro):
    """A valid data row dated in the 2024 tranche, with a new supplier."""
    valori = {
        "data": "15/10/2024",
        "tipo": "servizi",
        "fornitore": "Cartoleria Nuova",
        "partita_iva": PIVA_NUOVA,
        "descrizione": "Materiale per il laboratorio",
        "importo": importo,
    }
    valori.update(altro)
    return [valori[c] for c in INTESTAZIONE]


# Valid files


def test_csv_punto_e_virgola_con_bom_in_formato_italiano(
    tmp_path, accordo, fornitore, tranche_2024, tranche_2025
):
    prima = stato_budget(accordo)
    percorso = scrivi_csv(
        tmp_path,
        [
            INTESTAZIONE,
            ["15/10/2024", "servizi", "Cartoleria Nuova", PIVA_NUOVA, "Ciclofficina", "1.234,56"],
            ["03/02/2025", "beni_consumo", "Falegnameria Bodini", "01967800192", "Legno", "100"],
            ["01/11/2024", "progettazione", "", "", "Costruzione della rete", "€ 500,00"],
        ],
        bom=True,
    )

    out, _ = importa(percorso)

    assert "Importate 3 prestazioni (totale addebitato € 1.874,60)." in out
    dopo = stato_budget(accordo)
    t24_prima, t25_prima = prima.tranche
    t24, t25 = dopo.tranche
    assert t24.valore_prestazioni - t24_prima.valore_prestazioni == Decimal("1234.56")
    assert t24.quote_amministrative - t24_prima.quote_amministrative == Decimal("37.04")
    assert t24.quota_progettazione - t24_prima.quota_progettazione == Decimal("500.00")
    assert t24_prima.disponibile - t24.disponibile == Decimal("1771.60")
    assert t25.valore_prestazioni - t25_prima.valore_prestazioni == Decimal("100.00")
    assert t25.quote_amministrative - t25_prima.quote_amministrative == Decimal("3.00")
    assert dopo.progettazione.utilizzato == Decimal("500.00")

    nuovo = Ente.objects.get(partita_iva=PIVA_NUOVA)
    assert (nuovo.nome, nuovo.tipo, nuovo.codice_fiscale) == (
        "Cartoleria Nuova",
        "fornitore",
        PIVA_NUOVA,
    )
    legno = Prestazione.objects.get(descrizione="Legno")
    assert legno.fornitore == fornitore  # matched by partita IVA, not created again
    assert legno.tranche == tranche_2025
    assert legno.aliquota_quota_amministrativa == Decimal("3.00")
    rete = Prestazione.objects.get(tipo="progettazione")
    assert rete.fornitore is None and rete.quota_amministrativa == Decimal("0.00")
    assert rete.tranche == tranche_2024


def test_csv_virgola_date_iso_intestazione_libera_e_colonne_facoltative(
    tmp_path, accordo, tranche_2024
):
    percorso = scrivi_csv(
        tmp_path,
        [
            [
                " Data",
                "TIPO",
                "Fornitore",
                "Partita IVA",
                "descrizione",
                "importo ",
                "Numero_Documento",
            ],
            [
                "2024-10-15",
                "servizi",
                "Cartoleria Nuova",
                PIVA_NUOVA,
                "Colla, viti",
                "1234.56",
                "FT 12",
            ],
            [
                "2024-12-31",
                "Beni di consumo",
                "Cartoleria Nuova",
                PIVA_NUOVA,
                "Carta",
                "1.234,56",
                "",
            ],
        ],
        sep=",",
    )

    out, _ = importa(percorso)

    assert "Importate 2 prestazioni (totale addebitato € 2.543,20)." in out
    prima, seconda = Prestazione.objects.order_by("pk")
    assert (prima.data, prima.importo, prima.descrizione) == (
        date(2024, 10, 15),
        Decimal("1234.56"),
        "Colla, viti",
    )
    assert prima.numero_documento == "FT 12"
    assert (seconda.tipo, seconda.data, seconda.importo) == (
        "beni_consumo",
        date(2024, 12, 31),
        Decimal("1234.56"),
    )
    assert Ente.objects.filter(partita_iva=PIVA_NUOVA).count() == 1  # created once
    riga = stato_budget(accordo).tranche[0]
    assert riga.utilizzato == Decimal("2543.20")


def test_csv_windows_1252_e_righe_vuote(tmp_path, accordo):
    percorso = scrivi_csv(
        tmp_path,
        [
            INTESTAZIONE,
            [],
            riga_2024(descrizione="Attività di falegnameria — più ore"),
            ["", "", "", "", "", ""],
        ],
        encoding="cp1252",
    )

    out, _ = importa(percorso)

    assert "Importata 1 prestazione (totale addebitato € 103,00)." in out
    assert Prestazione.objects.get().descrizione == "Attività di falegnameria — più ore"


def test_xlsx_con_celle_data_e_numeriche(tmp_path, accordo, fornitore, tranche_2024, tranche_2025):
    percorso = scrivi_xlsx(
        tmp_path,
        [
            INTESTAZIONE,
            [
                datetime(2024, 10, 15, 0, 0),
                "servizi",
                "Falegnameria Bodini",
                1967800192,
                "Banchi",
                1234.56,
            ],
            [
                date(2025, 3, 1),
                "personale_esterno",
                "Cartoleria Nuova",
                PIVA_NUOVA,
                "Educatore",
                250,
            ],
            ["2025-04-01", "beneficiari", "Cartoleria Nuova", PIVA_NUOVA, "Biglietti", "1.000,50"],
        ],
    )

    out, _ = importa(percorso)

    assert "Importate 3 prestazioni" in out
    banchi = Prestazione.objects.get(descrizione="Banchi")
    assert banchi.fornitore == fornitore  # numeric cell: the leading zero is restored
    assert (banchi.data, banchi.importo, banchi.tranche) == (
        date(2024, 10, 15),
        Decimal("1234.56"),
        tranche_2024,
    )
    educatore = Prestazione.objects.get(descrizione="Educatore")
    assert (educatore.data, educatore.importo, educatore.quota_amministrativa) == (
        date(2025, 3, 1),
        Decimal("250"),
        Decimal("7.50"),
    )
    assert educatore.tranche == tranche_2025
    assert Prestazione.objects.get(descrizione="Biglietti").importo == Decimal("1000.50")
    t24, t25 = stato_budget(accordo).tranche
    assert t24.utilizzato == Decimal("1271.60")
    assert t25.utilizzato == Decimal("250.00") + Decimal("7.50") + Decimal("1000.50") + Decimal(
        "30.02"
    )


def test_dry_run_verifica_e_non_scrive(tmp_path, accordo):
    percorso = scrivi_csv(
        tmp_path,
        [INTESTAZIONE, riga_2024("1.234,56"), riga_2024("100", data="20/11/2024")],
    )
    prima = conteggi()

    out, _ = importa(percorso, "--dry-run")

    assert "Verifica riuscita: 2 prestazioni sarebbero importate. Nessun dato scritto." in out
    assert "€ 1.234,56 + quota € 37,04 = € 1.271,60" in out
    assert "Nuovi fornitori sarebbero registrati: «Cartoleria Nuova»" in out
    assert conteggi() == prima
    assert stato_budget(accordo).tranche[0].utilizzato == Decimal("0.00")


def test_dry_run_con_errori_esce_con_errore(tmp_path, accordo):
    percorso = scrivi_csv(tmp_path, [INTESTAZIONE, riga_2024("abc")])
    prima = conteggi()

    messaggi = importa_rifiutato(percorso, "--dry-run")

    assert "Riga 2: «abc» non è un importo valido." in messaggi
    assert "Nessuna prestazione importata: 1 errore." in messaggi
    assert conteggi() == prima


def test_fornitore_esistente_con_nome_diverso_avvisa(tmp_path, accordo, fornitore):
    percorso = scrivi_csv(
        tmp_path, [INTESTAZIONE, riga_2024(fornitore="Bodini srl", partita_iva="IT 01967800192")]
    )
    enti = Ente.objects.count()

    out, _ = importa(percorso)

    assert "Riga 2: la partita IVA 01967800192 è registrata come «Falegnameria Bodini»" in out
    assert Prestazione.objects.get().fornitore == fornitore
    assert Ente.objects.count() == enti


# Bad rows: a clear message with the row number, nothing written


@pytest.mark.parametrize(
    ("campi", "messaggio"),
    [
        (
            {"importo": "-50,00"},
            "Riga 4: l'importo deve essere maggiore di zero (indicato -€ 50,00).",
        ),
        ({"importo": "0"}, "Riga 4: l'importo deve essere maggiore di zero (indicato € 0,00)."),
        ({"importo": "12,345"}, "Riga 4: «12,345» ha più di due decimali"),
        ({"importo": "dieci euro"}, "Riga 4: «dieci euro» non è un importo valido."),
        ({"importo": ""}, "Riga 4: importo mancante."),
        ({"importo": "99.999.999,00"}, "supera il massimo ammesso per una singola prestazione"),
        ({"data": "31/02/2024"}, "Riga 4: «31/02/2024» non è una data valida"),
        ({"data": ""}, "Riga 4: data mancante."),
        (
            {"data": "15/01/2026"},
            "Riga 4: la data 15/01/2026 è fuori da ogni tranche e dalla durata dell'accordo "
            "(01/09/2024 - 31/12/2025).",
        ),
        (
            {"data": "31/08/2024"},
            "Riga 4: la data 31/08/2024 è fuori da ogni tranche e dalla durata dell'accordo",
        ),
        (
            {"partita_iva": "01967800193"},
            "Riga 4: la partita IVA «01967800193» non è valida: la cifra di controllo non torna.",
        ),
        ({"partita_iva": "123"}, "Riga 4: la partita IVA «123» deve avere 11 cifre."),
        ({"partita_iva": ""}, "Riga 4: manca la partita IVA del fornitore «Cartoleria Nuova»"),
        (
            {"fornitore": "", "partita_iva": ""},
            "Riga 4: indicare il fornitore e la sua partita IVA.",
        ),
        (
            {"fornitore": "", "partita_iva": PIVA_ALTRA},
            "Riga 4: indicare il nome del fornitore: la partita IVA 07654320196 non corrisponde",
        ),
        (
            {"tipo": "consulenza"},
            "Riga 4: tipo «consulenza» non riconosciuto: usare uno tra personale_interno, "
            "personale_esterno, servizi, beni_consumo, beneficiari, progettazione.",
        ),
        ({"descrizione": ""}, "Riga 4: descrizione mancante."),
        ({"descrizione": "x" * 501}, "Riga 4: la descrizione supera i 500 caratteri (501)."),
    ],
)
def test_riga_non_valida_rifiuta_tutto_il_file(tmp_path, accordo, campi, messaggio):
    percorso = scrivi_csv(
        tmp_path,
        [
            INTESTAZIONE,
            riga_2024("100"),
            riga_2024("200", data="2025-02-01"),
            riga_2024(**{"importo": "300", **campi}),
        ],
    )
    prima = conteggi()

    messaggi = importa_rifiutato(percorso)

    assert messaggio in messaggi
    assert "Riga 2" not in messaggi and "Riga 3" not in messaggi
    assert "Nessuna prestazione importata: 1 errore." in messaggi
    # Rows 2 and 3 were valid, and row 2 registered a new supplier: all undone.
    assert conteggi() == prima
    assert not Ente.objects.filter(partita_iva=PIVA_NUOVA).exists()


def test_tutti_i_problemi_di_tutte_le_righe_sono_elencati(tmp_path, accordo):
    percorso = scrivi_csv(
        tmp_path,
        [
            INTESTAZIONE,
            riga_2024("abc", tipo="boh", data="ieri"),
            riga_2024("100"),
            [],
            riga_2024("1,001"),
        ],
    )
    prima = conteggi()

    messaggi = importa_rifiutato(percorso)

    assert "Riga 2: «ieri» non è una data valida" in messaggi
    assert "Riga 2: tipo «boh» non riconosciuto" in messaggi
    assert "Riga 2: «abc» non è un importo valido." in messaggi
    # Blank row 4 is skipped but keeps the numbering of the file.
    assert "Riga 5: «1,001» ha più di due decimali" in messaggi
    assert "Nessuna prestazione importata: 4 errori." in messaggi
    assert conteggi() == prima


def test_valore_in_colonna_senza_intestazione(tmp_path, accordo):
    # A comma inside an unquoted description shifts the cells of the row.
    percorso = tmp_path / "spostato.csv"
    percorso.write_text(
        ",".join(INTESTAZIONE)
        + f"\n15/10/2024,servizi,Cartoleria Nuova,{PIVA_NUOVA},Colla, viti,100\n",
        encoding="utf-8",
    )
    prima = conteggi()

    messaggi = importa_rifiutato(percorso)

    assert "Riga 2: «viti» non è un importo valido." in messaggi
    assert "Riga 2: la riga ha un valore in una colonna senza intestazione" in messaggi
    assert conteggi() == prima


def test_xlsx_importo_con_piu_di_due_decimali(tmp_path, accordo):
    percorso = scrivi_xlsx(
        tmp_path,
        [
            INTESTAZIONE,
            [date(2024, 10, 15), "servizi", "Cartoleria Nuova", PIVA_NUOVA, "X", 12.345],
        ],
    )
    prima = conteggi()

    messaggi = importa_rifiutato(percorso)

    assert "Riga 2: «12.345» ha più di due decimali" in messaggi
    assert conteggi() == prima


# Rules broken by the rows together


def test_righe_che_insieme_superano_la_tranche_2024(tmp_path, accordo):
    percorso = scrivi_csv(
        tmp_path,
        [
            INTESTAZIONE,
            riga_2024("12.000,00"),
            riga_2024("600,00"),
            riga_2024("100,00"),
            riga_2024("10,00", data="10/01/2025"),
        ],
    )
    prima = conteggi()

    messaggi = importa_rifiutato(percorso)

    # 12.000 + 600 with their fees charge 12.978,00: 22,00 are left for row 4.
    assert (
        "Riga 4: capienza della tranche «2024» superata: la prestazione addebita € 103,00 "
        "(valore € 100,00 + quota amministrativa 3% € 3,00), ma della tranche di € 13.000,00 "
        "restano disponibili € 22,00. Valore massimo registrabile: € 21,36." in messaggi
    )
    assert "Riga 2" not in messaggi and "Riga 3" not in messaggi and "Riga 5" not in messaggi
    assert "Nessuna prestazione importata: 1 errore." in messaggi
    assert conteggi() == prima
    assert stato_budget(accordo).tranche[0].utilizzato == Decimal("0.00")


def test_righe_che_riempiono_esattamente_la_tranche_2024(tmp_path, accordo):
    # 2 x 6.310,68 = 12.621,36, the most the 2024 tranche holds (fees per row).
    percorso = scrivi_csv(tmp_path, [INTESTAZIONE, riga_2024("6.310,68"), riga_2024("6310.68")])

    out, _ = importa(percorso)

    assert "Importate 2 prestazioni (totale addebitato € 13.000,00)." in out
    riga = stato_budget(accordo).tranche[0]
    assert (riga.utilizzato, riga.disponibile) == (Decimal("13000.00"), Decimal("0.00"))


def test_capienza_considera_le_prestazioni_gia_registrate(
    tmp_path, accordo, tranche_2024, crea_prestazione
):
    crea_prestazione(tranche_2024, "12621.36")
    percorso = scrivi_csv(tmp_path, [INTESTAZIONE, riga_2024("0,01")])
    prima = conteggi()

    messaggi = importa_rifiutato(percorso)

    assert "Riga 2: capienza della tranche «2024» superata" in messaggi
    assert conteggi() == prima


def test_progettazione_oltre_il_tetto_su_piu_righe(tmp_path, accordo):
    percorso = scrivi_csv(
        tmp_path,
        [
            INTESTAZIONE,
            ["15/10/2024", "progettazione", "", "", "Tavoli di coprogettazione", "4.000,00"],
            ["15/03/2025", "progettazione", "", "", "Rete territoriale", "2.500,00"],
        ],
    )
    prima = conteggi()

    messaggi = importa_rifiutato(percorso)

    assert (
        "Riga 3: tetto della quota progettazione superato: richiesti € 2.500,00, ma dei "
        "€ 6.000,00 previsti per l'intero accordo ne sono già utilizzati € 4.000,00; "
        "restano € 2.000,00." in messaggi
    )
    assert "Riga 2" not in messaggi
    assert conteggi() == prima
    assert stato_budget(accordo).progettazione.utilizzato == Decimal("0.00")


# Bad files


def test_intestazione_sbagliata(tmp_path, accordo):
    percorso = scrivi_csv(
        tmp_path,
        [
            ["data", "tipo", "fornitore", "partita_iva", "descrizone", "totale"],
            riga_2024(),
        ],
    )
    prima = conteggi()

    messaggi = importa_rifiutato(percorso)

    assert "Intestazione non valida (riga 1): mancano le colonne «descrizione», «importo»" in (
        messaggi
    )
    assert "colonne non riconosciute: «descrizone», «totale»" in messaggi
    assert (
        "L'intestazione attesa è: data, tipo, fornitore, partita_iva, descrizione, importo "
        "(facoltative: numero_documento, laboratorio)." in messaggi
    )
    assert "Riga 2" not in messaggi
    assert conteggi() == prima


def test_colonna_ripetuta(tmp_path, accordo):
    percorso = scrivi_csv(tmp_path, [[*INTESTAZIONE, "Importo"], [*riga_2024(), "5"]])

    messaggi = importa_rifiutato(percorso)

    assert "colonne ripetute: «importo»" in messaggi
    assert Prestazione.objects.count() == 0


def test_file_vuoto(tmp_path, accordo):
    percorso = tmp_path / "vuoto.csv"
    percorso.write_bytes(b"")
    prima = conteggi()

    messaggi = importa_rifiutato(percorso)

    assert "Il file è vuoto." in messaggi
    assert "Nessuna prestazione importata: 1 errore." in messaggi
    assert conteggi() == prima


def test_file_con_solo_intestazione(tmp_path, accordo):
    percorso = scrivi_csv(tmp_path, [INTESTAZIONE, [], []], bom=True)

    messaggi = importa_rifiutato(percorso)

    assert "Il file contiene solo l'intestazione: nessuna prestazione da importare." in messaggi
    assert Prestazione.objects.count() == 0


def test_xlsx_con_solo_intestazione(tmp_path, accordo):
    percorso = scrivi_xlsx(tmp_path, [INTESTAZIONE])

    messaggi = importa_rifiutato(percorso)

    assert "Il file contiene solo l'intestazione" in messaggi
    assert Prestazione.objects.count() == 0


def test_file_spazzatura_di_2_mb(tmp_path, accordo):
    percorso = tmp_path / "prestazioni.csv"
    percorso.write_bytes(os.urandom(2 * 1024 * 1024))
    prima = conteggi()

    messaggi = importa_rifiutato(percorso)

    assert ILLEGGIBILE in messaggi
    assert conteggi() == prima


def test_file_troppo_grande(tmp_path, accordo):
    percorso = tmp_path / "enorme.csv"
    percorso.write_bytes(b"a;" * (3 * 1024 * 1024))

    messaggi = importa_rifiutato(percorso)

    assert "Il file supera il limite di 5 MB" in messaggi
    assert Prestazione.objects.count() == 0


def test_troppe_righe(tmp_path, accordo):
    percorso = scrivi_csv(tmp_path, [INTESTAZIONE] + [riga_2024("1")] * (MAX_RIGHE + 1))

    messaggi = importa_rifiutato(percorso)

    assert "Il file contiene più di 5.000 righe di prestazioni" in messaggi
    assert Prestazione.objects.count() == 0


def _png() -> bytes:
    def blocco(tipo: bytes, dati: bytes) -> bytes:
        return (
            struct.pack(">I", len(dati))
            + tipo
            + dati
            + struct.pack(">I", zlib.crc32(tipo + dati) & 0xFFFFFFFF)
        )

    intestazione = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + blocco(b"IHDR", intestazione)
        + blocco(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + blocco(b"IEND", b"")
    )


def test_png_rinominato_csv(tmp_path, accordo):
    percorso = tmp_path / "fattura.csv"
    percorso.write_bytes(_png())

    messaggi = importa_rifiutato(percorso)

    assert ILLEGGIBILE in messaggi
    assert Prestazione.objects.count() == 0


@pytest.mark.parametrize("guasto", ["troncato", "spazzatura"])
def test_xlsx_corrotto(tmp_path, accordo, guasto):
    valido = scrivi_xlsx(tmp_path, [INTESTAZIONE, riga_2024()], nome="valido.xlsx").read_bytes()
    guasti = {"troncato": valido[: len(valido) // 2], "spazzatura": FIRMA_ZIP + os.urandom(50_000)}
    dati = guasti[guasto]
    percorso = tmp_path / "prestazioni.xlsx"
    percorso.write_bytes(dati)
    prima = conteggi()

    messaggi = importa_rifiutato(percorso)

    assert ILLEGGIBILE in messaggi
    assert conteggi() == prima


def test_csv_rinominato_xlsx_viene_letto_come_csv(tmp_path, accordo):
    # The content decides, not the extension.
    percorso = scrivi_csv(tmp_path, [INTESTAZIONE, riga_2024()], nome="prestazioni.xlsx")

    out, _ = importa(percorso)

    assert "Importata 1 prestazione" in out
    assert Prestazione.objects.count() == 1


def test_file_inesistente(tmp_path, accordo):
    messaggi = importa_rifiutato(tmp_path / "manca.csv")

    assert "non esiste" in messaggi
    assert Prestazione.objects.count() == 0


@pytest.fixture
def ciclofficina(accordo, cooperativa_a):
    return laboratorio_salva(
        laboratorio=Laboratorio(
            accordo=accordo,
            titolo="Ciclofficina Civico 81",
            tipo=TipoLaboratorio.CICLOFFICINA,
            cooperativa=cooperativa_a,
            luogo="Civico 81, Cremona",
            data_inizio=date(2024, 9, 1),
            data_fine=date(2025, 6, 30),
        )
    )


def test_colonna_laboratorio_collega_per_titolo(tmp_path, accordo, ciclofficina):
    percorso = scrivi_csv(
        tmp_path,
        [
            [*INTESTAZIONE, "Laboratorio"],
            [*riga_2024("100", descrizione="Camere d'aria"), "  ciclofficina CIVICO 81 "],
            [*riga_2024("50", descrizione="Cancelleria"), ""],
        ],
    )

    out, _ = importa(percorso)

    assert "Importate 2 prestazioni" in out
    assert Prestazione.objects.get(descrizione="Camere d'aria").laboratorio == ciclofficina
    assert Prestazione.objects.get(descrizione="Cancelleria").laboratorio is None


def test_laboratorio_sconosciuto_o_di_altro_accordo(
    tmp_path, accordo, ciclofficina, secondo_accordo, cooperativa_a
):
    laboratorio_salva(
        laboratorio=Laboratorio(
            accordo=secondo_accordo,
            titolo="Falegnameria",
            tipo=TipoLaboratorio.FALEGNAMERIA,
            cooperativa=cooperativa_a,
            luogo="Cremona",
            data_inizio=date(2026, 1, 1),
            data_fine=date(2026, 6, 30),
        )
    )
    percorso = scrivi_csv(
        tmp_path,
        [
            [*INTESTAZIONE, "laboratorio"],
            [*riga_2024("100"), "Ciclofficina Civico 81"],
            [*riga_2024("100"), "Teatro"],
            [*riga_2024("100"), "Falegnameria"],
        ],
    )
    prima = conteggi()

    messaggi = importa_rifiutato(percorso, "--accordo", str(accordo.pk))

    assert "Riga 3: laboratorio «Teatro» non trovato nell'accordo." in messaggi
    assert "Riga 4: laboratorio «Falegnameria» non trovato nell'accordo." in messaggi
    assert "Riga 2" not in messaggi
    assert conteggi() == prima


# Choosing the agreement


@pytest.fixture
def secondo_accordo(accordo):
    return Accordo.objects.create(
        titolo="Secondo accordo di prova",
        ente_pubblico=accordo.ente_pubblico,
        ente_partner=accordo.ente_partner,
        firmatario_pubblico="Sindaco",
        firmatario_partner="Presidente",
        data_inizio=date(2026, 1, 1),
        data_fine=date(2026, 12, 31),
    )


def test_accordo_obbligatorio_con_piu_accordi(tmp_path, accordo, secondo_accordo):
    percorso = scrivi_csv(tmp_path, [INTESTAZIONE, riga_2024()])

    with pytest.raises(CommandError) as exc:
        importa(percorso)

    messaggio = str(exc.value)
    assert "Esistono più accordi: indicare quale con --accordo ID." in messaggio
    assert f"{accordo.pk} (Accordo di collaborazione" in messaggio
    assert f"{secondo_accordo.pk} (Secondo accordo di prova" in messaggio
    assert Prestazione.objects.count() == 0

    out, _ = importa(percorso, "--accordo", str(accordo.pk))
    assert "Importata 1 prestazione" in out
    assert Prestazione.objects.get().tranche.accordo == accordo


def test_data_fuori_dalle_tranche_dell_accordo_scelto(tmp_path, accordo, secondo_accordo):
    # The second agreement has no tranche: a 2024 date belongs to neither.
    percorso = scrivi_csv(tmp_path, [INTESTAZIONE, riga_2024()])

    messaggi = importa_rifiutato(percorso, "--accordo", str(secondo_accordo.pk))

    assert "Riga 2: la data 15/10/2024 è fuori da ogni tranche e dalla durata" in messaggi
    assert Prestazione.objects.count() == 0


def test_accordo_inesistente(tmp_path, accordo):
    percorso = scrivi_csv(tmp_path, [INTESTAZIONE, riga_2024()])

    with pytest.raises(CommandError) as exc:
        importa(percorso, "--accordo", "999")

    assert f"Nessun accordo con id 999. Accordi disponibili: {accordo.pk} (" in str(exc.value)
    assert Prestazione.objects.count() == 0


def test_nessun_accordo(tmp_path, db):
    percorso = scrivi_csv(tmp_path, [INTESTAZIONE, riga_2024()])

    with pytest.raises(CommandError) as exc:
        importa(percorso)

    assert "Nessun accordo caricato" in str(exc.value)


# The reusable core (the future web page calls it with an upload)


def test_nucleo_da_byte_e_file_caricato(accordo, utente_consorzio):
    testo = "\n".join([";".join(INTESTAZIONE), ";".join(riga_2024("1.234,56"))]).encode()

    esito = importa_prestazioni(testo, accordo=accordo, dry_run=True)
    assert esito.riuscita and esito.righe_lette == 1
    assert esito.totale_addebitato == Decimal("1271.60")
    assert esito.prestazioni[0].pk is None
    assert Prestazione.objects.count() == 0

    esito = importa_prestazioni(io.BytesIO(testo), accordo=accordo, utente=utente_consorzio)
    assert esito.riuscita
    prestazione = Prestazione.objects.get()
    assert prestazione.creata_da == utente_consorzio
    assert prestazione.history.get().history_user == utente_consorzio

    esito = importa_prestazioni(b"data;tipo\n", accordo=accordo)
    assert not esito.riuscita
    assert esito.errori[0][0] is None
    assert "mancano le colonne" in esito.errori[0][1]
    assert Prestazione.objects.count() == 1
