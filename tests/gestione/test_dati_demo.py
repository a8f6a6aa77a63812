"""`dati_demo`: demo organisations, one user per role, prestazioni inside
every rule; running it twice is harmless.

The command takes seconds (it also writes the demo laboratories' sessions),
so each test runs it once and checks several things, with helpers named
after what they check.
"""

from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from accordo.models import Accordo, Ente, TipoEnte
from budget.models import Prestazione
from budget.selectors import stato_budget
from core.models import Ruolo, Utente

pytestmark = pytest.mark.django_db

PASSWORD = "demo-password-di-prova-42"
APP_DEL_PROGETTO = {"core", "accordo", "budget", "laboratori", "rendicontazione"}


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    uscita = StringIO()
    call_command("dati_demo", stdout=uscita)
    return uscita.getvalue()


def conteggi() -> dict[str, int]:
    """Rows of every model of the project's apps, history tables included."""
    return {
        modello._meta.label: modello.objects.count()
        for modello in apps.get_models()
        if modello._meta.app_label in APP_DEL_PROGETTO
    }


UTENTI = [
    # username, role, groups, start of the organisation's name
    ("comune", Ruolo.COMUNE, ["Comune"], "Comune di Cremona"),
    ("consorzio", Ruolo.CONSORZIO, ["Consorzio"], "Consorzio Sol.Co Cremona"),
    ("coop_edu", Ruolo.COOPERATIVA, ["Cooperativa"], "Solco Cremona Edu"),
    ("coop_young", Ruolo.COOPERATIVA, ["Cooperativa"], "Solco Young"),
]


def verifica_cooperative_del_consorzio():
    consorzio = Ente.objects.get(codice_fiscale="00903210193")
    cooperative = Ente.objects.filter(tipo=TipoEnte.COOPERATIVA)
    assert sorted(c.nome.split(" Società")[0] for c in cooperative) == [
        "Solco Cremona Edu",
        "Solco Young",
        "Solco06",
    ]
    assert all(c.consorzio_id == consorzio.pk for c in cooperative)
    assert set(consorzio.consorziate.all()) == set(cooperative)


def verifica_un_utente_per_ruolo():
    for username, ruolo, gruppi, ente in UTENTI:
        utente = Utente.objects.get(username=username)
        assert utente.ruolo == ruolo, username
        assert sorted(utente.groups.values_list("name", flat=True)) == gruppi, username
        assert utente.ente.nome.startswith(ente), username
        assert not utente.is_superuser, username
    # Cooperative staff work on their laboratories' pages, not in the admin.
    assert not Utente.objects.get(username="coop_edu").is_staff
    assert Utente.objects.get(username="comune").is_staff
    admin = Utente.objects.get(username="amministratore")
    assert admin.is_superuser
    assert admin.is_staff
    assert admin.ruolo == Ruolo.AMMINISTRATORE


def verifica_login(client, password):
    for username in ["comune", "consorzio", "coop_edu", "coop_young", "amministratore"]:
        assert client.login(username=username, password=password), username
        client.logout()
    assert not client.login(username="comune", password="sbagliata")


def test_demo_creates_organisations_users_and_prestazioni_inside_every_rule(demo, client):
    verifica_cooperative_del_consorzio()
    verifica_un_utente_per_ruolo()
    verifica_login(client, PASSWORD)

    accordo = Accordo.objects.get()
    assert Prestazione.objects.count() == 20
    stato = stato_budget(accordo)
    assert all(riga.disponibile >= 0 for riga in stato.tranche)
    assert stato.progettazione.utilizzato <= stato.progettazione.tetto
    for prestazione in Prestazione.objects.select_related("tranche"):
        assert prestazione.tranche.data_inizio <= prestazione.data <= prestazione.tranche.data_fine

    # The figures README.md shows for the demo's 2024 tranche.
    riga = stato.tranche[0]
    assert riga.etichetta == "2024"
    assert riga.valore_prestazioni == Decimal("6701.15")
    assert riga.quote_amministrative == Decimal("201.03")
    assert riga.quota_progettazione == Decimal("2000.00")
    assert riga.utilizzato == Decimal("8902.18")
    assert riga.disponibile == Decimal("4097.82")


def test_running_twice_is_harmless(demo, client, monkeypatch):
    prima = conteggi()
    assert prima["budget.Prestazione"] == 20
    uscita = StringIO()
    call_command("dati_demo", stdout=uscita)
    assert conteggi() == prima
    assert "Prestazioni dimostrative create: 0." in uscita.getvalue()
    verifica_un_utente_per_ruolo()
    verifica_login(client, PASSWORD)

    # Without DEMO_PASSWORD a new one is generated, printed and works.
    monkeypatch.delenv("DEMO_PASSWORD")
    uscita = StringIO()
    call_command("dati_demo", stdout=uscita)
    testo = uscita.getvalue()
    assert "generata ora" in testo
    nuova = testo.split("password: ", 1)[1].split()[0]
    assert len(nuova) >= 12
    assert nuova != PASSWORD
    assert conteggi() == prima
    verifica_login(client, nuova)
