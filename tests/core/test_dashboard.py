"""The home dashboard (core/views.py `home`, core/selectors.py, core/grafici.py)
and the tranche forecast (budget.rules.previsione_tranche).

The dashboard's money figures are the ones `stato_budget --json` prints,
compared here figure by figure on the page and in the selector; a page takes
the same number of queries with a few rows or many. The clock is frozen
through laboratori.services.oggi, which the dashboard reads too.
"""

import html
import json
import re
import xml.etree.ElementTree as ET
from datetime import date, time, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from budget import services as budget_services
from budget.models import Prestazione
from budget.rules import Esito, Fase, previsione_tranche
from core.formati import euro
from core.grafici import LARGHEZZA, istogramma_mensile, passo_asse
from core.selectors import (
    cruscotto,
    cruscotto_cooperativa,
    giorni_abituali,
    mesi,
    periodi_da_rendicontare,
    sessioni_mancanti,
)
from laboratori import services as lab_services
from laboratori.models import Laboratorio, Sessione, StatoLaboratorio, TipoLaboratorio
from rendicontazione import services as rend_services
from rendicontazione.models import Rendiconto, TipoRendiconto
from tests.conftest import crea_utente

pytestmark = pytest.mark.date

D = Decimal
SVG = "{http://www.w3.org/2000/svg}"
# After the Cremona agreement's end, as the real today is.
OGGI = date(2026, 11, 25)
# Inside the 2025 tranche, for the laboratories' sessions.
OGGI_2025 = date(2025, 3, 20)


def fissa_oggi(monkeypatch, giorno: date) -> None:
    monkeypatch.setattr(lab_services, "oggi", lambda: giorno)


def pagina(client, utente) -> str:
    client.force_login(utente)
    risposta = client.get("/")
    assert risposta.status_code == 200
    return html.unescape(risposta.content.decode())


def senza_marcatori(testo: str) -> str:
    testo = re.sub(r"<(style|svg)\b.*?</\1>", " ", testo, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", testo))


# The forecast (pure)


def prevedi(importo, utilizzato, inizio, fine, oggi):
    return previsione_tranche(
        importo=D(importo), utilizzato=D(utilizzato), inizio=inizio, fine=fine, oggi=oggi
    )


ANNO_2026 = (date(2026, 1, 1), date(2026, 12, 31))  # 365 days
META_2026 = date(2026, 7, 1)  # day 182 of 365


def test_an_ended_tranche_is_forecast_by_its_actual_figures():
    previsione = prevedi("13000.00", "8902.18", date(2024, 9, 1), date(2024, 12, 31), OGGI)
    assert previsione.fase == Fase.CHIUSA
    assert previsione.esito == Esito.RESIDUO and previsione.avviso
    assert previsione.utilizzato_previsto == D("8902.18")
    assert previsione.scostamento == D("4097.82")
    assert previsione.messaggio == (
        "Chiusa il 31/12/2024 con € 4.097,82 non spesi (31,5% della tranche)."
    )


def test_an_ended_tranche_nearly_spent_is_in_line_and_still_says_what_is_left():
    previsione = prevedi("1000.00", "950.00", *ANNO_2026, date(2027, 1, 1))
    assert previsione.esito == Esito.IN_LINEA and not previsione.avviso
    assert "con € 50,00 non spesi (5% della tranche)" in previsione.messaggio
    pieno = prevedi("1000.00", "1000.00", *ANNO_2026, date(2027, 1, 1))
    assert pieno.esito == Esito.IN_LINEA
    assert pieno.messaggio == "Chiusa il 31/12/2026: importo interamente utilizzato."


def test_a_future_tranche_has_nothing_to_forecast():
    previsione = prevedi(
        "27000.00", "0.00", date(2025, 1, 1), date(2025, 12, 31), date(2024, 10, 1)
    )
    assert previsione.fase == Fase.FUTURA
    assert previsione.esito is None and previsione.utilizzato_previsto is None
    assert not previsione.avviso
    assert previsione.messaggio == "La tranche inizia il 01/01/2025: nessuna previsione."


def test_a_pace_reaching_at_least_90_percent_is_in_line():
    # 17.000 in 182 of 365 days -> 34.093,41 at the end, 93,4% of 36.500.
    previsione = prevedi("36500.00", "17000.00", *ANNO_2026, META_2026)
    assert previsione.fase == Fase.IN_CORSO
    assert previsione.esito == Esito.IN_LINEA
    assert previsione.utilizzato_previsto == D("34093.41")
    assert previsione.scostamento == D("2406.59")
    assert previsione.messaggio == (
        "Al ritmo attuale al 31/12/2026 si utilizzerebbero circa € 34.093,41 (93,4% della tranche)."
    )


def test_a_slow_pace_warns_of_money_left_unspent_and_says_how_much():
    # 9.100 in 182 days -> 18.250 at the end: half of the tranche unspent.
    previsione = prevedi("36500.00", "9100.00", *ANNO_2026, META_2026)
    assert previsione.esito == Esito.RESIDUO and previsione.avviso
    assert previsione.utilizzato_previsto == D("18250.00")
    assert previsione.scostamento == D("18250.00")
    assert previsione.messaggio == (
        "Al ritmo attuale al 31/12/2026 resterebbero non spesi circa € 18.250,00 "
        "(50% della tranche)."
    )


def test_the_underspend_threshold_is_90_percent_of_the_amount():
    # 365 days, 100 elapsed: what is used scales by 3,65 to the end.
    oggi = date(2026, 4, 10)
    assert (oggi - ANNO_2026[0]).days + 1 == 100
    esattamente_90 = prevedi("3650.00", "900.00", *ANNO_2026, oggi)  # -> 3.285,00 = 90%
    appena_sotto = prevedi("3650.00", "899.99", *ANNO_2026, oggi)
    assert esattamente_90.utilizzato_previsto == D("3285.00")
    assert esattamente_90.esito == Esito.IN_LINEA
    assert appena_sotto.esito == Esito.RESIDUO


def test_a_fast_pace_gives_the_day_the_tranche_would_run_out():
    # 19.570 of 20.000 in 329 days: 59,48 a day reach 20.000 on day 337, 3 December.
    previsione = prevedi("20000.00", "19570.00", *ANNO_2026, OGGI)
    assert previsione.esito == Esito.SFORAMENTO and previsione.avviso
    assert previsione.data_esaurimento == date(2026, 12, 3)
    assert previsione.utilizzato_previsto == D("21711.40")
    assert previsione.scostamento == D("-1711.40")
    assert previsione.messaggio == (
        "Al ritmo attuale la tranche si esaurirebbe il 03/12/2026, prima della fine del "
        "periodo (31/12/2026)."
    )


def test_a_tranche_already_used_up_before_its_end_is_flagged():
    previsione = prevedi("5000.00", "5000.00", *ANNO_2026, date(2026, 3, 1))
    assert previsione.esito == Esito.SFORAMENTO
    assert previsione.messaggio.startswith("La tranche è già interamente utilizzata")


def test_a_pace_of_a_few_days_gives_no_forecast_yet():
    previsione = prevedi("5000.00", "10.00", *ANNO_2026, date(2026, 1, 10))
    assert previsione.fase == Fase.IN_CORSO and previsione.esito is None
    assert "dopo 30 giorni" in previsione.messaggio


def test_on_the_last_day_the_forecast_is_what_is_used():
    previsione = prevedi("1000.00", "400.00", *ANNO_2026, ANNO_2026[1])
    assert previsione.fase == Fase.IN_CORSO
    assert previsione.utilizzato_previsto == D("400.00")
    assert previsione.esito == Esito.RESIDUO


@given(
    importo=st.integers(min_value=100, max_value=10_000_000).map(lambda c: D(c) / 100),
    quota=st.integers(min_value=1, max_value=99),
    trascorsi=st.integers(min_value=30, max_value=364),
)
def test_the_run_out_day_is_the_first_day_the_pace_reaches_the_amount(importo, quota, trascorsi):
    inizio, fine = ANNO_2026
    oggi = inizio + timedelta(days=trascorsi - 1)
    utilizzato = (importo * quota / 100).quantize(D("0.01"))
    previsione = previsione_tranche(
        importo=importo, utilizzato=utilizzato, inizio=inizio, fine=fine, oggi=oggi
    )
    if previsione.esito != Esito.SFORAMENTO or utilizzato == 0:
        return
    giorni = (previsione.data_esaurimento - inizio).days + 1
    assert oggi <= previsione.data_esaurimento < fine
    # pace x days >= amount > pace x (days - 1), with pace = used / elapsed,
    # multiplied out: utilizzato / trascorsi is not exact in Decimal (0,40 / 30).
    assert utilizzato * giorni >= importo * trascorsi > utilizzato * (giorni - 1)


# The monthly chart (pure)


def leggi(svg: str) -> ET.Element:
    radice = ET.fromstring(svg)  # noqa: S314 - markup we generated, not untrusted input
    assert radice.tag == f"{SVG}svg"
    return radice


def scritte(radice: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in radice.iter(f"{SVG}text")]


SERIE = [
    (date(2024, 11, 1), D("1560.91")),
    (date(2024, 12, 1), D("0.00")),
    (date(2025, 1, 1), D("3120.00")),
]


def test_the_monthly_chart_is_accessible_responsive_svg_listing_every_month():
    radice = leggi(istogramma_mensile(SERIE, titolo="Spesa <mensile> & altro"))
    assert radice.get("role") == "img"
    assert radice.get("width") == "100%"
    assert radice.get("viewBox") == f"0 0 {LARGHEZZA} {radice.get('viewBox').split()[3]}"
    titolo, desc = radice.find(f"{SVG}title"), radice.find(f"{SVG}desc")
    assert titolo.text == "Spesa <mensile> & altro"  # escaped in the markup, read back
    assert radice.get("aria-labelledby") == f"{titolo.get('id')} {desc.get('id')}"
    assert desc.text == (
        "novembre 2024: € 1.560,91; dicembre 2024: € 0,00; gennaio 2025: € 3.120,00."
    )
    testi = scritte(radice)
    assert {"nov", "dic", "gen", "2024", "2025"} <= set(testi)
    assert "€ 0,00" in testi and "€ 4.000,00" in testi  # y axis, in euro
    assert "<script" not in istogramma_mensile(SERIE, titolo="x")


def test_bars_are_proportional_and_empty_months_draw_none():
    radice = leggi(istogramma_mensile(SERIE, titolo="Spesa"))
    barre = [r for r in radice.iter(f"{SVG}rect") if r.get("class") == "mese"]
    assert len(barre) == 2  # December is zero
    novembre, gennaio = (float(b.get("height")) for b in barre)
    assert novembre / gennaio == pytest.approx(1560.91 / 3120.00, rel=1e-3)
    assert [b.find(f"{SVG}title").text for b in barre] == [
        "novembre 2024: € 1.560,91",
        "gennaio 2025: € 3.120,00",
    ]


def test_a_chart_of_no_spending_still_draws_its_axis():
    radice = leggi(istogramma_mensile([(date(2025, 1, 1), D("0"))], titolo="Spesa"))
    assert "€ 0,00" in scritte(radice)
    assert not [r for r in radice.iter(f"{SVG}rect") if r.get("class") == "mese"]


@pytest.mark.parametrize(
    ("massimo", "passo"),
    [("3308.77", "1000"), ("980", "250"), ("12000", "5000"), ("0", "1"), ("45", "20")],
)
def test_the_axis_step_is_round(massimo, passo):
    assert passo_asse(D(massimo)) == D(passo)


def test_months_cover_the_agreement_from_its_first_to_its_last_month():
    elenco = mesi(date(2024, 9, 1), date(2025, 12, 31))
    assert len(elenco) == 16
    assert elenco[0] == date(2024, 9, 1) and elenco[-1] == date(2025, 12, 1)
    assert mesi(date(2025, 3, 15), date(2025, 3, 20)) == [date(2025, 3, 1)]


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


# The page: figures equal `stato_budget --json`


@pytest.fixture
def spesa(tranche_2024, tranche_2025, crea_prestazione, utente_consorzio):
    crea_prestazione(tranche_2024, "1234.56", data=date(2024, 10, 15), utente=utente_consorzio)
    crea_prestazione(tranche_2024, "800.00", tipo="progettazione", data=date(2024, 11, 29))
    crea_prestazione(tranche_2024, "99.99", tipo="beni_consumo", data=date(2024, 10, 2))
    crea_prestazione(tranche_2025, "2350.00", tipo="personale_interno", data=date(2025, 2, 12))


def stato_json() -> dict:
    uscita = StringIO()
    call_command("stato_budget", "--json", stdout=uscita)
    return {voce["accordo_id"]: voce for voce in json.loads(uscita.getvalue())["accordi"]}


@pytest.mark.parametrize("chi", ["utente_comune", "utente_consorzio"])
def test_the_dashboard_shows_the_figures_of_stato_budget_json(client, request, chi, spesa):
    utente = request.getfixturevalue(chi)
    documento = stato_json()
    testo = pagina(client, utente)
    dati = cruscotto(utente, oggi=OGGI)
    assert [a.stato.accordo_id for a in dati.accordi] == list(documento)
    for pannello in dati.accordi:
        voce = documento[pannello.stato.accordo_id]
        assert pannello.stato.as_json() == voce
        for tranche in voce["tranche"]:
            for campo in ("importo", "utilizzato", "disponibile", "quote_amministrative"):
                assert euro(D(tranche[campo])) in testo, (tranche["etichetta"], campo)
        for campo in ("tetto", "utilizzato", "disponibile"):
            assert euro(D(voce["progettazione"][campo])) in testo, campo
        for campo in ("importo", "utilizzato", "disponibile", "quote_amministrative"):
            assert euro(D(voce["totale"][campo])) in testo, campo
        # The monthly series adds up to what the tranches have used.
        assert sum(v for _, v in pannello.spesa_mensile) == D(voce["totale"]["utilizzato"])


def test_the_monthly_series_is_zero_filled_over_the_agreement(utente_comune, spesa):
    (pannello,) = cruscotto(utente_comune, oggi=OGGI).accordi
    serie = dict(pannello.spesa_mensile)
    assert len(serie) == 16  # September 2024 - December 2025
    # 1.234,56 + 37,04 fee, and 99,99 + 3,00 fee, in October; design work has no fee.
    assert serie[date(2024, 10, 1)] == D("1374.59")
    assert serie[date(2024, 11, 1)] == D("800.00")
    assert serie[date(2024, 9, 1)] == D("0.00")
    assert serie[date(2025, 2, 1)] == D("2420.50")


@pytest.mark.oggi(OGGI.isoformat())  # both tranches have ended
def test_the_dashboard_shows_the_ended_tranches_final_figures(client, utente_comune, spesa):
    testo = senza_marcatori(pagina(client, utente_comune))
    assert "Chiusa il 31/12/2024 con € 10.825,41 non spesi (83,3% della tranche)." in testo
    assert "Chiusa il 31/12/2025 con € 24.579,50 non spesi (91% della tranche)." in testo
    assert "Spesa per mese" in testo and 'role="img"' in pagina(client, utente_comune)


def test_a_running_tranche_shows_its_forecast(client, monkeypatch, utente_comune, spesa):
    fissa_oggi(monkeypatch, date(2025, 3, 1))
    testo = senza_marcatori(pagina(client, utente_comune))
    # 2.420,50 in 60 days of 365 -> 14.724,71: 54,5% of 27.000, so a warning.
    assert "Tranche 2025 – Attenzione: Al ritmo attuale al 31/12/2025 resterebbero non spesi" in (
        testo
    )
    assert "circa € 12.275,29 (45,5% della tranche)" in testo


# What waits for whom


@pytest.fixture
def rendiconti(accordo, utente_consorzio, utente_comune, monkeypatch):
    """One report of each state that waits for someone: sent (for the
    Comune), sent back with remarks and draft (for the Consorzio)."""
    monkeypatch.setattr(rend_services, "send_mail", lambda *a, **k: 1)

    def nuovo(dal, al):
        return rend_services.rendiconto_salva(
            rendiconto=Rendiconto(accordo=accordo, dal=dal, al=al, attivita_svolte="Attività."),
            utente=utente_consorzio,
        )

    inviato = nuovo(date(2024, 9, 1), date(2024, 12, 31))
    rend_services.invia(rendiconto=inviato, utente=utente_consorzio)
    rimandato = nuovo(date(2025, 1, 1), date(2025, 6, 30))
    rend_services.invia(rendiconto=rimandato, utente=utente_consorzio)
    rend_services.rimanda(
        rendiconto=rimandato,
        utente=utente_comune,
        osservazioni="Allegare le ricevute della falegnameria.",
    )
    bozza = nuovo(date(2025, 7, 1), date(2025, 12, 31))
    return {"inviato": inviato, "rimandato": rimandato, "bozza": bozza}


@pytest.mark.oggi(OGGI.isoformat())  # the agreement has expired
def test_the_consorzio_sees_the_reports_to_complete_and_to_answer(
    client, utente_consorzio, rendiconti
):
    testo = senza_marcatori(pagina(client, utente_consorzio))
    attesa = testo[testo.index("In attesa di lei") :]
    assert "Da completare" in attesa and str(rendiconti["bozza"]) in attesa
    assert "Da integrare" in attesa and str(rendiconti["rimandato"]) in attesa
    assert "«Allegare le ricevute della falegnameria.»" in attesa
    assert "Da esaminare" not in testo
    # Every period is covered, but the expired agreement has no final report.
    assert "Rendiconto finale" in attesa
    assert "L'accordo è scaduto il 31/12/2025 e non ha ancora un rendiconto finale." in attesa


def test_the_comune_sees_the_reports_to_review(client, utente_comune, rendiconti):
    testo = senza_marcatori(pagina(client, utente_comune))
    attesa = testo[testo.index("In attesa di lei") : testo.index("Budget per tranche")]
    assert "Da esaminare" in attesa and str(rendiconti["inviato"]) in attesa
    assert "Da completare" not in attesa and "Da integrare" not in attesa
    assert "Rendiconto finale" not in attesa


def test_the_reports_are_listed_with_their_state(client, utente_comune, rendiconti):
    testo = pagina(client, utente_comune)
    for rendiconto in rendiconti.values():
        assert reverse("rendicontazione:dettaglio", args=[rendiconto.pk]) in testo
    lista = senza_marcatori(testo)
    assert "Bozza" in lista and "Inviato" in lista and "Da integrare" in lista


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


def laboratorio(accordo, cooperativa, titolo, **altro) -> Laboratorio:
    dati = {
        "tipo": TipoLaboratorio.CICLOFFICINA,
        "luogo": "Civico 81, Cremona",
        "data_inizio": date(2025, 1, 7),
        "data_fine": date(2025, 6, 30),
        "sessioni_previste": 30,
        "stato": StatoLaboratorio.ATTIVO,
    }
    dati.update(altro)
    return lab_services.laboratorio_salva(
        laboratorio=Laboratorio(accordo=accordo, titolo=titolo, cooperativa=cooperativa, **dati)
    )


def sessioni(lab: Laboratorio, giorni) -> None:
    Sessione.objects.bulk_create(
        Sessione(
            laboratorio=lab,
            data=giorno,
            ora_inizio=time(16),
            ora_fine=time(18),
            ore_educatori=D("4"),
        )
        for giorno in giorni
    )


@pytest.fixture
def laboratori(accordo, cooperativa_a, cooperativa_b, monkeypatch):
    """Coop A's two laboratories (one meeting on Mondays and Thursdays, with
    Monday 17 March missing) and coop B's one, on Thursday 20 March 2025."""
    fissa_oggi(monkeypatch, OGGI_2025)
    ciclofficina = laboratorio(accordo, cooperativa_a, "Ciclofficina Civico 81")
    giorni = [
        OGGI_2025 - timedelta(days=n)
        for n in range(0, 29)
        if (OGGI_2025 - timedelta(days=n)).weekday() in (0, 3)
    ]
    sessioni(ciclofficina, [g for g in giorni if g != date(2025, 3, 17)])
    falegnameria = laboratorio(
        accordo, cooperativa_a, "Falegnameria creativa", tipo=TipoLaboratorio.FALEGNAMERIA
    )
    sessioni(falegnameria, [date(2025, 3, 4)])
    zaist = laboratorio(accordo, cooperativa_b, "Doposcuola Zaist", tipo=TipoLaboratorio.DOPOSCUOLA)
    sessioni(zaist, [date(2025, 3, 18)])
    return {"ciclofficina": ciclofficina, "falegnameria": falegnameria, "zaist": zaist}


def test_a_cooperative_sees_its_laboratories_and_no_money(client, utente_coop_a, laboratori, spesa):
    testo = pagina(client, utente_coop_a)
    assert "Ciclofficina Civico 81" in testo and "Falegnameria creativa" in testo
    assert "Doposcuola Zaist" not in testo
    assert "€" not in testo
    assert "Spesa per mese" not in testo and "Modifiche recenti" not in testo
    assert reverse("laboratori:sessione_nuova", args=[laboratori["ciclofficina"].pk]) in testo


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


def test_the_comune_dashboard_has_no_cooperative_section(client, utente_comune, laboratori):
    assert "Sessioni da registrare" not in pagina(client, utente_comune)


# Access


def test_anonymous_is_sent_to_the_login(client):
    risposta = client.get("/")
    assert risposta.status_code == 302
    assert risposta["Location"].startswith(reverse("login"))


def test_the_administrator_sees_every_agreement(client, superutente, spesa):
    testo = pagina(client, superutente)
    assert euro(D("13000.00")) in testo
    assert "In attesa di lei" not in testo


def test_staff_without_an_organisation_go_to_the_admin(client, db):
    tecnico = crea_utente("tecnico", None, staff=True)
    client.force_login(tecnico)
    risposta = client.get("/")
    assert risposta.status_code == 302
    assert risposta["Location"] == reverse("admin:index")


# A fixed number of queries


def popola(accordo, tranche_2024, tranche_2025, crea_prestazione, lab, n_prestazioni, n_sessioni):
    for indice in range(n_prestazioni):
        tranche = tranche_2024 if indice % 2 else tranche_2025
        crea_prestazione(tranche, "10.00", data=tranche.data_inizio + timedelta(days=indice % 90))
    sessioni(lab, [date(2025, 1, 7) + timedelta(days=n) for n in range(n_sessioni)])


def conta_query(client, utente) -> int:
    """The queries of a dashboard (with an empty cache, though it keeps nothing there)."""
    client.force_login(utente)
    cache.clear()
    with CaptureQueriesContext(connection) as query:
        assert client.get("/").status_code == 200
    return len(query)


# Recorded. Comune and Consorzio: the session, the user with their
# organisation, and the twelve of core.selectors.cruscotto (agreements with
# their public body, which the header names too; tranches; their sums;
# monthly sums; reports; waiting reports; their latest transitions; five
# history tables). The cooperative: session, user with organisation, header,
# laboratories, sessions.
QUERY_CRUSCOTTO = 14
QUERY_COOPERATIVA = 5


@pytest.mark.parametrize(("n_prestazioni", "n_sessioni"), [(3, 2), (100, 60)])
def test_the_dashboard_takes_the_same_queries_whatever_the_data(
    client,
    monkeypatch,
    accordo,
    tranche_2024,
    tranche_2025,
    crea_prestazione,
    cooperativa_a,
    utente_comune,
    utente_consorzio,
    utente_coop_a,
    rendiconti,
    n_prestazioni,
    n_sessioni,
):
    fissa_oggi(monkeypatch, OGGI_2025)
    lab = laboratorio(accordo, cooperativa_a, "Ciclofficina Civico 81")
    popola(accordo, tranche_2024, tranche_2025, crea_prestazione, lab, n_prestazioni, n_sessioni)
    assert conta_query(client, utente_comune) == QUERY_CRUSCOTTO
    assert conta_query(client, utente_consorzio) == QUERY_CRUSCOTTO
    assert conta_query(client, utente_coop_a) == QUERY_COOPERATIVA


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


# Never old figures: every change of a prestazione shows on the next
# dashboard, on the page and in the selector.


def serie(utente) -> dict[date, Decimal]:
    (pannello,) = cruscotto(utente, oggi=OGGI).accordi
    return dict(pannello.spesa_mensile)


def cifre_del_grafico(client, utente) -> str:
    testo = pagina(client, utente)
    return senza_marcatori(testo[testo.index("Cifre del grafico") :])


def test_a_new_prestazione_shows_on_the_next_dashboard(
    client, utente_comune, tranche_2025, crea_prestazione, spesa
):
    assert "marzo 2025 € 0,00" in cifre_del_grafico(client, utente_comune)
    assert serie(utente_comune)[date(2025, 3, 1)] == D("0.00")
    crea_prestazione(tranche_2025, "100.00", data=date(2025, 3, 3))
    # 100,00 + 3,00 fee.
    assert serie(utente_comune)[date(2025, 3, 1)] == D("103.00")
    assert "marzo 2025 € 103,00" in cifre_del_grafico(client, utente_comune)


def test_an_edited_prestazione_moves_to_its_new_month_on_the_next_dashboard(
    client, utente_comune, tranche_2024, tranche_2025, crea_prestazione, spesa
):
    prestazione = crea_prestazione(tranche_2024, "100.00", data=date(2024, 12, 3))
    assert serie(utente_comune)[date(2024, 12, 1)] == D("103.00")
    pagina(client, utente_comune)
    budget_services.prestazione_modifica(
        prestazione=prestazione, tranche=tranche_2025, data=date(2025, 3, 3)
    )
    assert serie(utente_comune)[date(2024, 12, 1)] == D("0.00")
    assert serie(utente_comune)[date(2025, 3, 1)] == D("103.00")
    testo = cifre_del_grafico(client, utente_comune)
    assert "dicembre 2024 € 0,00" in testo and "marzo 2025 € 103,00" in testo


def test_a_deleted_prestazione_leaves_the_next_dashboard(
    client, utente_comune, tranche_2025, crea_prestazione, spesa
):
    prestazione = crea_prestazione(tranche_2025, "100.00", data=date(2025, 3, 3))
    assert "marzo 2025 € 103,00" in cifre_del_grafico(client, utente_comune)
    budget_services.prestazione_elimina(prestazione=prestazione)
    assert serie(utente_comune)[date(2025, 3, 1)] == D("0.00")
    assert "marzo 2025 € 0,00" in cifre_del_grafico(client, utente_comune)


def test_a_write_outside_the_services_shows_at_once(
    client, utente_comune, tranche_2025, crea_prestazione, spesa
):
    prestazione = crea_prestazione(tranche_2025, "100.00", data=date(2025, 3, 3))
    assert serie(utente_comune)[date(2025, 3, 1)] == D("103.00")
    # A bulk write: the figures are summed from the rows, nothing to repair.
    Prestazione.objects.filter(pk=prestazione.pk).update(
        importo=D("200.00"), quota_amministrativa=D("6.00")
    )
    assert serie(utente_comune)[date(2025, 3, 1)] == D("206.00")
    assert "marzo 2025 € 206,00" in cifre_del_grafico(client, utente_comune)
