"""The home dashboard's page (cruscotto/views.py `home`): each role's
dashboard, its figures equal to `stato_budget --json`, what waits for whom,
no money for a cooperative, who may see it, a fixed number of queries, and
never old figures.
"""

import html
import json
import re
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from budget import services as budget_services
from budget.models import Prestazione
from core.formati import euro
from cruscotto.selectors import cruscotto
from tests.conftest import crea_utente
from tests.cruscotto.conftest import (
    OGGI,
    OGGI_2025,
    fissa_oggi,
    laboratorio,
    pagina,
    senza_marcatori,
    sessioni,
)

pytestmark = pytest.mark.date

D = Decimal


# The page: figures equal `stato_budget --json`


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


# Cooperatives


def test_a_cooperative_sees_its_laboratories_and_no_money(client, utente_coop_a, laboratori, spesa):
    testo = pagina(client, utente_coop_a)
    assert "Ciclofficina Civico 81" in testo and "Falegnameria creativa" in testo
    assert "Doposcuola Zaist" not in testo
    assert "€" not in testo
    assert "Spesa per mese" not in testo and "Modifiche recenti" not in testo
    assert reverse("laboratori:sessione_nuova", args=[laboratori["ciclofficina"].pk]) in testo


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


def test_a_user_without_an_organisation_sees_no_money(client, spesa):
    nessuno = crea_utente("senza_ente", None)
    testo = pagina(client, nessuno)
    assert "€" not in testo
    assert "Nessun laboratorio" in testo


@pytest.mark.parametrize(
    ("chi", "vede"),
    [("utente_consorzio", True), ("superutente", True), ("utente_comune", False)],
)
def test_whoever_writes_reports_is_offered_a_new_one(client, request, chi, vede, accordo):
    testo = pagina(client, request.getfixturevalue(chi))
    assert ("Nuovo rendiconto" in senza_marcatori(testo)) is vede


# A fixed number of queries


def popola(accordo, tranche_2024, tranche_2025, crea_prestazione, lab, n_prestazioni, n_sessioni):
    for indice in range(n_prestazioni):
        tranche = tranche_2024 if indice % 2 else tranche_2025
        crea_prestazione(tranche, "10.00", data=tranche.data_inizio + timedelta(days=indice % 90))
    sessioni(lab, [date(2025, 1, 7) + timedelta(days=n) for n in range(n_sessioni)])


def conta_query(client, utente, url="/") -> int:
    """The queries of a dashboard (with an empty cache, though it keeps nothing there)."""
    client.force_login(utente)
    cache.clear()
    with CaptureQueriesContext(connection) as query:
        assert client.get(url).status_code == 200
    return len(query)


# Recorded. Comune and Consorzio: the session, the user with their
# organisation, and the twelve of cruscotto.selectors.cruscotto (agreements
# with their public body, which the header names too; tranches; what their
# prestazioni charge; monthly sums; reports; waiting reports; their latest
# transitions; five history tables), and for the Consorzio one more: every
# agreement's tranche ends, for the periods no report covers yet. The
# cooperative: session, user with organisation, header, laboratories, sessions.
QUERY_CRUSCOTTO = 14
QUERY_CRUSCOTTO_CONSORZIO = 15
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
    assert conta_query(client, utente_consorzio) == QUERY_CRUSCOTTO_CONSORZIO
    assert conta_query(client, utente_coop_a) == QUERY_COOPERATIVA


@pytest.mark.parametrize("url", ["/", "/?pagina=2"])
def test_each_page_of_many_agreements_takes_the_same_queries(
    client, utente_comune, utente_consorzio, sette_accordi_con_tranche, rendiconti, url
):
    assert conta_query(client, utente_comune, url) == QUERY_CRUSCOTTO
    assert conta_query(client, utente_consorzio, url) == QUERY_CRUSCOTTO_CONSORZIO


def test_the_second_page_shows_the_older_agreements(client, utente_comune, sette_accordi):
    client.force_login(utente_comune)
    pagina_2 = html.unescape(client.get("/?pagina=2").content.decode())
    testo = senza_marcatori(pagina_2)
    assert "Accordi 6–7 di 7, i più recenti per primi." in testo
    assert "Pagina 2 di 2" in testo
    # Each agreement shown in full has its section, named by its id.
    sezioni = re.findall(r'<section class="accordo[^"]*" aria-labelledby="accordo-(\d+)"', pagina_2)
    assert sezioni == [str(a.pk) for a in sette_accordi[5:]]


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
