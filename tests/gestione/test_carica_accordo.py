"""`carica_accordo` loads the Cremona agreement as DESIGN.md rule 6 says,
and running it again changes nothing."""

import re
from datetime import date
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from accordo.models import Accordo, Ente, Obiettivo
from budget import services
from budget.models import Tranche

pytestmark = pytest.mark.django_db

TESTO_ACCORDO = Path(settings.BASE_DIR).parent / "shared" / "accordo" / "testo-accordo.md"


def carica() -> str:
    uscita = StringIO()
    call_command("carica_accordo", stdout=uscita)
    return uscita.getvalue()


def obiettivi_dal_testo() -> list[str]:
    """The bullet list under "Art. 2 Obiettivi generali" in the agreement."""
    if not TESTO_ACCORDO.exists():
        pytest.skip(f"Testo dell'accordo non trovato: {TESTO_ACCORDO}")
    testo = TESTO_ACCORDO.read_text(encoding="utf-8")
    sezione = testo.split("### Art. 2 Obiettivi generali", 1)[1].split("### Art. 3", 1)[0]
    return [riga[2:].strip() for riga in sezione.splitlines() if riga.startswith("- ")]


def conteggi() -> dict[str, int]:
    return {
        "enti": Ente.objects.count(),
        "accordi": Accordo.objects.count(),
        "obiettivi": Obiettivo.objects.count(),
        "tranche": Tranche.objects.count(),
        "storia_enti": Ente.history.count(),
        "storia_accordi": Accordo.history.count(),
        "storia_tranche": Tranche.history.count(),
    }


def test_loads_the_comune_with_postcode_26100_and_a_note_on_2100():
    carica()
    comune = Ente.objects.get(codice_fiscale="00297960197")
    assert comune.nome == "Comune di Cremona"
    assert comune.tipo == "comune"
    assert comune.partita_iva == "00297960197"
    assert comune.cap == "26100"
    assert comune.citta == "Cremona"
    assert "Piazza del Comune" in comune.indirizzo
    assert "2100 Cremona" in comune.note
    assert "26100" in comune.note


def test_loads_the_consortium_with_its_data():
    carica()
    consorzio = Ente.objects.get(codice_fiscale="00903210193")
    assert consorzio.tipo == "consorzio"
    assert consorzio.partita_iva == "00903210193"
    assert consorzio.nome.startswith("Consorzio Sol.Co Cremona")
    assert consorzio.cap == "26100"
    assert "Via del Sale 40/E" in consorzio.indirizzo
    assert "Longhi" in consorzio.legale_rappresentante
    accordo = Accordo.objects.get()
    assert accordo.ente_partner == consorzio
    assert accordo.ente_pubblico.codice_fiscale == "00297960197"
    assert accordo.ufficio == "Settore Politiche Sociali"


def test_loads_the_seven_objectives_of_art_2_in_order():
    carica()
    obiettivi = list(Obiettivo.objects.order_by("numero"))
    assert [o.numero for o in obiettivi] == [1, 2, 3, 4, 5, 6, 7]
    # Verbatim, including the text's own wording ("oltretutto") and its
    # missing final punctuation.
    assert obiettivi[0].testo == (
        "Approfondire i bisogni emergenti di pre-adolescenti e adolescenti del territorio al "
        "fine di potenziare gli strumenti di accompagnamento educativo e l'offerta di spazi e "
        "percorsi di crescita;"
    )
    assert obiettivi[2].testo == (
        "Aumentare l'offerta di opportunità garantendone l'effettiva accessibilità oltretutto la "
        "possibilità di una personalizzazione tale da rendere le proposte adeguate e coerenti "
        "rispetto al bisogno"
    )
    assert obiettivi[6].testo.endswith("sviluppo urbano sostenibile della comunità territoriale")


def test_objectives_match_the_agreement_text_verbatim():
    attesi = obiettivi_dal_testo()
    assert len(attesi) == 7
    carica()
    assert list(Obiettivo.objects.order_by("numero").values_list("testo", flat=True)) == attesi


def test_loads_both_tranches_with_the_2025_discrepancy_noted():
    carica()
    t2024, t2025 = Tranche.objects.order_by("data_inizio")
    assert (t2024.etichetta, t2024.data_inizio, t2024.data_fine, t2024.importo) == (
        "2024",
        date(2024, 9, 1),
        date(2024, 12, 31),
        Decimal("13000.00"),
    )
    assert (t2025.etichetta, t2025.data_inizio, t2025.data_fine, t2025.importo) == (
        "2025",
        date(2025, 1, 1),
        date(2025, 12, 31),
        Decimal("27000.00"),
    )
    assert "31 gennaio 2025" in t2025.nota
    assert "31/12/2025" in t2025.nota


def test_2025_discrepancy_is_really_in_the_text():
    if not TESTO_ACCORDO.exists():
        pytest.skip(f"Testo dell'accordo non trovato: {TESTO_ACCORDO}")
    testo = re.sub(r"\s+", " ", TESTO_ACCORDO.read_text(encoding="utf-8"))
    assert "1 gennaio 2025 e il 31 gennaio 2025" in testo
    assert "2100 Cremona" in testo


def test_loads_the_money_rules_and_dates_of_the_agreement():
    carica()
    accordo = Accordo.objects.get()
    assert accordo.aliquota_quota_amministrativa == Decimal("3.00")
    assert accordo.tetto_progettazione == Decimal("6000.00")
    assert accordo.aliquota_iva == Decimal("5.00")
    assert accordo.riporto_residui is False
    assert accordo.data_sottoscrizione is None
    assert accordo.data_inizio == date(2024, 9, 1)
    assert accordo.data_fine == date(2025, 12, 31)
    assert "BOZZA" in accordo.note


def test_running_twice_changes_nothing():
    carica()
    prima = conteggi()
    assert prima["enti"] == 2
    assert prima["accordi"] == 1
    assert prima["obiettivi"] == 7
    assert prima["tranche"] == 2
    uscita = carica()
    assert conteggi() == prima
    assert "nessuna modifica" in uscita


def test_rerun_does_not_overwrite_what_the_comune_edited():
    carica()
    accordo = Accordo.objects.get()
    accordo.data_sottoscrizione = date(2024, 9, 20)
    accordo.riferimento = "Rep. 123/2024"
    services.accordo_salva(accordo=accordo)
    tranche = Tranche.objects.get(etichetta="2025")
    tranche.nota = "Nota del Comune."
    services.tranche_salva(tranche=tranche)
    comune = Ente.objects.get(codice_fiscale="00297960197")
    comune.email = "protocollo@comune.cremona.it"
    comune.save()
    prima = conteggi()

    carica()

    accordo.refresh_from_db()
    assert accordo.data_sottoscrizione == date(2024, 9, 20)
    assert accordo.riferimento == "Rep. 123/2024"
    assert Tranche.objects.get(etichetta="2025").nota == "Nota del Comune."
    assert Ente.objects.get(pk=comune.pk).email == "protocollo@comune.cremona.it"
    assert conteggi() == prima
