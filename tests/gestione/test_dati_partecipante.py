"""`dati_partecipante CODICE (--esporta [FILE] | --elimina [--conferma])`:
a participant's records exported or erased on request, nothing about anyone
else, an anonymous audit line, and refusals that change nothing."""

import json
import logging
import stat
from datetime import date, time
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accordo.models import PeriodoChiuso
from laboratori import services
from laboratori.models import Laboratorio, Partecipante, Presenza, Sessione, TipoLaboratorio


@pytest.fixture(autouse=True)
def oggi_fisso(monkeypatch):
    monkeypatch.setattr(services, "oggi", lambda: date(2025, 3, 20))


def nuovo_laboratorio(accordo, cooperativa, titolo) -> Laboratorio:
    return services.laboratorio_salva(
        laboratorio=Laboratorio(
            accordo=accordo,
            titolo=titolo,
            tipo=TipoLaboratorio.CICLOFFICINA,
            cooperativa=cooperativa,
            luogo="Civico 81, Cremona",
            data_inizio=date(2024, 10, 1),
            data_fine=date(2025, 6, 30),
        )
    )


def nuovo_partecipante(laboratorio, **altro) -> Partecipante:
    dati = {
        "fascia_eta": "11_13",
        "genere": "F",
        "livello_scolastico": "secondaria_1",
        "servizio_inviante": "scuola",
    }
    dati.update(altro)
    return services.partecipante_crea(laboratorio=laboratorio, **dati)


def nuova_sessione(laboratorio, giorno, presenti, utente, note="Riparazioni.") -> Sessione:
    return services.sessione_salva(
        sessione=Sessione(
            laboratorio=laboratorio,
            data=giorno,
            ora_inizio=time(15, 0),
            ora_fine=time(17, 0),
            numero_educatori=1,
            ore_educatori=Decimal("2"),
            note=note,
        ),
        presenti=presenti,
        utente=utente,
    )


@pytest.fixture
def registro(accordo, cooperativa_a, cooperativa_b, utente_coop_a, utente_coop_b, utente_consorzio):
    """Two laboratories; Anna (the participant asking) attends both, Bruno
    attends one with her, Carla another laboratory."""
    ciclofficina = nuovo_laboratorio(accordo, cooperativa_a, "Ciclofficina")
    falegnameria = nuovo_laboratorio(accordo, cooperativa_b, "Falegnameria")
    anna = nuovo_partecipante(ciclofficina, servizio_inviante="tutela_minori")
    bruno = nuovo_partecipante(ciclofficina, genere="M")
    carla = nuovo_partecipante(falegnameria, fascia_eta="14_15")
    prima = nuova_sessione(ciclofficina, date(2024, 10, 15), [anna, bruno], utente_coop_a)
    seconda = nuova_sessione(ciclofficina, date(2025, 1, 14), [anna, bruno], utente_coop_a)
    # The consortium corrects Bruno's attendance: a history row about him, none about Anna.
    services.sessione_salva(sessione=seconda, presenti=[anna], utente=utente_consorzio)
    falegnameria.iscritti.add(anna)
    nuova_sessione(falegnameria, date(2025, 2, 4), [anna, carla], utente_coop_b)
    return {
        "anna": anna,
        "bruno": bruno,
        "carla": carla,
        "prima": prima,
        "ciclofficina": ciclofficina,
    }


def esegui(*argomenti) -> str:
    uscita = StringIO()
    call_command("dati_partecipante", *argomenti, stdout=uscita)
    return uscita.getvalue()


def test_export_holds_the_participants_categories_enrolments_and_attendance(registro):
    anna = registro["anna"]

    dati = json.loads(esegui(anna.codice, "--esporta"))

    assert dati["codice"] == anna.codice
    assert dati["accordo"]["id"] == anna.accordo_id
    assert dati["categorie"]["servizio_inviante"] == {
        "valore": "tutela_minori",
        "descrizione": "Tutela minori",
    }
    assert dati["categorie"]["genere"]["valore"] == "F"
    assert [i["laboratorio"] for i in dati["iscrizioni"]] == ["Ciclofficina", "Falegnameria"]
    assert [(p["data"], p["laboratorio"]) for p in dati["presenze"]] == [
        ("2024-10-15", "Ciclofficina"),
        ("2025-01-14", "Ciclofficina"),
        ("2025-02-04", "Falegnameria"),
    ]
    assert dati["presenze"][0]["ora_inizio"] == "15:00"
    assert [r["operazione"] for r in dati["storico_presenze"]] == ["aggiunta"] * 3
    assert dati["menzioni_nel_testo"] == []


def test_export_says_nothing_about_other_participants(registro):
    dati = esegui(registro["anna"].codice, "--esporta")

    for altro in (registro["bruno"], registro["carla"]):
        assert altro.codice not in dati
    assert "Maschile" not in dati and "14_15" not in dati
    # Nor about the staff who ticked the register.
    assert "coop_a" not in dati and "coop_b" not in dati


def test_export_to_a_file_readable_by_its_owner_only(registro, tmp_path):
    percorso = tmp_path / "richiesta.json"

    uscita = esegui(registro["anna"].codice, "--esporta", str(percorso))

    assert str(percorso) in uscita
    assert json.loads(percorso.read_text())["codice"] == registro["anna"].codice
    assert stat.S_IMODE(percorso.stat().st_mode) == 0o600


def test_code_is_found_whatever_its_case_and_spaces(registro):
    dati = json.loads(esegui(f"  {registro['anna'].codice.lower()} ", "--esporta"))
    assert dati["codice"] == registro["anna"].codice


def test_export_lists_free_texts_that_mention_the_code(registro, utente_coop_a):
    anna = registro["anna"]
    sessione = nuova_sessione(
        registro["ciclofficina"],
        date(2025, 3, 4),
        [anna],
        utente_coop_a,
        note=f"{anna.codice} ha aiutato i più piccoli.",
    )

    dati = json.loads(esegui(anna.codice, "--esporta"))

    assert dati["menzioni_nel_testo"] == [
        {"dove": "note della sessione", "sessione_id": sessione.pk, "data": "2025-03-04"}
    ]


def test_unknown_code_is_refused_with_a_clear_message(registro):
    with pytest.raises(CommandError, match="Nessun partecipante con codice ZZZZZZ"):
        esegui("ZZZZZZ", "--esporta")
    with pytest.raises(CommandError, match="Nessun partecipante con codice ZZZZZZ"):
        esegui("ZZZZZZ", "--elimina", "--conferma")
    assert Partecipante.objects.count() == 3


def test_code_of_another_agreement_is_refused(registro):
    with pytest.raises(CommandError, match="nell'accordo 999"):
        esegui(registro["anna"].codice, "--accordo", "999", "--esporta")


def test_elimina_without_conferma_deletes_nothing_and_explains(registro):
    anna = registro["anna"]
    prima = (Partecipante.objects.count(), Presenza.objects.count(), Presenza.history.count())
    uscita = StringIO()

    with pytest.raises(CommandError, match="Nulla è stato eliminato.*--conferma"):
        call_command("dati_partecipante", anna.codice, "--elimina", stdout=uscita)

    assert f"Verrebbero eliminati il partecipante {anna.codice}" in uscita.getvalue()
    assert "presenze 3," in uscita.getvalue()
    assert (
        Partecipante.objects.count(),
        Presenza.objects.count(),
        Presenza.history.count(),
    ) == prima


def test_elimina_removes_the_participant_attendance_and_its_history(registro, caplog):
    anna, bruno, carla = registro["anna"], registro["bruno"], registro["carla"]
    presenze_altri = set(
        Presenza.objects.exclude(partecipante=anna).values_list("pk", "partecipante_id")
    )
    storico_altri = Presenza.history.exclude(partecipante_id=anna.pk).count()

    with caplog.at_level(logging.INFO, logger="audit"):
        uscita = esegui(anna.codice, "--elimina", "--conferma", "--richiesta", "prot. 123/2025")

    assert f"Eliminati il partecipante {anna.codice}" in uscita
    assert not Partecipante.objects.filter(pk=anna.pk).exists()
    assert not Presenza.objects.filter(partecipante_id=anna.pk).exists()
    assert not Presenza.history.filter(partecipante_id=anna.pk).exists()
    assert not Laboratorio.iscritti.through.objects.filter(partecipante_id=anna.pk).exists()
    # Everyone else is untouched, sessions included.
    assert set(Partecipante.objects.values_list("pk", flat=True)) == {bruno.pk, carla.pk}
    assert (
        set(Presenza.objects.exclude(partecipante=anna).values_list("pk", "partecipante_id"))
        == presenze_altri
    )
    assert Presenza.history.count() == storico_altri
    assert Sessione.objects.count() == 3
    assert set(registro["ciclofficina"].iscritti.all()) == {bruno}
    # The audit line says who and when, never the code.
    righe = [r.getMessage() for r in caplog.records if r.name == "audit"]
    assert len(righe) == 1
    assert "Eliminati su richiesta" in righe[0] and "prot. 123/2025" in righe[0]
    assert anna.codice not in righe[0]


def test_elimina_in_a_closed_period_says_reports_stay_frozen(registro, accordo):
    PeriodoChiuso.objects.create(
        accordo=accordo, dal=date(2024, 9, 1), al=date(2024, 12, 31), motivo="rendiconto"
    )

    uscita = esegui(registro["anna"].codice, "--elimina", "--conferma")

    assert "Presenze in periodi già approvati: 1." in uscita
    assert "I rendiconti inviati restano come sono" in uscita
    assert not Partecipante.objects.filter(pk=registro["anna"].pk).exists()


def test_esporta_and_elimina_exclude_each_other(registro):
    with pytest.raises(CommandError):
        esegui(registro["anna"].codice, "--esporta", "--elimina")
    with pytest.raises(CommandError):
        esegui(registro["anna"].codice)
