"""laboratori.services on the real database.

Every refusal is a ValidationError with an Italian message and leaves the
database as it was: sessions, attendance, enrolments and their history rows
are counted before and after.
"""

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from stdnum import luhn

from accordo.models import Accordo, Ente, Obiettivo, TipoEnte
from budget.models import Prestazione
from laboratori import services
from laboratori.models import (
    ALFABETO_CODICE,
    Laboratorio,
    Partecipante,
    Presenza,
    Sessione,
    TipoLaboratorio,
)

D = Decimal
OGGI = date(2025, 3, 20)


def partita_iva(numero: int) -> str:
    """A valid partita IVA: 7 digits, office code 019 (Cremona), Luhn check."""
    base = f"{numero:07d}019"
    return base + luhn.calc_check_digit(base)


def nuovo_ente(nome, tipo, numero, **altro) -> Ente:
    ente = Ente(nome=nome, tipo=tipo, partita_iva=partita_iva(numero), **altro)
    ente.full_clean()
    ente.save()
    return ente


@pytest.fixture
def altro_accordo(db) -> Accordo:
    """A second agreement, between another Comune and another consortium."""
    comune = nuovo_ente("Comune di Crema", TipoEnte.COMUNE, 2400000)
    consorzio = nuovo_ente("Consorzio Altro", TipoEnte.CONSORZIO, 2400001)
    accordo = Accordo(
        titolo="Accordo di prova con un altro consorzio",
        ente_pubblico=comune,
        ente_partner=consorzio,
        firmatario_pubblico="La dirigente",
        firmatario_partner="Il presidente",
        data_inizio=date(2024, 1, 1),
        data_fine=date(2026, 12, 31),
    )
    accordo.full_clean()
    accordo.save()
    return accordo


@pytest.fixture
def cooperativa_altra(altro_accordo) -> Ente:
    return nuovo_ente(
        "Cooperativa di un altro consorzio",
        TipoEnte.COOPERATIVA,
        2400002,
        consorzio=altro_accordo.ente_partner,
    )


@pytest.fixture(autouse=True)
def oggi_fisso(monkeypatch):
    """Freeze the services' today to 20/03/2025; tests may move it."""

    class Orologio:
        giorno = OGGI

        def sposta(self, giorno: date) -> None:
            self.giorno = giorno

    orologio = Orologio()
    monkeypatch.setattr(services, "oggi", lambda: orologio.giorno)
    return orologio


def nuovo_laboratorio(accordo, cooperativa, titolo="Ciclofficina", **altro) -> Laboratorio:
    dati = {
        "accordo": accordo,
        "titolo": titolo,
        "tipo": TipoLaboratorio.CICLOFFICINA,
        "cooperativa": cooperativa,
        "luogo": "Civico 81, Cremona",
        "data_inizio": date(2024, 10, 1),
        "data_fine": date(2025, 6, 30),
        "sessioni_previste": 20,
        "ore_previste": D("40"),
    }
    dati.update(altro)
    return services.laboratorio_salva(laboratorio=Laboratorio(**dati))


@pytest.fixture
def laboratorio(accordo, cooperativa_a) -> Laboratorio:
    return nuovo_laboratorio(accordo, cooperativa_a)


def nuovo_partecipante(laboratorio, **altro) -> Partecipante:
    dati = {
        "fascia_eta": "11_13",
        "genere": "M",
        "livello_scolastico": "secondaria_1",
        "servizio_inviante": "scuola",
    }
    dati.update(altro)
    return services.partecipante_crea(laboratorio=laboratorio, **dati)


@pytest.fixture
def ragazzi(laboratorio) -> list[Partecipante]:
    """Three participants of the agreement, not yet enrolled anywhere."""
    partecipanti = [nuovo_partecipante(laboratorio) for _ in range(3)]
    laboratorio.iscritti.clear()
    return partecipanti


def sessione(laboratorio, **altro) -> Sessione:
    dati = {
        "laboratorio": laboratorio,
        "data": date(2025, 3, 18),
        "ora_inizio": time(15, 0),
        "ora_fine": time(17, 0),
        "numero_educatori": 2,
        "ore_educatori": D("4"),
        "volontari": 1,
        "ore_volontari": D("2"),
        "note": "Riparazione di due biciclette.",
    }
    dati.update(altro)
    return Sessione(**dati)


def conteggi() -> tuple[int, ...]:
    return (
        Sessione.objects.count(),
        Sessione.history.count(),
        Presenza.objects.count(),
        Presenza.history.count(),
        Partecipante.laboratori.through.objects.count(),
    )


def rifiuta(funzione, **kwargs) -> dict[str, list[str]]:
    """Assert the write is refused and saves nothing; return its errors."""
    prima = conteggi()
    with pytest.raises(ValidationError) as exc:
        funzione(**kwargs)
    assert conteggi() == prima
    return exc.value.message_dict


def messaggi_di(errori: dict[str, list[str]]) -> str:
    return " ".join(m for messaggi in errori.values() for m in messaggi)


# Creating a session


def test_sessione_salva_creates_the_session_with_attendance(laboratorio, ragazzi, utente_coop_a):
    salvata = services.sessione_salva(
        sessione=sessione(laboratorio), presenti=ragazzi[:2], utente=utente_coop_a
    )

    salvata.refresh_from_db()
    assert salvata.creata_da == utente_coop_a
    assert salvata.durata_ore == D("2.00")
    assert set(salvata.presenze.all()) == set(ragazzi[:2])
    assert set(laboratorio.iscritti.all()) == set(ragazzi[:2])  # attending enrols
    storia = salvata.history.get()
    assert storia.history_type == "+"
    assert storia.history_user == utente_coop_a
    righe = Presenza.history.filter(sessione_id=salvata.pk)
    assert {r.partecipante_id for r in righe} == {ragazzi[0].pk, ragazzi[1].pk}
    assert {(r.history_type, r.history_user_id) for r in righe} == {("+", utente_coop_a.pk)}


def test_a_session_without_attendance_is_allowed(laboratorio, utente_coop_a):
    salvata = services.sessione_salva(
        sessione=sessione(laboratorio), presenti=[], utente=utente_coop_a
    )
    assert salvata.pk and salvata.righe_presenza.count() == 0


def test_today_is_a_valid_date(laboratorio, ragazzi, utente_coop_a):
    services.sessione_salva(
        sessione=sessione(laboratorio, data=OGGI), presenti=ragazzi, utente=utente_coop_a
    )
    assert Presenza.objects.count() == 3


# Bad input: refused, nothing saved


def test_a_future_session_is_refused(laboratorio, ragazzi, utente_coop_a):
    errori = rifiuta(
        services.sessione_salva,
        sessione=sessione(laboratorio, data=date(2025, 3, 21)),
        presenti=ragazzi,
        utente=utente_coop_a,
    )
    assert errori == {
        "data": ["La data 21/03/2025 è nel futuro: si registrano solo le sessioni già svolte."]
    }


def test_a_session_outside_the_laboratory_period_is_refused(
    laboratorio, ragazzi, utente_coop_a, oggi_fisso
):
    oggi_fisso.sposta(date(2025, 9, 1))
    errori = rifiuta(
        services.sessione_salva,
        sessione=sessione(laboratorio, data=date(2025, 7, 1)),
        presenti=ragazzi,
        utente=utente_coop_a,
    )
    assert errori == {
        "data": [
            "La data 01/07/2025 è fuori dal periodo del laboratorio (01/10/2024 - 30/06/2025)."
        ]
    }


@pytest.mark.parametrize("fine", [time(15, 0), time(14, 0)])
def test_an_end_not_after_the_start_is_refused(laboratorio, ragazzi, fine):
    errori = rifiuta(
        services.sessione_salva, sessione=sessione(laboratorio, ora_fine=fine), presenti=ragazzi
    )
    assert errori == {"ora_fine": ["L'ora di fine deve essere successiva all'ora di inizio."]}


@pytest.mark.parametrize(
    ("campi", "campo", "frammento"),
    [
        ({"ore_educatori": D("-1")}, "ore_educatori", "devono essere maggiori di zero"),
        ({"ore_educatori": D("0")}, "ore_educatori", "devono essere maggiori di zero"),
        (
            {"ore_educatori": D("200"), "numero_educatori": 2},
            "ore_educatori",
            "200,00 ore per 2 educatori sono più di 12 ore a testa",
        ),
        ({"ore_volontari": D("-2")}, "ore_volontari", "non possono essere negative"),
        ({"volontari": 0, "ore_volontari": D("3")}, "volontari", "quanti volontari"),
        (
            {"ora_inizio": time(7, 0), "ora_fine": time(20, 30), "ore_educatori": D("20")},
            "ora_fine",
            "Una sessione di 13,50 ore supera il massimo di 12 ore",
        ),
    ],
)
def test_negative_or_absurd_hours_are_refused(laboratorio, ragazzi, campi, campo, frammento):
    errori = rifiuta(
        services.sessione_salva, sessione=sessione(laboratorio, **campi), presenti=ragazzi
    )
    assert list(errori) == [campo]
    assert frammento in errori[campo][0]


def test_hours_the_column_cannot_hold_are_refused_by_the_model(laboratorio, ragazzi):
    errori = rifiuta(
        services.sessione_salva,
        sessione=sessione(laboratorio, ore_educatori=D("2.125")),
        presenti=ragazzi,
    )
    assert list(errori) == ["ore_educatori"]


@pytest.mark.parametrize(
    ("inizio", "fine"),
    [
        (time(15, 0), time(17, 0)),  # the same session twice
        (time(16, 0), time(18, 0)),  # overlapping the end
        (time(14, 0), time(15, 30)),  # overlapping the start
        (time(15, 30), time(16, 30)),  # inside
    ],
)
def test_a_duplicate_session_is_refused(laboratorio, ragazzi, utente_coop_a, inizio, fine):
    services.sessione_salva(sessione=sessione(laboratorio), presenti=ragazzi, utente=utente_coop_a)
    errori = rifiuta(
        services.sessione_salva,
        sessione=sessione(laboratorio, ora_inizio=inizio, ora_fine=fine),
        presenti=ragazzi,
        utente=utente_coop_a,
    )
    assert errori == {
        "__all__": [
            "Esiste già una sessione di questo laboratorio il 18/03/2025 dalle 15:00 alle "
            "17:00: non registrarla due volte."
        ]
    }


def test_back_to_back_sessions_and_other_labs_are_not_duplicates(
    accordo, cooperativa_a, laboratorio, ragazzi
):
    services.sessione_salva(sessione=sessione(laboratorio), presenti=ragazzi)
    services.sessione_salva(
        sessione=sessione(laboratorio, ora_inizio=time(17, 0), ora_fine=time(18, 0)),
        presenti=ragazzi,
    )
    altro = nuovo_laboratorio(accordo, cooperativa_a, titolo="Falegnameria")
    services.sessione_salva(sessione=sessione(altro), presenti=ragazzi)
    assert Sessione.objects.count() == 3


def test_a_participant_of_another_agreement_is_refused(
    laboratorio, ragazzi, altro_accordo, utente_coop_a
):
    estraneo = Partecipante.objects.create(
        accordo=altro_accordo,
        codice="XYZ234",
        fascia_eta="14_15",
        genere="F",
        livello_scolastico="secondaria_2",
        servizio_inviante="scuola",
    )
    errori = rifiuta(
        services.sessione_salva,
        sessione=sessione(laboratorio),
        presenti=[ragazzi[0], estraneo],
        utente=utente_coop_a,
    )
    assert errori == {"presenti": ["Questi partecipanti appartengono a un altro accordo: XYZ234."]}
    assert not estraneo.laboratori.exists()


# Editing


def test_editing_replaces_attendance_as_a_difference(laboratorio, ragazzi, utente_coop_a):
    uno, due, tre = ragazzi
    salvata = services.sessione_salva(
        sessione=sessione(laboratorio), presenti=[uno, due], utente=utente_coop_a
    )
    presenza_due = Presenza.objects.get(sessione=salvata, partecipante=due)

    salvata.ore_educatori = D("4.5")
    services.sessione_salva(sessione=salvata, presenti=[due, tre], utente=utente_coop_a)

    assert set(salvata.presenze.all()) == {due, tre}
    # The unchanged tick is the same row, not deleted and re-created.
    assert Presenza.objects.get(sessione=salvata, partecipante=due).pk == presenza_due.pk
    storia = Presenza.history.filter(sessione_id=salvata.pk)
    assert sorted((r.partecipante_id, r.history_type) for r in storia) == sorted(
        [(uno.pk, "+"), (due.pk, "+"), (uno.pk, "-"), (tre.pk, "+")]
    )
    rimossa = storia.get(history_type="-")
    assert rimossa.history_user == utente_coop_a
    assert [r.history_type for r in salvata.history.order_by("history_id")] == ["+", "~"]
    assert salvata.history.latest().ore_educatori == D("4.50")
    # Whoever once attended stays enrolled.
    assert set(laboratorio.iscritti.all()) == {uno, due, tre}


def test_a_refused_edit_leaves_the_session_and_its_attendance(laboratorio, ragazzi, utente_coop_a):
    salvata = services.sessione_salva(
        sessione=sessione(laboratorio), presenti=ragazzi[:1], utente=utente_coop_a
    )
    salvata.ora_fine = time(14, 0)
    rifiuta(services.sessione_salva, sessione=salvata, presenti=ragazzi, utente=utente_coop_a)
    salvata.refresh_from_db()
    assert salvata.ora_fine == time(17, 0)
    assert list(salvata.presenze.all()) == ragazzi[:1]


def test_a_cooperative_may_edit_for_exactly_the_agreement_s_days(
    accordo, laboratorio, ragazzi, utente_coop_a, utente_consorzio, oggi_fisso
):
    assert accordo.giorni_modifica_sessioni == 7
    salvata = services.sessione_salva(
        sessione=sessione(laboratorio, data=date(2025, 3, 10)), presenti=ragazzi[:1]
    )

    oggi_fisso.sposta(date(2025, 3, 17))  # 7 days after: still allowed
    salvata.note = "Corretta dalla cooperativa."
    services.sessione_salva(sessione=salvata, presenti=ragazzi[:2], utente=utente_coop_a)

    oggi_fisso.sposta(date(2025, 3, 18))  # 8 days after: too late for the cooperative
    salvata.note = "Corretta troppo tardi."
    errori = rifiuta(
        services.sessione_salva, sessione=salvata, presenti=ragazzi, utente=utente_coop_a
    )
    assert errori == {
        "__all__": [
            "La sessione del 10/03/2025 non è più modificabile: le cooperative possono "
            "correggere una sessione entro 7 giorni. Chiedere al Consorzio."
        ]
    }
    salvata.refresh_from_db()
    assert salvata.note == "Corretta dalla cooperativa."

    salvata.note = "Corretta dal Consorzio."
    services.sessione_salva(sessione=salvata, presenti=ragazzi, utente=utente_consorzio)
    salvata.refresh_from_db()
    assert salvata.note == "Corretta dal Consorzio."
    assert salvata.presenze.count() == 3


def test_the_edit_window_is_data_on_the_agreement(
    accordo, laboratorio, ragazzi, utente_coop_a, oggi_fisso
):
    accordo.giorni_modifica_sessioni = 30
    accordo.save()
    salvata = services.sessione_salva(
        sessione=sessione(laboratorio, data=date(2025, 3, 1)), presenti=ragazzi
    )
    oggi_fisso.sposta(date(2025, 3, 31))
    services.sessione_salva(sessione=salvata, presenti=ragazzi[:1], utente=utente_coop_a)
    oggi_fisso.sposta(date(2025, 4, 1))
    errori = rifiuta(
        services.sessione_salva, sessione=salvata, presenti=ragazzi, utente=utente_coop_a
    )
    assert "entro 30 giorni" in messaggi_di(errori)


# Deleting


def test_sessione_elimina_respects_the_window_for_cooperatives(
    laboratorio, ragazzi, utente_coop_a, utente_consorzio, oggi_fisso
):
    prima = services.sessione_salva(
        sessione=sessione(laboratorio, data=date(2025, 3, 10)), presenti=ragazzi
    )
    seconda = services.sessione_salva(
        sessione=sessione(laboratorio, data=date(2025, 3, 11)), presenti=ragazzi[:1]
    )
    oggi_fisso.sposta(date(2025, 3, 18))

    with pytest.raises(ValidationError) as exc:
        services.sessione_elimina(sessione=prima, utente=utente_coop_a)
    assert exc.value.messages == [
        "La sessione del 10/03/2025 non è più cancellabile: le cooperative possono "
        "correggere una sessione entro 7 giorni."
    ]
    assert Sessione.objects.filter(pk=prima.pk).exists()
    assert Presenza.objects.filter(sessione=prima).count() == 3

    services.sessione_elimina(sessione=seconda, utente=utente_coop_a)  # exactly 7 days
    assert not Sessione.objects.filter(pk=seconda.pk).exists()

    services.sessione_elimina(sessione=prima, utente=utente_consorzio)
    assert Sessione.objects.count() == 0
    assert Presenza.objects.count() == 0
    cancellate = Presenza.history.filter(history_type="-")
    assert cancellate.count() == 4
    assert {r.history_user_id for r in cancellate} == {utente_coop_a.pk, utente_consorzio.pk}
    assert Sessione.history.filter(history_type="-", history_user=utente_consorzio).count() == 1
    # Deleting a session does not unenrol anybody.
    assert laboratorio.iscritti.count() == 3


# Participants


def test_partecipante_crea_generates_unambiguous_unique_codes_and_enrols(laboratorio):
    partecipanti = [
        nuovo_partecipante(laboratorio, fascia_eta="14_15", genere="F") for _ in range(40)
    ]
    codici = [p.codice for p in partecipanti]
    assert len(set(codici)) == 40
    for codice in codici:
        assert len(codice) == 6
        assert set(codice) <= set(ALFABETO_CODICE)
        assert not set(codice) & set("0O1IL")
    assert set(laboratorio.iscritti.all()) == set(partecipanti)
    primo = Partecipante.objects.get(pk=partecipanti[0].pk)
    assert (primo.accordo_id, primo.fascia_eta, primo.genere) == (
        laboratorio.accordo_id,
        "14_15",
        "F",
    )


def test_partecipante_crea_draws_again_when_a_code_is_taken(laboratorio, monkeypatch):
    esistente = nuovo_partecipante(laboratorio)
    estrazioni = iter([esistente.codice, esistente.codice, "KPZ789"])
    monkeypatch.setattr(services, "nuovo_codice", lambda: next(estrazioni))
    assert nuovo_partecipante(laboratorio).codice == "KPZ789"


def test_partecipante_crea_refuses_when_no_free_code_is_found(laboratorio, monkeypatch):
    esistente = nuovo_partecipante(laboratorio)
    monkeypatch.setattr(services, "nuovo_codice", lambda: esistente.codice)
    prima = Partecipante.objects.count()
    with pytest.raises(ValidationError) as exc:
        nuovo_partecipante(laboratorio)
    assert "Codice già usato nell'accordo." in exc.value.messages
    assert Partecipante.objects.count() == prima


def test_partecipante_crea_refuses_a_value_outside_the_choices(laboratorio):
    prima = Partecipante.objects.count()
    with pytest.raises(ValidationError) as exc:
        nuovo_partecipante(laboratorio, fascia_eta="12")
    assert list(exc.value.message_dict) == ["fascia_eta"]
    assert Partecipante.objects.count() == prima


# Laboratories


def test_laboratorio_salva_refuses_a_cooperative_outside_the_consortium(accordo, cooperativa_altra):
    with pytest.raises(ValidationError) as exc:
        nuovo_laboratorio(accordo, cooperativa_altra)
    assert exc.value.message_dict == {
        "cooperativa": ["La cooperativa non fa parte del consorzio firmatario dell'accordo."]
    }
    assert not Laboratorio.objects.exists()


@pytest.mark.parametrize(
    ("dal", "al"),
    [(date(2024, 8, 31), date(2025, 6, 30)), (date(2024, 10, 1), date(2026, 1, 1))],
)
def test_laboratorio_salva_refuses_a_period_outside_the_agreement(accordo, cooperativa_a, dal, al):
    with pytest.raises(ValidationError) as exc:
        nuovo_laboratorio(accordo, cooperativa_a, data_inizio=dal, data_fine=al)
    assert exc.value.message_dict == {
        "data_inizio": [
            "Il periodo del laboratorio deve stare nella durata dell'accordo "
            "(01/09/2024 - 31/12/2025)."
        ]
    }
    assert not Laboratorio.objects.exists()


def test_laboratorio_salva_refuses_an_end_before_the_start(accordo, cooperativa_a):
    with pytest.raises(ValidationError) as exc:
        nuovo_laboratorio(
            accordo, cooperativa_a, data_inizio=date(2025, 3, 1), data_fine=date(2025, 2, 1)
        )
    assert exc.value.message_dict["data_fine"] == ["La fine non può precedere l'inizio."]


def test_laboratorio_salva_refuses_objectives_of_another_agreement(
    accordo, cooperativa_a, altro_accordo
):
    estraneo = Obiettivo.objects.create(accordo=altro_accordo, numero=1, testo="Altro.")
    proprio = accordo.obiettivi.get(numero=1)
    laboratorio = Laboratorio(
        accordo=accordo,
        titolo="Doposcuola",
        tipo=TipoLaboratorio.DOPOSCUOLA,
        cooperativa=cooperativa_a,
        luogo="Cremona",
        data_inizio=date(2024, 10, 1),
        data_fine=date(2025, 6, 30),
    )
    with pytest.raises(ValidationError) as exc:
        services.laboratorio_salva(laboratorio=laboratorio, obiettivi=[proprio, estraneo])
    assert exc.value.message_dict == {"obiettivi": ["Gli obiettivi devono essere dell'accordo."]}
    assert not Laboratorio.objects.exists()

    services.laboratorio_salva(laboratorio=laboratorio, obiettivi=[proprio])
    assert list(laboratorio.obiettivi.all()) == [proprio]


def test_laboratorio_salva_refuses_a_period_that_leaves_sessions_out(laboratorio, ragazzi):
    services.sessione_salva(
        sessione=sessione(laboratorio, data=date(2024, 10, 15)), presenti=ragazzi
    )
    laboratorio.data_inizio = date(2024, 11, 1)
    with pytest.raises(ValidationError) as exc:
        services.laboratorio_salva(laboratorio=laboratorio)
    assert exc.value.message_dict == {
        "data_inizio": ["1 sessione resterebbe fuori dal nuovo periodo."]
    }
    assert Laboratorio.objects.get(pk=laboratorio.pk).data_inizio == date(2024, 10, 1)


def test_laboratorio_salva_records_who_changed_it(laboratorio, utente_consorzio):
    laboratorio.luogo = "Spazio Giovani, Cremona"
    services.laboratorio_salva(laboratorio=laboratorio, utente=utente_consorzio)
    ultima = laboratorio.history.latest()
    assert (ultima.history_type, ultima.history_user, ultima.luogo) == (
        "~",
        utente_consorzio,
        "Spazio Giovani, Cremona",
    )


# Prestazioni linked to a laboratory (budget.services)


def test_a_prestazione_cannot_charge_a_laboratory_of_another_agreement(
    tranche_2024, crea_prestazione, altro_accordo, cooperativa_altra
):
    laboratorio_altrui = nuovo_laboratorio(altro_accordo, cooperativa_altra)
    prima = (Prestazione.objects.count(), Prestazione.history.count())
    with pytest.raises(ValidationError) as exc:
        crea_prestazione(tranche_2024, "100.00", laboratorio=laboratorio_altrui)
    assert exc.value.message_dict == {
        "laboratorio": ["Il laboratorio indicato appartiene a un altro accordo."]
    }
    assert (Prestazione.objects.count(), Prestazione.history.count()) == prima


def test_a_prestazione_can_charge_a_laboratory_of_its_agreement(
    tranche_2024, crea_prestazione, laboratorio
):
    prestazione = crea_prestazione(tranche_2024, "100.00", laboratorio=laboratorio)
    assert list(laboratorio.prestazioni.all()) == [prestazione]


def test_the_clock_is_the_local_date():
    assert services.oggi() == OGGI  # the autouse fixture froze it


def test_the_real_clock_is_today(monkeypatch):
    monkeypatch.undo()
    assert abs(services.oggi() - date.today()) <= timedelta(days=1)


def test_a_cooperative_cannot_move_a_recent_session_to_a_settled_date(
    laboratorio, ragazzi, utente_coop_a, oggi_fisso
):
    salvata = services.sessione_salva(
        sessione=sessione(laboratorio, data=date(2025, 3, 17)), presenti=ragazzi[:1]
    )
    salvata.data = date(2025, 2, 3)
    errori = rifiuta(
        services.sessione_salva, sessione=salvata, presenti=ragazzi[:1], utente=utente_coop_a
    )
    assert "non si può spostare al 03/02/2025" in errori["data"][0]
    salvata.refresh_from_db()
    assert salvata.data == date(2025, 3, 17)


def test_a_cooperative_cannot_tick_another_cooperative_s_participant(
    accordo, laboratorio, ragazzi, cooperativa_b, utente_coop_a
):
    laboratorio_b = Laboratorio(
        accordo=accordo,
        titolo="Laboratorio della cooperativa B",
        tipo=TipoLaboratorio.SPORT,
        cooperativa=cooperativa_b,
        luogo="Palestra",
        data_inizio=date(2024, 9, 1),
        data_fine=date(2025, 12, 31),
    )
    services.laboratorio_salva(laboratorio=laboratorio_b)
    di_b = services.partecipante_crea(
        laboratorio=laboratorio_b,
        fascia_eta="14_15",
        genere="F",
        livello_scolastico="secondaria_2",
        servizio_inviante="scuola",
    )
    presenze = Presenza.objects.count()
    errori = rifiuta(
        services.sessione_salva,
        sessione=sessione(laboratorio, data=date(2025, 3, 18)),
        presenti=[ragazzi[0], di_b],
        utente=utente_coop_a,
    )
    assert errori["presenti"] == [
        f"Questi partecipanti non sono iscritti ai laboratori della cooperativa: {di_b.codice}."
    ]
    assert Presenza.objects.count() == presenze
    assert list(di_b.laboratori.all()) == [laboratorio_b]
