"""The dashboard's reads (cruscotto/selectors.py): the monthly series, the
reports to write and the sessions to log (pure), what waits for whom,
recent changes, a cooperative's laboratories.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from budget import services as budget_services
from cruscotto.selectors import (
    ACCORDI_PER_PAGINA,
    ATTESE_MOSTRATE,
    RENDICONTI_PER_ACCORDO,
    cruscotto,
    cruscotto_cooperativa,
    giorni_abituali,
    mesi,
    periodi_da_rendicontare,
    sessioni_mancanti,
)
from laboratori.models import Laboratorio, StatoLaboratorio
from rendicontazione import services as rend_services
from rendicontazione.models import Rendiconto, TipoRendiconto
from tests.conftest import registrato_il
from tests.cruscotto.conftest import OGGI, OGGI_2025, pagina, senza_marcatori

pytestmark = pytest.mark.date

D = Decimal


# The monthly series


def test_months_cover_the_agreement_from_its_first_to_its_last_month():
    elenco = mesi(date(2024, 9, 1), date(2025, 12, 31))
    assert len(elenco) == 16
    assert elenco[0] == date(2024, 9, 1) and elenco[-1] == date(2025, 12, 1)
    assert mesi(date(2025, 3, 15), date(2025, 3, 20)) == [date(2025, 3, 1)]


def test_the_monthly_series_is_zero_filled_over_the_agreement(utente_comune, spesa):
    (pannello,) = cruscotto(utente_comune, oggi=OGGI).accordi
    serie = dict(pannello.spesa_mensile)
    assert len(serie) == 16  # September 2024 - December 2025
    # 1.234,56 + 37,04 fee, and 99,99 + 3,00 fee, in October; design work has no fee.
    assert serie[date(2024, 10, 1)] == D("1374.59")
    assert serie[date(2024, 11, 1)] == D("800.00")
    assert serie[date(2024, 9, 1)] == D("0.00")
    assert serie[date(2025, 2, 1)] == D("2420.50")


# Reports to write and sessions to log (pure)


def test_an_ended_tranche_not_covered_by_a_report_is_a_report_to_write():
    tranche = [("2024", date(2024, 12, 31)), ("2025", date(2025, 12, 31))]
    argomenti = {
        "accordo_inizio": date(2024, 9, 1),
        "accordo_fine": date(2025, 12, 31),
        "tranche": tranche,
    }
    assert periodi_da_rendicontare(**argomenti, rendiconti=[], oggi=date(2025, 2, 1)) == [
        ("2024", date(2024, 9, 1), date(2024, 12, 31))
    ]
    coperto = [(date(2024, 12, 31), TipoRendiconto.PERIODICO)]
    assert periodi_da_rendicontare(**argomenti, rendiconti=coperto, oggi=date(2025, 2, 1)) == []
    assert periodi_da_rendicontare(**argomenti, rendiconti=coperto, oggi=OGGI) == [
        ("2025", date(2025, 1, 1), date(2025, 12, 31)),
        ("finale", None, None),
    ]
    tutto = [*coperto, (date(2025, 12, 31), TipoRendiconto.FINALE)]
    assert periodi_da_rendicontare(**argomenti, rendiconti=tutto, oggi=OGGI) == []


# Wednesday 25 November 2026; sessions on Mondays and Thursdays before it.
MERCOLEDI = date(2026, 11, 25)
LUNEDI_GIOVEDI = [
    MERCOLEDI - timedelta(days=n)
    for n in range(1, 29)
    if (MERCOLEDI - timedelta(days=n)).weekday() in (0, 3)
]


def test_usual_weekdays_are_those_met_at_least_twice_in_four_weeks():
    assert giorni_abituali(LUNEDI_GIOVEDI, oggi=MERCOLEDI) == (0, 3)
    # A single Saturday is not a habit.
    assert giorni_abituali([*LUNEDI_GIOVEDI, date(2026, 11, 14)], oggi=MERCOLEDI) == (0, 3)


def test_a_usual_day_without_a_session_is_to_log_within_the_edit_window():
    lunedi_scorso = date(2026, 11, 23)
    sessioni = [g for g in LUNEDI_GIOVEDI if g != lunedi_scorso]
    argomenti = {"oggi": MERCOLEDI, "inizio": date(2026, 1, 1), "fine": date(2026, 12, 31)}
    assert sessioni_mancanti(sessioni, giorni_modifica=7, **argomenti) == (
        (0, 3),
        (lunedi_scorso,),
        False,
    )
    # A missing day older than the window is the consortium's to fix: not listed.
    vecchio = [g for g in LUNEDI_GIOVEDI if g != date(2026, 11, 12)]
    assert sessioni_mancanti(vecchio, giorni_modifica=7, **argomenti)[1] == ()
    assert sessioni_mancanti(vecchio, giorni_modifica=14, **argomenti)[1] == (date(2026, 11, 12),)


def test_without_a_pattern_a_laboratory_silent_for_a_week_is_flagged():
    argomenti = {"oggi": MERCOLEDI, "giorni_modifica": 7, "fine": date(2026, 12, 31)}
    assert sessioni_mancanti([date(2026, 11, 10)], inizio=date(2026, 10, 1), **argomenti) == (
        (),
        (),
        True,
    )
    assert not sessioni_mancanti([date(2026, 11, 19)], inizio=date(2026, 10, 1), **argomenti)[2]
    # Started three days ago: too soon to say.
    assert not sessioni_mancanti([], inizio=date(2026, 11, 22), **argomenti)[2]


# What waits for whom, and what changed


def test_a_report_sent_back_shows_on_the_next_dashboard(
    client, utente_comune, utente_consorzio, rendiconti
):
    prima = cruscotto(utente_consorzio, oggi=OGGI).in_attesa
    rend_services.rimanda(
        rendiconto=rendiconti["inviato"],
        utente=utente_comune,
        osservazioni="Manca il registro presenze.",
    )
    dopo = cruscotto(utente_consorzio, oggi=OGGI).in_attesa
    assert len(dopo) == len(prima) + 1
    assert any("Manca il registro presenze." in a.osservazioni for a in dopo)


def test_recent_changes_say_who_changed_what(
    client, utente_comune, utente_consorzio, tranche_2025, fornitore, spesa
):
    utente_consorzio.first_name, utente_consorzio.last_name = "Marco", "Bianchi"
    utente_consorzio.save()
    # The agreement, its two tranches and the four prestazioni.
    assert len(cruscotto(utente_comune, oggi=OGGI).modifiche) == 7
    for indice in range(6):
        budget_services.prestazione_crea(
            tranche=tranche_2025,
            tipo="beni_consumo",
            fornitore=fornitore,
            descrizione=f"Materiale {indice}",
            data=date(2025, 5, 1),
            importo=D("10.00"),
            utente=utente_consorzio,
        )
    modifiche = cruscotto(utente_comune, oggi=OGGI).modifiche
    assert len(modifiche) == 10
    assert modifiche[0].frase == "Marco Bianchi ha registrato la prestazione «Materiale 5»"
    assert [m.quando for m in modifiche] == sorted((m.quando for m in modifiche), reverse=True)
    frasi = [m.frase for m in modifiche]
    # The ten newest: the six above and the fixture's four; the tranches and
    # the agreement, loaded first, are left out.
    assert "Marco Bianchi ha registrato la prestazione «Prestazione di prova»" in frasi
    assert not any("tranche" in frase or "accordo" in frase for frase in frasi)
    assert "Il sistema ha registrato la prestazione «Prestazione di prova»" in frasi
    assert "Marco Bianchi ha registrato la prestazione" in senza_marcatori(
        pagina(client, utente_comune)
    )


# Cooperatives


def test_a_cooperative_sees_the_sessions_to_log(client, utente_coop_a, laboratori):
    dati = cruscotto_cooperativa(utente_coop_a, oggi=OGGI_2025)
    per_titolo = {lab.titolo: lab for lab in dati.laboratori}
    ciclofficina = per_titolo["Ciclofficina Civico 81"]
    # Week of Monday 17 March: only Thursday 20 is logged (Monday is missing).
    assert ciclofficina.sessioni_settimana == 1
    assert ciclofficina.ultima_sessione == date(2025, 3, 20)
    assert ciclofficina.sessioni_previste == 30
    assert {(v.titolo, v.giorni) for v in dati.da_registrare} == {
        ("Ciclofficina Civico 81", (date(2025, 3, 17),)),
        ("Falegnameria creativa", ()),  # no pattern, silent since 4 March
    }
    testo = senza_marcatori(pagina(client, utente_coop_a))
    assert "Di solito si incontra il lunedì e il giovedì" in testo
    assert "17/03/2025" in testo
    assert "Nessuna sessione registrata negli ultimi 7 giorni (l'ultima è del 04/03/2025)." in (
        testo
    )


def test_without_active_laboratories_nothing_is_to_log(client, utente_coop_a, laboratori):
    Laboratorio.objects.update(stato=StatoLaboratorio.CONCLUSO)
    dati = cruscotto_cooperativa(utente_coop_a, oggi=OGGI_2025)
    assert dati.laboratori_attivi == 0 and dati.da_registrare == ()
    assert "Nessun laboratorio attivo" in pagina(client, utente_coop_a)


# Bounded: what the page lists does not grow with the reports


@pytest.fixture
def dodici_bozze(accordo, utente_consorzio):
    """Twelve monthly draft reports, September 2024 - August 2025."""
    bozze = []
    with registrato_il():
        for mese in range(12):
            anno, numero = (2024, 9 + mese) if mese < 4 else (2025, mese - 3)
            dal = date(anno, numero, 1)
            al = (date(anno + numero // 12, numero % 12 + 1, 1)) - timedelta(days=1)
            bozze.append(
                rend_services.rendiconto_salva(
                    rendiconto=Rendiconto(accordo=accordo, dal=dal, al=al, attivita_svolte="."),
                    utente=utente_consorzio,
                )
            )
    return bozze


def test_an_agreement_lists_its_latest_reports_and_counts_the_others(utente_comune, dodici_bozze):
    (pannello,) = cruscotto(utente_comune, oggi=OGGI).accordi
    assert len(pannello.rendiconti) == RENDICONTI_PER_ACCORDO == 8
    assert pannello.altri_rendiconti == 4
    # The latest first: August 2025 back to January 2025.
    assert [r.dal for r in pannello.rendiconti] == [
        date(2025, numero, 1) for numero in range(8, 0, -1)
    ]


@pytest.mark.oggi(OGGI.isoformat())  # the page's today: the agreement has expired
def test_the_waiting_list_shows_the_first_ones_and_counts_the_rest(
    client, utente_consorzio, dodici_bozze
):
    dati = cruscotto(utente_consorzio, oggi=OGGI)
    # Twelve drafts to complete, the 2025 tranche not covered past August and
    # no final report: fourteen things wait, ten are listed.
    assert len(dati.in_attesa) == ATTESE_MOSTRATE == 10
    assert dati.altri_in_attesa == 4
    assert [a.rendiconto_id for a in dati.in_attesa] == [r.pk for r in dodici_bozze[:10]]
    testo = senza_marcatori(pagina(client, utente_consorzio))
    assert "Ci sono altri 4 rendiconti in attesa di lei." in testo


def test_a_final_report_older_than_the_latest_ones_still_covers_the_agreement(
    accordo, utente_consorzio, dodici_bozze
):
    # The final report starts with the agreement: by start date it is the
    # oldest of thirteen, not among the latest eight the page lists.
    with registrato_il():
        rend_services.rendiconto_salva(
            rendiconto=Rendiconto(
                accordo=accordo,
                tipo=TipoRendiconto.FINALE,
                dal=accordo.data_inizio,
                al=accordo.data_fine,
                attivita_svolte=".",
            ),
            utente=utente_consorzio,
        )
    dati = cruscotto(utente_consorzio, oggi=OGGI)
    (pannello,) = dati.accordi
    assert TipoRendiconto.FINALE.label not in [r.tipo for r in pannello.rendiconti]
    # Thirteen drafts wait; no period is left to write, no final report is missing.
    assert dati.altri_in_attesa == 13 - ATTESE_MOSTRATE
    assert all(a.etichetta == "Da completare" for a in dati.in_attesa)


def test_nothing_waits_for_the_administrator(superutente, dodici_bozze):
    dati = cruscotto(superutente, oggi=OGGI)
    assert dati.in_attesa == () and dati.altri_in_attesa == 0
    assert not dati.attende_rendiconti


# Bounded: the agreements shown in full, a page at a time


def test_a_page_shows_five_agreements_in_full_the_most_recent_first(
    utente_consorzio, sette_accordi
):
    prima = cruscotto(utente_consorzio, oggi=OGGI)
    seconda = cruscotto(utente_consorzio, oggi=OGGI, pagina="2")
    assert ACCORDI_PER_PAGINA == 5
    assert [a.stato.accordo_id for a in prima.accordi] == [a.pk for a in sette_accordi[:5]]
    assert [a.stato.accordo_id for a in seconda.accordi] == [a.pk for a in sette_accordi[5:]]
    assert prima.pagina.paginator.count == seconda.pagina.paginator.count == 7
    # A page that does not exist is the last one, as in the other lists.
    assert cruscotto(utente_consorzio, oggi=OGGI, pagina="9").pagina.number == 2


def test_what_waits_covers_the_agreements_of_every_page(utente_consorzio, sette_accordi):
    dati = cruscotto(utente_consorzio, oggi=OGGI)
    finali = {a.accordo for a in dati.in_attesa if a.titolo == "Rendiconto finale"}
    # Each expired agreement lacks its final report, those of page 2 too.
    assert finali == {a.titolo for a in sette_accordi}
    assert dati.primo_accordo == sette_accordi[0]
