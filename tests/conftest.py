"""Shared fixtures: the Cremona agreement as loaded by `carica_accordo`, the
demo organisations, one user per role, and a prestazione factory that goes
through the services like every real write."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command

from accordo.models import Accordo, Ente, TipoEnte
from budget import services
from budget.models import Tranche
from core.models import Utente
from core.ruoli import gruppo_per_ruolo

PASSWORD = "password-di-prova-123"


@pytest.fixture(autouse=True)
def cache_vuota():
    """Every test starts with an empty cache. Tests roll their transactions
    back, so the next test may create a tranche with the same id and version
    as one cached before with other prestazioni: a real database never
    reuses them (see core.selectors._chiavi_spesa)."""
    cache.clear()


@pytest.fixture
def accordo(db) -> Accordo:
    call_command("carica_accordo", stdout=StringIO())
    return Accordo.objects.get()


@pytest.fixture
def tranche_2024(accordo) -> Tranche:
    return accordo.tranche.get(etichetta="2024")


@pytest.fixture
def tranche_2025(accordo) -> Tranche:
    return accordo.tranche.get(etichetta="2025")


@pytest.fixture
def consorzio(accordo) -> Ente:
    return accordo.ente_partner


@pytest.fixture
def comune(accordo) -> Ente:
    return accordo.ente_pubblico


def _ente(**dati) -> Ente:
    ente = Ente(**dati)
    ente.full_clean()
    ente.save()
    return ente


@pytest.fixture
def fornitore(db) -> Ente:
    return _ente(nome="Falegnameria Bodini", tipo=TipoEnte.FORNITORE, partita_iva="01967800192")


@pytest.fixture
def cooperativa_a(consorzio) -> Ente:
    return _ente(
        nome="Solco Cremona Edu",
        tipo=TipoEnte.COOPERATIVA,
        partita_iva="01523400198",
        consorzio=consorzio,
    )


@pytest.fixture
def cooperativa_b(consorzio) -> Ente:
    return _ente(
        nome="Solco Young",
        tipo=TipoEnte.COOPERATIVA,
        partita_iva="01634500191",
        consorzio=consorzio,
    )


def crea_utente(username: str, ente: Ente | None, *, staff: bool = False, superuser=False):
    utente = Utente.objects.create_user(
        username=username,
        password=PASSWORD,
        ente=ente,
        is_staff=staff or superuser,
        is_superuser=superuser,
    )
    gruppo = gruppo_per_ruolo(utente.ruolo)
    if gruppo is not None:
        utente.groups.add(gruppo)
    return utente


@pytest.fixture
def utente_comune(comune):
    return crea_utente("comune", comune, staff=True)


@pytest.fixture
def utente_consorzio(consorzio):
    return crea_utente("consorzio", consorzio, staff=True)


@pytest.fixture
def utente_coop_a(cooperativa_a):
    return crea_utente("coop_a", cooperativa_a)


@pytest.fixture
def utente_coop_b(cooperativa_b):
    return crea_utente("coop_b", cooperativa_b)


@pytest.fixture
def superutente(db):
    return crea_utente("admin", None, superuser=True)


@pytest.fixture
def crea_prestazione(fornitore):
    """Create a prestazione through the service; defaults fit the 2024 tranche."""

    def crea(tranche: Tranche, importo="100.00", *, tipo="servizi", data=None, **altro):
        return services.prestazione_create(
            tranche=tranche,
            tipo=tipo,
            fornitore=altro.pop("fornitore", fornitore),
            descrizione=altro.pop("descrizione", "Prestazione di prova"),
            data=data or tranche.data_inizio,
            importo=Decimal(importo),
            **altro,
        )

    return crea


GIORNO_2024 = date(2024, 10, 15)


@pytest.fixture
def browser():
    """Headless Debian Chromium through Playwright (never `playwright install`)."""
    from tests.navigatore import ARGOMENTI_CHROMIUM, CHROMIUM

    if not CHROMIUM.exists():
        pytest.skip("Chromium non installato in /usr/bin")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        istanza = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGOMENTI_CHROMIUM)
        try:
            yield istanza
        finally:
            istanza.close()
